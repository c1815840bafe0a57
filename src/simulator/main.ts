/** Standalone entry (`outpost simulate`): start the simulator and narrate it on stdout in plain lines. */
import { formatDuration } from '../config/units.js';
import { startSimulator, type Simulator } from './server.js';
import { PLATFORMS, type Fault, type Platform, type ScenarioEvent } from './types.js';

export const DEFAULT_SIMULATOR_PORT = 9470;

export interface SimulateArgs {
  host?: string;
  port?: number;
  seed?: number;
  scenario?: string;
  speed?: number;
  loop?: boolean;
}

function describeFaults(faults: Partial<Record<Platform, Fault[]>>): string {
  const parts = (Object.entries(faults) as [Platform, Fault[]][]).map(([platform, list]) => {
    const what = list.length === 0 ? 'healthy' : list.map((f) => ((f.ratio ?? 1) < 1 ? `${f.type}@${f.ratio}` : f.type)).join(', ');
    return `${platform}: ${what}`;
  });
  return parts.length === 0 ? 'no changes' : parts.join('; ');
}

/** One line per scenario step, e.g. `[scenario march-5 +40s] Facebook … | facebook: forced_logout, …`. */
export function formatScenarioStep(event: ScenarioEvent): string {
  const pass = event.iteration > 0 ? ` pass ${event.iteration + 1}` : '';
  const note = event.note === undefined ? '' : `${event.note.trim()} | `;
  return `[scenario ${event.scenario}${pass} +${event.at === 0 ? '0s' : formatDuration(event.at)}] ${note}${describeFaults(event.faults)}`;
}

export async function simulateMain(args: SimulateArgs, log: (line: string) => void = console.log): Promise<Simulator> {
  const sim = await startSimulator({
    host: args.host ?? '127.0.0.1',
    port: args.port ?? DEFAULT_SIMULATOR_PORT,
    seed: args.seed ?? 1,
    ...(args.scenario !== undefined ? { scenario: args.scenario } : {}),
    speed: args.speed ?? 1,
    loop: args.loop ?? false,
    onScenarioStep: (event) => log(formatScenarioStep(event)),
  });
  log(`outpost simulator listening on ${sim.url}`);
  for (const platform of PLATFORMS) {
    const account = sim.accounts[platform][0]!;
    log(`  ${platform.padEnd(9)} ${sim.baseUrl(platform)}  (test account ${account.username} / ${account.password})`);
  }
  log(`  control   ${sim.url}/_sim/faults`);
  return sim;
}
