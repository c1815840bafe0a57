/** A check's last runs, kept compact: every field of every run comes back as it went in, oldest first, the oldest forgotten. */
import { describe, expect, it } from 'vitest';
import { RunHistory } from '../src/run-history.js';
import type { RunSummary } from '../src/check-state.js';
import { REASONS, type Reason } from '../src/reasons.js';
import { createMonitor, HISTORY_LENGTH } from '../src/monitor.js';
import { createMetrics } from '../src/metrics/registry.js';
import { createRedactor } from '../src/redact.js';
import { compiled, withChecks } from './config/helpers.js';

/** Runs of every shape: ok and failed, each reason, errors now and then, odd numbers. */
function run(i: number): RunSummary {
  const ok = i % 3 !== 0;
  return {
    ok,
    reason: ok ? (i % 7 === 0 ? 'http_5xx' : null) : REASONS[i % REASONS.length]!,
    httpStatus: [200, 0, 503, 404, 999, 1234][i % 6]!,
    durationMs: i * 37 + (i % 2 ? 0.5 : 0),
    error: ok ? null : `failed run ${i}: ${'x'.repeat(i)}`,
    at: 1_764_000_000_000 + i * 30_000,
    attempts: (i % 4) + (i > 40 ? 50 : 1),
  };
}

describe('RunHistory', () => {
  it('gives back each run as it was, oldest first, up to its limit', () => {
    const h = new RunHistory(30);
    const all: RunSummary[] = [];
    expect(h.toArray()).toEqual([]);
    for (let i = 0; i < 75; i++) {
      all.push(run(i));
      h.push(all[i]!);
      expect(h.length).toBe(Math.min(30, i + 1));
      expect(h.toArray()).toEqual(all.slice(-30));
    }
  });

  it('a run without error after one with an error in the same slot has none', () => {
    const h = new RunHistory(2);
    h.push({ ...run(0), error: 'boom' });
    h.push({ ...run(1), error: null });
    h.push({ ...run(2), error: null });
    expect(h.toArray().map((r) => r.error)).toEqual([null, null]);
  });

  it('keeps large and edge numbers exactly: attempts, statuses, durations, times', () => {
    const h = new RunHistory(4);
    const runs: RunSummary[] = [
      { ...run(1), ok: true, reason: null, httpStatus: 65535, attempts: 2 ** 30 - 1, durationMs: 0.000123456789, at: 8.64e15 },
      { ...run(2), ok: false, reason: 'timeout', httpStatus: 0, attempts: 0, durationMs: 1e9 + 0.25, at: 0 },
      { ...run(3), ok: false, reason: REASONS.at(-1)!, httpStatus: 599, attempts: 123_456, durationMs: 30_000, at: 1_764_000_000_123.5 },
    ];
    for (const r of runs) h.push(r);
    expect(h.toArray()).toEqual(runs);
  });

  it('keeps a reason it does not know by its text', () => {
    const h = new RunHistory(3);
    h.push({ ...run(0), reason: 'made_up' as Reason });
    h.push({ ...run(1), reason: 'timeout' });
    expect(h.toArray().map((r) => r.reason)).toEqual(['made_up', 'timeout']);
  });
});

describe("the monitor's records", () => {
  it('keep HISTORY_LENGTH runs and show them as the history', () => {
    const config = compiled(withChecks({ a: '{ type: http, path: /a }' }, { auth: false }));
    const monitor = createMonitor({ metrics: createMetrics({ version: 't', location: 'default' }), redactor: createRedactor([]) });
    monitor.setConfig(config);
    const rec = monitor.record(config.checks[0]!.id)!;
    expect(rec.history).toEqual([]);
    const runs = Array.from({ length: HISTORY_LENGTH + 5 }, (_, i) => run(i));
    for (const r of runs) rec.runs.push(r);
    expect(rec.history).toEqual(runs.slice(-HISTORY_LENGTH));
    // The record survives a reload of the same check with its history.
    monitor.setConfig(compiled(withChecks({ a: '{ type: http, path: /a }' }, { auth: false })));
    expect(monitor.record(config.checks[0]!.id)!.history).toHaveLength(HISTORY_LENGTH);
  });

  it("give the incidents' views from the current status: the same view until the status is replaced", () => {
    const config = compiled(withChecks({ a: '{ type: http, path: /a }', b: '{ type: http, path: /b }' }, { auth: false }));
    const monitor = createMonitor({ metrics: createMetrics({ version: 't', location: 'default' }), redactor: createRedactor([]) });
    monitor.setConfig(config);
    const [va, vb] = monitor.checkViews();
    expect(va).toMatchObject({ id: config.checks[0]!.id, state: 'unknown', reason: null, reasons: [] });
    expect(monitor.checkViews()[0]).toBe(va);
    const rec = monitor.record(config.checks[0]!.id)!;
    rec.status = { ...rec.status, state: 'down', reason: 'timeout', reasons: ['timeout'] };
    const [va2, vb2] = monitor.checkViews();
    expect(va2).not.toBe(va);
    expect(va2).toMatchObject({ state: 'down', reason: 'timeout', reasons: ['timeout'] });
    expect(vb2).toBe(vb);
    monitor.restore({ [config.checks[1]!.id]: { ...rec.status, state: 'up', reason: null, reasons: [] } });
    expect(monitor.checkViews()[1]).toMatchObject({ id: config.checks[1]!.id, state: 'up' });
  });
});
