/**
 * A real daemon for end-to-end journey tests (test/e2e/reasons, test/e2e/sessions): a temp YAML
 * config with one group `t` and the endpoints given, listening on 127.0.0.1:0, silent logs.
 * Checks are given a yearly cron schedule so that the scheduler leaves them alone and the test
 * runs them itself with `run(name)`. Read results through the public surfaces: `/metrics`
 * (`metric(...)`) and `/api/v1/status` (`checkStatus(...)`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Daemon } from '../../src/daemon.js';
import type { CheckRecord } from '../../src/monitor.js';
import type { StatusDoc } from '../../src/server/status.js';
import { startTestDaemon } from '../support/daemon.js';
import { parseMetrics } from '../support/metrics.js';

export const GROUP = 't';
/**
 * Not within a test run: daily, twelve hours from now. (Not a yearly cron: a due time more than
 * 24.8 days away overflows setTimeout in the scheduler and fires at once; see the report.)
 */
const NEVER = `0 ${(new Date().getUTCHours() + 12) % 24} * * *`;

export interface Outpost {
  daemon: Daemon;
  /** Run `endpoint/check` once now (endpoint defaults to the only/first one). */
  run(check: string, endpoint?: string): Promise<CheckRecord>;
  metricsText(): Promise<string>;
  /** Value of the one series of `name` whose labels include `labels` (undefined when none). */
  metric(name: string, labels: Record<string, string>): Promise<number | undefined>;
  /** The check's entry in GET /api/v1/status. */
  checkStatus(check: string, endpoint?: string): Promise<StatusDoc['groups'][number]['endpoints'][number]['checks'][number]>;
  stop(): Promise<void>;
}

export interface OutpostOptions {
  /** Endpoints of group `t`, as in the YAML (checks without interval/schedule get a yearly schedule). */
  endpoints: Record<string, Record<string, unknown>>;
  defaults?: Record<string, unknown>;
  markers?: Record<string, unknown>;
  /** Top-level config fields (webhooks, incidents…). */
  top?: Record<string, unknown>;
  /** The state directory (default: a new temporary one): give the same one to see what a restart keeps. */
  stateDir?: string;
}

const running = new Set<Outpost>();

export async function startOutpost(opts: OutpostOptions): Promise<Outpost> {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-e2e-'));
  const endpoints: Record<string, Record<string, unknown>> = {};
  for (const [name, ep] of Object.entries(opts.endpoints)) {
    const checks: Record<string, Record<string, unknown>> = {};
    for (const [c, spec] of Object.entries(ep.checks as Record<string, Record<string, unknown>>)) {
      checks[c] = spec.interval || spec.schedule ? spec : { ...spec, schedule: NEVER };
    }
    endpoints[name] = { ...ep, checks };
  }
  const config = {
    location: 'test',
    listen: '127.0.0.1:0',
    stateDir: opts.stateDir ?? join(dir, 'state'),
    logLevel: 'error',
    server: { reload: false, api: true },
    defaults: { timeout: '2s', retries: 0, failureThreshold: 1, successThreshold: 1, ...opts.defaults },
    groups: { [GROUP]: { ...(opts.markers ? { markers: opts.markers } : {}), endpoints } },
    ...opts.top,
  };
  const started = await startTestDaemon(config, { dir, env: { PATH: process.env.PATH } });
  const daemon = started.daemon;
  const firstEndpoint = Object.keys(opts.endpoints)[0]!;
  const metricsText = async () => (await fetch(`${daemon.server.url}/metrics`)).text();
  const o: Outpost = {
    daemon,
    async run(check, endpoint = firstEndpoint) {
      const c = daemon.config().checks.find((k) => k.id === `${GROUP}/${endpoint}/${check}`);
      if (!c) throw new Error(`no check ${GROUP}/${endpoint}/${check}`);
      return daemon.runCheck(c);
    },
    metricsText,
    async metric(name, labels) {
      const found = parseMetrics(await metricsText()).filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
      if (found.length > 1) throw new Error(`${found.length} series of ${name} match ${JSON.stringify(labels)}`);
      return found[0]?.value;
    },
    async checkStatus(check, endpoint = firstEndpoint) {
      const doc = (await (await fetch(`${daemon.server.url}/api/v1/status`)).json()) as StatusDoc;
      const c = doc.groups.find((g) => g.name === GROUP)?.endpoints.find((e) => e.name === endpoint)?.checks.find((k) => k.name === check);
      if (!c) throw new Error(`no status for ${endpoint}/${check}`);
      return c;
    },
    async stop() {
      running.delete(o);
      await daemon.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  running.add(o);
  return o;
}

/** Stop every daemon started (afterEach). */
export async function stopOutposts(): Promise<void> {
  await Promise.all([...running].map((o) => o.stop()));
}

/** Labels of one check's series. */
export function checkLabels(check: string, endpoint = 'ep'): Record<string, string> {
  return { group: GROUP, endpoint, check, location: 'test' };
}

