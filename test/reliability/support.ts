/**
 * Shared helpers of the reliability and security suites: configs built from plain objects,
 * a check run with its elapsed time, an unhandled-rejection trap, an RSS sampler, and a daemon
 * started on a temporary config.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { parseConfigText } from '../../src/config/load.js';
import type { CompiledCheck, CompiledConfig } from '../../src/config/types.js';
import type { RunOutcome } from '../../src/journey/run.js';
import { runCheckType as runCheck } from '../../src/checks/index.js';
import { startDaemon, type Daemon, type DaemonOptions } from '../../src/daemon.js';
import { createLogger } from '../../src/log.js';
import { createRedactor } from '../../src/redact.js';

/** Compile a config object (as it would be written in YAML); throws with every issue when invalid. */
export function compile(raw: object, env: NodeJS.ProcessEnv = {}): CompiledConfig {
  const r = parseConfigText(stringify(raw), env);
  if (!r.ok) throw new Error(r.issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
  return r.config;
}

/** One `http` check `t/e/c` against `baseUrl + path` with the given options. */
export function httpCheck(baseUrl: string, path: string, opts: Record<string, unknown> = {}, endpoint: Record<string, unknown> = {}): CompiledCheck {
  const c = compile({
    groups: { t: { endpoints: { e: { baseUrl, ...endpoint, checks: { c: { type: 'http', path, interval: '30s', expect: { json: [{ path: 'ok', exists: true }] }, ...opts } } } } } },
  });
  return c.checks[0]!;
}

export interface TimedOutcome extends RunOutcome {
  elapsedMs: number;
}

export async function timedRun(check: CompiledCheck): Promise<TimedOutcome> {
  const t0 = performance.now();
  const out = await runCheck(check, undefined, { now: Date.now, userAgent: 'outpost-test', retryMinMs: 20 });
  return { ...out, elapsedMs: performance.now() - t0 };
}

/** Collects every unhandled rejection while installed. */
export function trapUnhandled(): { reasons: unknown[]; dispose(): void } {
  const reasons: unknown[] = [];
  const on = (r: unknown) => reasons.push(r);
  process.on('unhandledRejection', on);
  return { reasons, dispose: () => process.off('unhandledRejection', on) };
}

/** Samples RSS every `everyMs` until stopped; returns the peak seen. */
export function sampleRss(everyMs = 10): { stop(): number } {
  let peak = process.memoryUsage.rss();
  const t = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, everyMs);
  return {
    stop() {
      clearInterval(t);
      return Math.max(peak, process.memoryUsage.rss());
    },
  };
}

export interface TempDir {
  dir: string;
  file(name: string, text: string): string;
  cleanup(): void;
}

export function tempDir(prefix = 'outpost-rel-'): TempDir {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    file(name, text) {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Lines written by a daemon's logger, kept in memory (JSON parsed). */
export interface CapturedLog {
  lines: string[];
  parsed(): Record<string, unknown>[];
}

export function captureLogger(level: string, secrets: string[] = []) {
  const lines: string[] = [];
  const destination = { write: (s: string) => void lines.push(...s.split('\n').filter(Boolean)) };
  const logger = createLogger({ level, redactor: createRedactor(secrets), destination });
  const log: CapturedLog = { lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
  return { logger, log };
}

/** Start a daemon on `config` (an object written as YAML to a temp dir); silent logs unless given. */
export async function daemonOn(tmp: TempDir, config: object, opts: Partial<DaemonOptions> = {}): Promise<Daemon> {
  const configPath = tmp.file('outpost.yaml', stringify(config));
  return startDaemon({
    configPath,
    env: {},
    defaultMetrics: false,
    retryMinMs: 10,
    graceMs: 3000,
    logger: createLogger({ level: 'silent', redactor: createRedactor() }),
    ...opts,
  });
}

/** A metric sample's value from a Prometheus text exposition (sum over matching series). */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  let found = false;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const l = m[2] ?? '';
    if (!Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`))) continue;
    sum += Number(m[3]);
    found = true;
  }
  return found ? sum : NaN;
}

/** The three simulator platforms as config groups (like config/demo.yaml), with `checks` per endpoint. */
export function simulatorGroups(simUrl: string, checks: Partial<Record<'login' | 'session' | 'feed', object>> = { login: {}, session: {}, feed: {} }, only?: string[]) {
  const all = {
    facebook: {
      endpoints: {
        web: {
          baseUrl: `${simUrl}/facebook`,
          account: { username: 'seller1@example.test', password: 'fb-pass-1' },
          auth: { path: '/login', format: 'form', body: { email: '{{username}}', pass: '{{password}}' }, cookie: 'fb_session' },
          checks: pick(checks, { login: { type: 'login' }, session: { type: 'session', path: '/me' }, feed: { type: 'feed', path: '/feed', items: 'data', timestamp: 'created_time', maxAge: '2m' } }),
        },
      },
    },
    instagram: {
      endpoints: {
        'mobile-api': {
          baseUrl: `${simUrl}/instagram`,
          account: { username: 'seller_one', password: 'ig-pass-1' },
          auth: { path: '/api/v1/accounts/login', token: 'token' },
          checks: pick(checks, {
            login: { type: 'login' },
            session: { type: 'session', path: '/api/v1/accounts/current_user' },
            feed: { type: 'feed', path: '/api/v1/feed/timeline', items: 'items', timestamp: 'taken_at', maxAge: '2m' },
          }),
        },
      },
    },
    threads: {
      endpoints: {
        web: {
          baseUrl: `${simUrl}/threads`,
          account: { username: 'seller.one', password: 'th-pass-1' },
          auth: { path: '/api/login', token: 'access_token' },
          checks: pick(checks, { login: { type: 'login' }, session: { type: 'session', path: '/api/me' }, feed: { type: 'feed', path: '/api/feed', items: 'threads', timestamp: 'published_at', maxAge: '2m' } }),
        },
      },
    },
  };
  return only ? Object.fromEntries(Object.entries(all).filter(([k]) => only.includes(k))) : all;
}

function pick(wanted: Partial<Record<string, object>>, base: Record<string, object>): Record<string, object> {
  const out: Record<string, object> = {};
  for (const [k, extra] of Object.entries(wanted)) if (extra && base[k]) out[k] = { ...base[k], ...extra };
  return out;
}

/** Poll until `pred` holds (a bounded loop, not a timing assertion). */
export async function waitUntil(pred: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000, everyMs = 25): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > until) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function scrape(url: string, init: RequestInit = {}): Promise<string> {
  const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000), ...init });
  return res.text();
}
