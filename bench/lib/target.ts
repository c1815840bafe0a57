/** Start the target server (bench/target.ts) in its own process. */
import { startWorker, type Worker } from './child.js';

export interface Target {
  url: string;
  pid: number;
  close(): void;
}

export async function startTarget(): Promise<Target> {
  const w: Worker = startWorker('target.js', {});
  const m = await w.next<{ port: number }>(undefined, 10_000);
  return { url: `http://127.0.0.1:${m.port}/data`, pid: w.proc.pid!, close: () => w.kill() };
}
