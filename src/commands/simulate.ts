/** `outpost simulate`: the built-in platforms until SIGTERM/SIGINT. */
import { simulateMain } from '../simulator/index.js';
import type { CliValues } from '../cli.js';

export async function simulateCommand(values: CliValues): Promise<number> {
  const num = (v: string | undefined, what: string) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`--${what} expects a number`);
    return n;
  };
  let sim;
  try {
    sim = await simulateMain({
      host: values.host,
      port: num(values.port, 'port'),
      seed: num(values.seed, 'seed'),
      scenario: values.scenario,
      speed: num(values.speed, 'speed'),
      loop: values.loop,
    });
  } catch (err) {
    process.stderr.write(`outpost simulate: ${(err as Error).message}\n`);
    return 2;
  }
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await sim.close();
  return 0;
}
