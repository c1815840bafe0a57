/** The simulator: one node:http server hosting the three platforms, the control API and a scenario run. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { copyAccounts } from './accounts.js';
import { handleControl, type FaultControl } from './control.js';
import {
  errorPageReply,
  rateLimitedReply,
  sendThenReset,
  serverErrorReply,
  streamHugeBody,
  truncatedJsonReply,
} from './disruptions.js';
import { emptyFaultTable, findHit, replaceFaults, selectHits, snapshotFaults, type ActiveFault } from './fault-state.js';
import { isPlatform, unknownPlatformMessage, validateFaults } from './faults.js';
import type { PlatformEnv, PlatformRoute, RequestContext } from './platforms/context.js';
import { findRoute, pathExists } from './platforms/index.js';
import { deriveRng } from './prng.js';
import { json, parseFields, readBody, writeReply, type Reply } from './reply.js';
import { loadScenario } from './scenario.js';
import { checkRunOptions, runScenario, type ScenarioRun } from './scenario-runner.js';
import { createSessionStore } from './sessions.js';
import { PLATFORMS, type Account, type Fault, type Platform, type Scenario, type ScenarioEvent } from './types.js';

export interface SimulatorOptions {
  /** Interface to bind (default 127.0.0.1). */
  host?: string;
  /** Port (default 0: an ephemeral port). */
  port?: number;
  /** Seed of the PRNGs behind partial faults and latency jitter (default 1). */
  seed?: number;
  /** Latency added to every platform answer, uniformly in [min, max] ms (default [5, 30]; [0, 0] for tests). */
  latencyMs?: [number, number];
  /** Lifetime of a session or token (default 3600). */
  sessionTtlSeconds?: number;
  /** A feed gains an item this often (default 15). */
  itemEverySeconds?: number;
  /** Scenario to play from the start: a built-in name, a file path or a parsed scenario. */
  scenario?: string | Scenario;
  /** Scenario time compression (default 1). */
  speed?: number;
  /** Loop the scenario (default false). */
  loop?: boolean;
  onScenarioStep?: (step: ScenarioEvent) => void;
  /** Clock (ms since the epoch) for sessions, feeds and fault times (default Date.now). */
  now?: () => number;
}

export interface Simulator {
  /** e.g. http://127.0.0.1:9470 */
  url: string;
  port: number;
  /** e.g. http://127.0.0.1:9470/facebook */
  baseUrl(platform: Platform): string;
  /** Replaces a platform's faults (validated; throws on bad input). */
  setFaults(platform: Platform, faults: Fault[]): void;
  clearFaults(): void;
  /** The faults on, per platform, with their defaults filled in. */
  faults(): Record<Platform, Fault[]>;
  accounts: Record<Platform, Account[]>;
  /** Stops the scenario and the server; drops held (hanging) connections instead of waiting for them. */
  close(): Promise<void>;
}

function checkOptions(o: SimulatorOptions): void {
  const [lo, hi] = o.latencyMs ?? [0, 0];
  if (!(lo >= 0 && hi >= lo)) throw new Error(`latencyMs must be [min, max] with 0 <= min <= max, got [${lo}, ${hi}]`);
  if (o.sessionTtlSeconds !== undefined && !(o.sessionTtlSeconds > 0)) throw new Error('sessionTtlSeconds must be > 0');
  if (o.itemEverySeconds !== undefined && !(o.itemEverySeconds > 0)) throw new Error('itemEverySeconds must be > 0');
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  checkOptions(opts);
  const now = opts.now ?? Date.now;
  const seed = opts.seed ?? 1;
  const [latencyMin, latencyMax] = opts.latencyMs ?? [5, 30];
  const ttlMs = (opts.sessionTtlSeconds ?? 3600) * 1000;
  const itemEveryMs = (opts.itemEverySeconds ?? 15) * 1000;
  const scenario = typeof opts.scenario === 'string' ? await loadScenario(opts.scenario) : opts.scenario;

  const accounts = copyAccounts();
  const envs = Object.fromEntries(
    PLATFORMS.map((p) => [p, { platform: p, accounts: accounts[p], sessions: createSessionStore(now, ttlMs), itemEveryMs }]),
  ) as Record<Platform, PlatformEnv>;
  const faultRngs = Object.fromEntries(PLATFORMS.map((p) => [p, deriveRng(seed, `faults:${p}`)])) as Record<Platform, () => number>;
  const jitterRng = deriveRng(seed, 'latency');
  const table = emptyFaultTable();

  const control: FaultControl = {
    faults: () => snapshotFaults(table),
    setFaults(platform, faults) {
      if (!isPlatform(platform)) throw new Error(unknownPlatformMessage(platform));
      const result = validateFaults(faults);
      if (!result.ok) throw new Error(`invalid faults for ${platform}: ${result.errors.join('; ')}`);
      const { active, added } = replaceFaults(table[platform], result.faults, now());
      table[platform] = active;
      if (added.some((a) => a.fault.type === 'forced_logout')) envs[platform].sessions.revokeAll();
    },
    clearFaults() {
      for (const p of PLATFORMS) table[p] = [];
    },
  };

  // Pending delays, so close() can cut them short.
  const timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  let closing = false;
  const sleep = (ms: number): Promise<void> =>
    ms <= 0
      ? Promise.resolve()
      : new Promise((resolve) => {
          const entry = {
            resolve,
            timer: setTimeout(() => {
              timers.delete(entry);
              resolve();
            }, ms),
          };
          timers.add(entry);
        });

  const latency = (): number => (latencyMax <= 0 ? 0 : latencyMin + jitterRng() * (latencyMax - latencyMin));

  async function platformRequest(req: IncomingMessage, res: ServerResponse, platform: Platform, route: PlatformRoute, url: URL) {
    const body = await readBody(req);
    const hits: ActiveFault[] = route.route === null ? [] : selectHits(table[platform], route.route, faultRngs[platform]);
    const slowMs = hits.reduce((sum, h) => sum + (h.fault.type === 'slow' ? (h.fault.ms ?? 0) : 0), 0);
    await sleep(latency() + slowMs);
    if (closing || res.destroyed) return;
    const hit = (type: Fault['type']) => findHit(hits, type);

    if (hit('hang')) return; // held until the client gives up or the server closes
    const http5xx = hit('http_5xx');
    if (http5xx) return writeReply(res, serverErrorReply(http5xx.fault.status ?? 503));
    if (hit('rate_limited')) return writeReply(res, rateLimitedReply());
    if (hit('error_page')) return writeReply(res, errorPageReply(platform));
    const huge = hit('huge_body');
    if (huge) {
      await streamHugeBody(res, huge.fault.bytes ?? 20 * 1024 * 1024);
      return;
    }
    const ctx: RequestContext = {
      env: envs[platform],
      req,
      url,
      fields: parseFields(body, req.headers['content-type']),
      hits,
      now: now(),
    };
    const reply = route.handle(ctx);
    if (hit('reset')) return sendThenReset(res, reply);
    writeReply(res, hit('invalid_json') ? truncatedJsonReply(reply) : reply);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator.invalid');
    const path = url.pathname;
    if (path === '/_sim' || path.startsWith('/_sim/')) return writeReply(res, await handleControl(req, path, control));
    const match = /^\/([^/]+)(\/.*)?$/.exec(path);
    const platform = match?.[1];
    const sub = match?.[2] ?? '/';
    if (!isPlatform(platform)) return writeReply(res, notFound(path));
    const route = findRoute(platform, req.method ?? 'GET', sub);
    if (route === undefined) {
      return writeReply(res, pathExists(platform, sub) ? json(405, { error: 'method_not_allowed' }) : notFound(path));
    }
    await platformRequest(req, res, platform, route, url);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) res.destroy();
      else writeReply(res, json(500, { error: 'simulator_bug', message: String(err) }));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${hostForUrl}:${address.port}`;

  // The scenario starts on the next turn of the event loop, once the caller holds the Simulator
  // (so onScenarioStep may use it); HTTP requests cannot arrive before that.
  let run: ScenarioRun | undefined;
  let startTimer: NodeJS.Immediate | undefined;
  if (scenario !== undefined) {
    const runOptions = {
      speed: opts.speed ?? 1,
      loop: opts.loop ?? false,
      apply: control.setFaults,
      clear: control.clearFaults,
      ...(opts.onScenarioStep ? { onStep: opts.onScenarioStep } : {}),
    };
    checkRunOptions(scenario, runOptions);
    startTimer = setImmediate(() => {
      run = runScenario(scenario, runOptions);
    });
  }

  let closed: Promise<void> | undefined;
  return {
    url,
    port: address.port,
    baseUrl: (platform) => `${url}/${platform}`,
    setFaults: control.setFaults,
    clearFaults: control.clearFaults,
    faults: control.faults,
    accounts,
    close() {
      closed ??= new Promise<void>((resolve) => {
        closing = true;
        clearImmediate(startTimer);
        run?.stop();
        for (const entry of timers) {
          clearTimeout(entry.timer);
          entry.resolve();
        }
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

function notFound(path: string): Reply {
  return json(404, { error: 'not_found', message: `no such endpoint: ${path}` });
}
