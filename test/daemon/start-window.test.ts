/**
 * Soon after a start: a 300-check daemon against a loopback target schedules every check's first
 * run within 15 s of its start (the start window, src/schedule/start-window.ts), whatever the
 * interval (30 s, 1 min, 5 min), and then every check does run. The assertion is on the schedule
 * the daemon computed, not on how fast the machine is; the wait for the runs is only bounded.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { closeTargets, reply, startTarget } from '../support/targets.js';
import { waitFor } from '../support/wait.js';

const INTERVALS = ['30s', '1m', '5m'];

describe('start window', () => {
  let t: TestDaemon | undefined;
  afterAll(async () => {
    await t?.stop();
    await closeTargets();
  });

  it('every check of a 300-check config is due within 15 s of the start, and runs', async () => {
    const target = await startTarget({ routes: { '/ok': reply.json(200, { ok: true }) } });
    const groups: Record<string, unknown> = {};
    for (let g = 0; g < 3; g++) {
      const endpoints: Record<string, unknown> = {};
      for (let e = 0; e < 10; e++) {
        const checks: Record<string, unknown> = {};
        for (let c = 0; c < 10; c++) checks[`c${c}`] = { type: 'http', path: '/ok', interval: INTERVALS[(e + c) % 3] };
        endpoints[`e${e}`] = { baseUrl: target.url, checks };
      }
      groups[`g${g}`] = { endpoints };
    }
    const before = Date.now();
    t = await startTestDaemon({ location: 'test', listen: '127.0.0.1:0', logLevel: 'error', groups });
    const d = t.daemon;
    const checks = d.config().checks;
    expect(checks).toHaveLength(300);
    // The schedule computed at start: a check that has not run yet is due within the window; one
    // that has run started within it. Either way its first run is ≤ 15 s after the start.
    const late: string[] = [];
    for (const c of checks) {
      const first = d.monitor.record(c.id)?.history[0]?.at;
      const due = first ?? d.scheduler.dueOf(c.id)!;
      if (first === undefined && due - before > 15_000) late.push(`${c.id} due ${due - before} ms after the start`);
    }
    expect(late).toEqual([]);
    // Every 5-minute check among them: without the window they would wait up to 5 minutes.
    expect(checks.filter((c) => c.intervalMs === 300_000).length).toBe(99);
    // And they do run (bounded wait; on a loaded machine runs may start late, which lag reports).
    await waitFor(() => checks.every((c) => (d.monitor.record(c.id)?.history.length ?? 0) > 0), 'every check has run once', 60_000, 200);
  });
});
