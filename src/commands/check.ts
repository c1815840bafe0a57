/**
 * `outpost check`: every check once, endpoint by endpoint (login first, so the other checks reuse
 * its session), as a table or --json. Exit 0 all passed, 1 some failed, 2 bad config.
 */
import { configPath, formatIssues, loadConfigFile } from '../config/load.js';
import type { CompiledCheck, CompiledConfig } from '../config/types.js';
import { createMetrics } from '../metrics/registry.js';
import { createMonitor } from '../monitor.js';
import { createCheckRunner } from '../run-check.js';
import { createRedactor } from '../redact.js';
import { createLogger } from '../log.js';
import { VERSION } from '../daemon.js';
import { REASON_TEXT } from '../reasons.js';
import type { RunSummary } from '../check-state.js';
import type { CliValues } from '../cli.js';

export interface CheckLine {
  id: string;
  type: string;
  ok: boolean;
  reason: string | null;
  httpStatus: number;
  durationMs: number;
  attempts: number;
  error: string | null;
}

async function runAllOnce(config: CompiledConfig, opts: { concurrency?: number } = {}): Promise<CheckLine[]> {
  const redactor = createRedactor(config.secrets);
  const logger = createLogger({ level: 'silent', redactor });
  const metrics = createMetrics({ version: VERSION, location: config.location });
  const monitor = createMonitor({ metrics, redactor });
  monitor.setConfig(config);
  const runCheck = createCheckRunner({
    monitor,
    metrics,
    redactor,
    logger,
    env: { now: Date.now, userAgent: `outpost/${VERSION} (+synthetic monitoring)` },
    onStateChange: () => {},
    onSessionLost: () => {},
    save: () => {},
  });
  const byEndpoint = new Map<string, CompiledCheck[]>();
  for (const c of config.checks) byEndpoint.set(c.endpointRef.key, [...(byEndpoint.get(c.endpointRef.key) ?? []), c]);
  const results = new Map<string, RunSummary>();
  const queues = [...byEndpoint.values()].map((cs) => [...cs].sort((a, b) => Number(b.type === 'login') - Number(a.type === 'login')));
  const workers = Array.from({ length: Math.min(opts.concurrency ?? 8, queues.length) }, async () => {
    for (let q = queues.shift(); q; q = queues.shift()) {
      for (const c of q) {
        const last = (await runCheck(c)).status.lastResult;
        if (last) results.set(c.id, last);
      }
    }
  });
  await Promise.all(workers);
  return config.checks.map((c) => {
    const r = results.get(c.id) ?? { ok: false, reason: 'rate_limited' as const, httpStatus: 429, durationMs: 0, attempts: 0, error: 'not run: the platform asked for less traffic', at: 0 };
    return { id: c.id, type: c.type, ok: r.ok, reason: r.reason, httpStatus: r.httpStatus, durationMs: r.durationMs, attempts: r.attempts, error: r.error };
  });
}

export async function checkCommand(values: CliValues): Promise<number> {
  const path = configPath(values.config);
  const loaded = await loadConfigFile(path);
  if (!loaded.ok) {
    process.stderr.write(`${path}: invalid configuration\n${formatIssues(loaded.issues)}\n`);
    return 2;
  }
  const lines = await runAllOnce(loaded.config);
  const failed = lines.filter((l) => !l.ok).length;
  if (values.json) {
    process.stdout.write(JSON.stringify({ location: loaded.config.location, passed: lines.length - failed, failed, checks: lines }, null, 2) + '\n');
  } else {
    process.stdout.write(formatTable(lines) + `\n${lines.length - failed} passed, ${failed} failed\n`);
  }
  return failed ? 1 : 0;
}

function formatTable(lines: CheckLine[]): string {
  const rows = [
    ['CHECK', 'RESULT', 'REASON', 'HTTP', 'TIME', 'DETAIL'],
    ...lines.map((l) => [
      l.id,
      l.ok ? 'ok' : 'FAIL',
      l.reason ?? '-',
      String(l.httpStatus || '-'),
      `${l.durationMs}ms`,
      l.ok ? '' : `${l.reason ? REASON_TEXT[l.reason as keyof typeof REASON_TEXT] : ''}${l.error ? ` — ${l.error}` : ''}`,
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.slice(0, rows.length).map((r) => (i === 5 ? 0 : r[i]!.length))));
  return rows.map((r) => r.map((cell, i) => (i === 5 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}
