/**
 * `outpost report`: availability, incidents, time down by reason, the longest incident and the
 * estimated impact per group and check over a period (--since, --until; default the last 30
 * days), from the state directory's history (the day files of the period, history/YYYY-MM-DD.json)
 * or from Prometheus (--prometheus URL); a table, --json or --format html. Exit 0, or 2 on bad
 * arguments or an unreadable config; a history file that cannot be read is skipped with a warning.
 */
import { configPath, formatIssues, loadConfigFile } from '../config/load.js';
import { parseDuration } from '../config/units.js';
import type { CliValues } from '../cli.js';
import { buildReport } from '../report/build.js';
import { buildReportFromPrometheus } from '../report/prometheus.js';
import { renderHtml, renderJson, renderTable } from '../report/render.js';
import { readHistory } from '../report/read-history.js';

const DAY_MS = 86_400_000;

/** An ISO date or time ("2024-03-01", "2024-03-05T15:00Z"), or a duration ago ("30d", "12h"). */
export function parseWhen(s: string, now: number): number | undefined {
  const ago = parseDuration(s);
  if (ago !== undefined) return now - ago;
  if (!/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(s)) return undefined;
  const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00Z` : s);
  return Number.isFinite(t) ? t : undefined;
}

export async function reportCommand(values: CliValues, now = Date.now()): Promise<number> {
  const fail = (msg: string): number => {
    process.stderr.write(`outpost report: ${msg}\n`);
    return 2;
  };
  const until = values.until ? parseWhen(values.until, now) : now;
  if (until === undefined) return fail(`--until: expected a date (2024-03-31, 2024-03-05T15:00Z) or a duration ago (7d), got ${values.until}`);
  const since = values.since ? parseWhen(values.since, now) : until - 30 * DAY_MS;
  if (since === undefined) return fail(`--since: expected a date (2024-03-01, 2024-03-05T15:00Z) or a duration ago (30d), got ${values.since}`);
  if (!(since < until)) return fail('--since must be before --until');
  const format = values.json ? 'json' : (values.format ?? 'table');
  if (!['table', 'json', 'html'].includes(format)) return fail(`--format: expected table, json or html, got ${format}`);

  let report;
  if (values.prometheus) {
    try {
      report = await buildReportFromPrometheus(values.prometheus, since, until);
    } catch (err) {
      return fail(`cannot read from Prometheus: ${err instanceof Error ? err.message : String(err)}`);
    }
  } else {
    const path = configPath(values.config);
    const r = await loadConfigFile(path);
    if (!r.ok) return fail(`${path}: invalid configuration\n${formatIssues(r.issues)}`);
    // A day file that cannot be read is left out with a warning, never fatal.
    const warn = (msg: string): void => void process.stderr.write(`outpost report: warning: ${msg}\n`);
    const data = await readHistory(r.config.stateDir, since, until, warn);
    report = buildReport(data, since, until, `the state directory ${r.config.stateDir}`);
  }
  process.stdout.write(format === 'json' ? renderJson(report) : format === 'html' ? renderHtml(report) : renderTable(report));
  return 0;
}
