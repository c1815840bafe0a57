import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPager } from '../../src/incidents/paging.js';
import { createIncidentManager } from '../../src/incidents/manager.js';
import type { IncidentEvent } from '../../src/incidents/types.js';
import { createMetrics } from '../../src/metrics/registry.js';
import { fakeClock, groupsOf, platforms, RULES } from './fixtures.js';

const GROUPS = groupsOf(platforms([]));
const NAMES = ['facebook', 'instagram', 'threads'];

describe('dispatch invariants', () => {
  it('for any sequence of outages: opened at most once, resolved only after opened, and every opened resolved in the end', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ down: fc.subarray(NAMES), waitMs: fc.integer({ min: 0, max: 30_000 }), maintenance: fc.option(fc.constantFrom(...NAMES), { nil: undefined }) }), { maxLength: 25 }),
        fc.boolean(),
        (steps, restartHalfway) => {
          const clock = fakeClock();
          const sent: IncidentEvent[] = [];
          const make = () =>
            createIncidentManager({ rules: { ...RULES, remindEveryMs: 20_000 }, location: 'x', metrics: createMetrics({ version: 'test' }), send: (e) => sent.push(e), maintenance: [], now: clock.now, setTimer: clock.setTimer, maintenanceTickMs: 0 });
          let mgr = make();
          steps.forEach((s, n) => {
            if (restartHalfway && n === Math.floor(steps.length / 2)) {
              const saved = JSON.parse(JSON.stringify(mgr.serialize()));
              mgr.close();
              mgr = make();
              mgr.restore(saved);
            }
            if (s.maintenance) mgr.maintenance.add(s.maintenance, 15_000);
            mgr.update(platforms(s.down, clock.now()), GROUPS);
            clock.advance(s.waitMs);
          });
          clock.advance(60_000); // let maintenance windows end
          mgr.update(platforms([], clock.now()), GROUPS);
          clock.advance(60_000);
          mgr.close();

          const byId = new Map<string, string[]>();
          for (const e of sent) byId.set(e.incident.id, [...(byId.get(e.incident.id) ?? []), e.event]);
          for (const seq of byId.values()) {
            expect(seq[0]).toBe('incident.opened');
            expect(seq.at(-1)).toBe('incident.resolved');
            expect(seq.filter((x) => x === 'incident.opened')).toHaveLength(1);
            expect(seq.filter((x) => x === 'incident.resolved')).toHaveLength(1);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('pager state', () => {
  it('restores from its own serialization and ignores garbage', () => {
    const clock = fakeClock();
    const sent: IncidentEvent[] = [];
    const d = createPager({ rules: RULES, send: (e) => sent.push(e), now: clock.now, setTimer: clock.setTimer });
    d.restore({ pending: 'x', notified: [{ id: 'a', lastSentAt: 'never' }], absorbed: [{}] });
    expect(d.serialize()).toEqual({ version: 1, pending: [], notified: [], absorbed: [] });
    d.close();
  });

  it('schedules its own wake-up instead of waiting for the next run', () => {
    const clock = fakeClock();
    const sent: IncidentEvent[] = [];
    const mgr = createIncidentManager({ rules: RULES, location: 'x', metrics: createMetrics({ version: 'test' }), send: (e) => sent.push(e), maintenance: [], now: clock.now, setTimer: clock.setTimer, maintenanceTickMs: 0 });
    mgr.update(platforms(['threads'], clock.now()), GROUPS);
    expect(clock.pendingTimers()).toBe(1);
    clock.advance(9_999);
    expect(sent).toEqual([]);
    clock.advance(1);
    expect(sent.map((e) => e.event)).toEqual(['incident.opened']);
    mgr.close();
  });
});
