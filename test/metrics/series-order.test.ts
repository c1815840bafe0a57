/**
 * The per-check series are listed in the order of the start window's first runs, so that in a
 * start window the checks that ran since a scrape are neighbours and a gzipped scrape compresses
 * again only their blocks (check-series.ts); the status API keeps the config's order.
 */
import { describe, expect, it } from 'vitest';
import { createMonitor } from '../../src/monitor.js';
import { createMetrics } from '../../src/metrics/registry.js';
import { createRedactor } from '../../src/redact.js';
import { startOffsets, startOrder } from '../../src/schedule/start-window.js';
import { compiled, withChecks } from '../config/helpers.js';

const checkOrder = (text: string, family: string): string[] =>
  text
    .split('\n')
    .filter((l) => l.startsWith(`${family}{`))
    .map((l) => /check="([^"]+)"/.exec(l)![1]!);

describe('series order', () => {
  it('is the order of the first runs, not of the config; a reload adds new checks after the others', () => {
    const names = Array.from({ length: 40 }, (_, i) => `c${i}`);
    const config = compiled(withChecks(Object.fromEntries(names.map((n) => [n, `{ type: http, path: /${n} }`])), { auth: false }));
    const metrics = createMetrics({ version: 't', location: 'default' });
    const monitor = createMonitor({ metrics, redactor: createRedactor([]) });
    monitor.setConfig(config);

    const firstRuns = [...startOffsets(config.checks, 64)].sort((a, b) => a[1] - b[1]).map(([id]) => config.checks.find((c) => c.id === id)!.labels.check);
    expect(firstRuns).not.toEqual(names); // the hash does reorder them
    expect(startOrder(config.checks).map((c) => c.labels.check)).toEqual(firstRuns);
    expect(checkOrder(metrics.checks.renderSync(), 'outpost_check_info')).toEqual(firstRuns);
    expect(checkOrder(metrics.checks.renderSync(), 'outpost_check_state')).toEqual(firstRuns.flatMap((n) => [n, n, n, n]));

    const more = [...names, 'd0', 'd1', 'd2'];
    const next = compiled(withChecks(Object.fromEntries(more.map((n) => [n, `{ type: http, path: /${n} }`])), { auth: false }));
    monitor.setConfig(next);
    const added = startOrder(next.checks.filter((c) => c.labels.check.startsWith('d'))).map((c) => c.labels.check);
    expect(checkOrder(metrics.checks.renderSync(), 'outpost_check_info')).toEqual([...firstRuns, ...added]);
  });
});
