/**
 * Cron next runs come from node-cron's own matcher: a table of expressions (L, W, #, seconds,
 * time zones, daylight-saving changes) with their next runs, each confirmed by node-cron's
 * `match`; what validates is exactly what can be scheduled; and a check scheduled with each
 * expression really runs at those times (the scheduler under an injected clock).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import cron from 'node-cron';
import { nextCronTime, parseCron, type CronSpec } from '../../src/schedule/cron.js';
import { createScheduler } from '../../src/schedule/scheduler.js';
import type { CompiledCheck } from '../../src/config/types.js';
import { createMaintenance } from '../../src/incidents/maintenance.js';
import { compiled, issuesOf, withChecks } from '../config/helpers.js';

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const spec = (expr: string, tz?: string): CronSpec => {
  const c = parseCron(expr, tz);
  if ('errors' in c) throw new Error(c.errors.join('; '));
  return c;
};
function nextRuns(c: CronSpec, from: string, n: number): string[] {
  const out: string[] = [];
  let t = Date.parse(from);
  for (let i = 0; i < n; i++) {
    t = nextCronTime(c, t)!;
    out.push(iso(t));
  }
  return out;
}

const TABLE: { expr: string; tz?: string; from: string; runs: string[]; what: string }[] = [
  { what: 'L: last day of each month', expr: '0 0 L * *', from: '2026-01-15T12:00:00Z', runs: ['2026-01-31T00:00:00Z', '2026-02-28T00:00:00Z', '2026-03-31T00:00:00Z'] },
  { what: 'L in February of a leap year', expr: '0 0 L 2 *', from: '2027-03-01T00:00:00Z', runs: ['2028-02-29T00:00:00Z', '2029-02-28T00:00:00Z'] },
  { what: 'W: weekday nearest the 15th', expr: '0 0 15W * *', from: '2026-07-20T00:00:00Z', runs: ['2026-08-14T00:00:00Z', '2026-09-15T00:00:00Z', '2026-10-15T00:00:00Z'] },
  { what: '#: second Monday, 09:00 Berlin', expr: '0 9 * * 1#2', tz: 'Europe/Berlin', from: '2026-03-28T00:00:00Z', runs: ['2026-04-13T07:00:00Z', '2026-05-11T07:00:00Z'] },
  { what: '5L: last Friday', expr: '0 0 * * 5L', from: '2026-03-27T12:00:00Z', runs: ['2026-04-24T00:00:00Z', '2026-05-29T00:00:00Z'] },
  { what: 'seconds field', expr: '*/15 * * * * *', from: '2026-03-27T12:00:00Z', runs: ['2026-03-27T12:00:15Z', '2026-03-27T12:00:30Z', '2026-03-27T12:00:45Z'] },
  { what: '29 February', expr: '0 0 29 2 *', from: '2026-03-01T00:00:00Z', runs: ['2028-02-29T00:00:00Z'] },
  { what: 'UTC by default', expr: '0 9 * * *', from: '2026-03-07T12:00:00Z', runs: ['2026-03-08T09:00:00Z'] },
  { what: 'New York across the March DST change (EST → EDT)', expr: '0 9 * * *', tz: 'America/New_York', from: '2026-03-07T12:00:00Z', runs: ['2026-03-07T14:00:00Z', '2026-03-08T13:00:00Z', '2026-03-09T13:00:00Z'] },
  { what: 'Berlin spring forward: 02:30 does not exist on 29 March', expr: '30 2 * * *', tz: 'Europe/Berlin', from: '2026-03-28T12:00:00Z', runs: ['2026-03-30T00:30:00Z', '2026-03-31T00:30:00Z'] },
];

describe('cron next runs (node-cron)', () => {
  it.each(TABLE)('$what: $expr', ({ expr, tz, from, runs }) => {
    const c = spec(expr, tz);
    expect(nextRuns(c, from, runs.length)).toEqual(runs);
    // node-cron's own matcher agrees on every one.
    const task = cron.createTask(expr, () => undefined, { timezone: tz ?? 'UTC' });
    for (const r of runs) expect(task.match(new Date(r)), r).toBe(true);
    void task.destroy();
  });

  it('Berlin fall back: 02:30 happens twice on 25 October and runs once', () => {
    const runs = nextRuns(spec('30 2 * * *', 'Europe/Berlin'), '2026-10-24T12:00:00Z', 3);
    expect(runs.filter((r) => r.startsWith('2026-10-25'))).toHaveLength(1);
    expect(runs.at(-1)).toBe('2026-10-27T01:30:00Z');
  });

  it.each([
    ['0 0 30 2 *', /impossible/],
    ['0 0 31 4,6 *', /impossible/],
    ['61 * * * *', /./],
    ['* * *', /./],
  ])('refuses %s, which can never be scheduled', (expr, why) => {
    const c = parseCron(expr);
    expect('errors' in c && c.errors.join('; ')).toMatch(why);
  });

  it('refuses an unknown time zone', () => {
    const c = parseCron('0 9 * * *', 'Mars/Olympus_Mons');
    expect('errors' in c && c.errors[0]).toMatch(/unknown time zone/);
  });

  it('leaves no node-cron task registered', () => {
    const before = cron.getTasks().size;
    for (let i = 0; i < 20; i++) parseCron('0 0 L * *');
    expect(cron.getTasks().size).toBe(before);
  });
});

describe('a check scheduled with each expression really runs', () => {
  afterEach(() => vi.useRealTimers());

  it.each(TABLE.filter((t) => t.runs.length >= 2))('$what', async ({ expr, tz, from, runs }) => {
    vi.useFakeTimers();
    vi.setSystemTime(Date.parse(from));
    const starts: string[] = [];
    const s = createScheduler({ concurrency: 4, run: async () => void starts.push(iso(Date.now())) });
    s.setChecks([{ id: 'g/e/c', schedule: expr, ...(tz ? { timezone: tz } : {}) } as CompiledCheck]);
    s.start();
    for (const r of runs) {
      await vi.advanceTimersByTimeAsync(Date.parse(r) - Date.now());
      await vi.advanceTimersByTimeAsync(1);
    }
    await s.stop();
    expect(starts).toEqual(runs);
  });

  it('a schedule that cannot run is reported and counted, never armed silently', () => {
    const reported: string[] = [];
    const counts: number[] = [];
    const s = createScheduler({ concurrency: 1, run: async () => undefined, onUnschedulable: (c, why) => reported.push(`${c.id}: ${why}`), onUnschedulableCount: (n) => counts.push(n) });
    s.setChecks([{ id: 'g/e/bad', schedule: '0 0 30 2 *' } as CompiledCheck, { id: 'g/e/ok', intervalMs: 60_000 } as CompiledCheck]);
    expect(reported).toEqual(['g/e/bad: schedule "0 0 30 2 *" is not valid']);
    expect(counts.at(-1)).toBe(1);
    expect(s.dueOf('g/e/bad')).toBe(Infinity);
    s.setChecks([{ id: 'g/e/ok', intervalMs: 60_000 } as CompiledCheck]);
    expect(counts.at(-1)).toBe(0);
  });
});

describe('schedules in the config', () => {
  it('a check with L and a time zone validates and carries its zone; defaults can set the zone', () => {
    const c = compiled(withChecks({ monthly: '{ type: login, schedule: "0 0 L * *", timezone: Europe/Berlin }', daily: '{ type: login, schedule: "0 9 * * *" }' }, { top: 'defaults: { timezone: America/New_York }' }));
    const byName = new Map(c.checks.map((k) => [k.name, k]));
    expect(byName.get('monthly')).toMatchObject({ schedule: '0 0 L * *', timezone: 'Europe/Berlin' });
    expect(byName.get('daily')).toMatchObject({ schedule: '0 9 * * *', timezone: 'America/New_York' });
  });

  it('refuses what cannot be scheduled, at the field that says it', () => {
    expect(issuesOf(withChecks({ login: '{ type: login, schedule: "0 0 30 2 *" }' }))[0]).toMatch(/^groups\.facebook\.endpoints\.web\.checks\.login\.schedule: .*impossible/);
    expect(issuesOf(withChecks({ login: '{ type: login, schedule: "0 9 * * *", timezone: Mars/Olympus_Mons }' }))[0]).toMatch(/checks\.login\.timezone: unknown time zone/);
  });

  it('a maintenance window in a time zone holds its group at the local hour', () => {
    // 02:00 Berlin on a winter Sunday is 01:00 UTC.
    const now = Date.parse('2026-01-04T01:30:00Z');
    const m = createMaintenance({ schedules: [{ group: 'facebook', schedule: '0 2 * * 0', timezone: 'Europe/Berlin', durationMs: 3600_000 }], now: () => now });
    expect([...m.activeGroups(now)]).toEqual(['facebook']);
    const utc = createMaintenance({ schedules: [{ group: 'facebook', schedule: '0 2 * * 0', durationMs: 3600_000 }], now: () => now });
    expect([...utc.activeGroups(now)]).toEqual([]);
  });
});
