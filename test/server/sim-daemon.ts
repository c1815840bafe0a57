/**
 * A real Outpost daemon watching the built-in simulator, for the status-page and end-to-end tests.
 *
 *   const s = await startSimDaemon({ location: 'lab' });
 *   s.sim.setFaults('facebook', [{ type: 'forced_logout' }]);
 *   await s.waitForState('facebook', 'down');
 *   await s.stop();
 *
 * Everything binds 127.0.0.1 on ephemeral ports; the daemon's state directory is a temp dir
 * removed on stop. `simGroups(sim)` is the demo config's three platforms (config/demo.yaml) as
 * data, so tests can add or change endpoints before the file is written.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Daemon } from '../../src/daemon.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import type { CheckState } from '../../src/check-state.js';
import { startTestDaemon } from '../support/daemon.js';
import { simulatorPlatforms } from '../support/platforms.js';

type Json = Record<string, unknown>;

/** The three simulated platforms, as in config/demo.yaml, pointing at `sim`. */
export function simGroups(sim: Simulator, feedMaxAge = '2m'): Json {
  return simulatorPlatforms(sim.url, { feedMaxAge });
}

export interface SimDaemonOptions {
  location?: string;
  /** Check interval (default 1s) and timeout (default 900ms; must not exceed the interval). */
  interval?: string;
  timeout?: string;
  /** The `groups` section; default simGroups(sim). */
  groups?: (sim: Simulator) => Json;
  /** Extra top-level config (merged over the defaults). */
  extra?: Json;
  /** Prom-client's default process metrics (default false). */
  defaultMetrics?: boolean;
}

export interface SimDaemon {
  sim: Simulator;
  daemon: Daemon;
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  /** host:port, for a Prometheus scrape target. */
  target: string;
  /** Run every configured check once, now (in parallel). */
  runAll(): Promise<void>;
  /** Poll the status API until `group` is in `state` (bounded). */
  waitForGroupState(group: string, state: CheckState, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startSimDaemon(opts: SimDaemonOptions = {}): Promise<SimDaemon> {
  const sim = await startSimulator({ port: 0, seed: 7, latencyMs: [0, 0], itemEverySeconds: 5 });
  const dir = await mkdtemp(path.join(tmpdir(), 'outpost-simdaemon-'));
  try {
    const config = {
      location: opts.location ?? 'lab',
      listen: '127.0.0.1:0',
      stateDir: path.join(dir, 'state'),
      logLevel: 'error',
      defaults: { interval: opts.interval ?? '1s', timeout: opts.timeout ?? '900ms', retries: 0, failureThreshold: 1, successThreshold: 1 },
      incidents: { groupWait: '0s' },
      ...opts.extra,
      groups: (opts.groups ?? simGroups)(sim),
    };
    const { daemon } = await startTestDaemon(config, { dir, env: { ...process.env }, defaultMetrics: opts.defaultMetrics ?? false });
    const url = daemon.server.url;
    return {
      sim,
      daemon,
      url,
      target: new URL(url).host,
      async runAll() {
        await Promise.all(daemon.config().checks.map((c) => daemon.runCheck(c)));
      },
      async waitForGroupState(group, state, timeoutMs = 15_000) {
        const deadline = Date.now() + timeoutMs;
        let last = 'nothing';
        while (Date.now() < deadline) {
          const doc = (await (await fetch(`${url}/api/v1/status`, { signal: AbortSignal.timeout(2_000) })).json()) as {
            groups: { name: string; state: string }[];
          };
          last = doc.groups.find((g) => g.name === group)?.state ?? 'absent';
          if (last === state) return;
          await new Promise((r) => setTimeout(r, 100));
        }
        throw new Error(`timed out waiting for group ${group} to be ${state} (last: ${last})`);
      },
      async stop() {
        await daemon.stop().catch(() => undefined);
        await sim.close().catch(() => undefined);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await sim.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
