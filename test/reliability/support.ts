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


