import { describe, expect, it } from 'vitest';
import { createMaintenance, windowStart } from '../../src/incidents/maintenance.js';
import { parseCron, type CronSpec } from '../../src/schedule/cron.js';

const at = (iso: string) => Date.parse(iso);
function spec(expr: string): CronSpec {
  const c = parseCron(expr);
  if ('errors' in c) throw new Error(c.errors.join('; '));
  return c;
}

describe('scheduled windows', () => {
  // Sundays 02:00 UTC for 2 hours; 2024-03-03 is a Sunday.
  const sunday = spec('0 2 * * 0');
  it('holds from the start for the duration, including a window that started before now', () => {
    expect(windowStart(sunday, 2 * 3600_000, at('2024-03-03T02:00:00Z'))).toBe(at('2024-03-03T02:00:00Z'));
    expect(windowStart(sunday, 2 * 3600_000, at('2024-03-03T03:59:59Z'))).toBe(at('2024-03-03T02:00:00Z'));
    expect(windowStart(sunday, 2 * 3600_000, at('2024-03-03T04:00:00Z'))).toBeNull();
    expect(windowStart(sunday, 2 * 3600_000, at('2024-03-03T01:59:59Z'))).toBeNull();
    expect(windowStart(sunday, 2 * 3600_000, at('2024-03-04T02:30:00Z'))).toBeNull(); // Monday
  });

  it('supports the seconds field', () => {
    const every30s = spec('*/30 * * * * *');
    expect(windowStart(every30s, 10_000, at('2024-03-05T15:20:37Z'))).toBe(at('2024-03-05T15:20:30Z'));
    expect(windowStart(every30s, 10_000, at('2024-03-05T15:20:41Z'))).toBeNull();
  });

  it('reports which groups are in maintenance now', () => {
    let now = at('2024-03-03T02:30:00Z');
    const m = createMaintenance({ schedules: [{ group: 'facebook', schedule: '0 2 * * 0', durationMs: 3600_000 }], now: () => now });
    expect([...m.activeGroups()]).toEqual(['facebook']);
    expect(m.list()).toEqual([{ group: 'facebook', kind: 'schedule', startsAt: at('2024-03-03T02:00:00Z'), endsAt: at('2024-03-03T03:00:00Z'), schedule: '0 2 * * 0' }]);
    now = at('2024-03-03T03:00:00Z');
    expect(m.activeGroups().size).toBe(0);
  });

  it('names schedules that are not valid cron expressions and ignores them', () => {
    const m = createMaintenance();
    expect(m.setSchedules([{ group: 'threads', schedule: 'every sunday', durationMs: 1000 }, { group: 'threads', schedule: '0 2 * * 0', durationMs: 1000 }])).toEqual(['every sunday']);
  });
});

describe('ad hoc windows', () => {
  it('opens, lists, ends and expires', () => {
    let now = at('2024-03-05T15:00:00Z');
    const m = createMaintenance({ now: () => now });
    const w = m.add('instagram', 30 * 60_000, ' deploy ');
    expect(w).toEqual({ group: 'instagram', kind: 'adhoc', startsAt: now, endsAt: now + 30 * 60_000, note: 'deploy' });
    expect([...m.activeGroups()]).toEqual(['instagram']);
    expect(m.remove('instagram')).toBe(true);
    expect(m.remove('instagram')).toBe(false);
    m.add('instagram', 60_000);
    now += 60_000;
    expect(m.list()).toEqual([]);
  });

  it('refuses a bad group or duration', () => {
    const m = createMaintenance();
    expect(() => m.add('Face Book', 1000)).toThrow(RangeError);
    expect(() => m.add('facebook', 0)).toThrow(/duration/);
    expect(() => m.add('facebook', Number.NaN)).toThrow(/duration/);
  });

  it('survives serialize → restore, and drops garbage', () => {
    let now = at('2024-03-05T15:00:00Z');
    const a = createMaintenance({ now: () => now });
    a.add('threads', 3600_000, 'migration');
    const b = createMaintenance({ now: () => now });
    b.restore(JSON.parse(JSON.stringify(a.serialize())));
    expect(b.list()).toEqual(a.list());
    for (const junk of [null, 'x', { adhoc: 3 }, { adhoc: [null, { group: 'BAD', startsAt: 1, endsAt: 2 }, { group: 'ok', startsAt: 5, endsAt: 1 }] }]) {
      b.restore(junk);
      expect(b.list()).toEqual([]);
    }
    now += 3600_000;
    b.restore(a.serialize());
    expect(b.list()).toEqual([]);
  });
});
