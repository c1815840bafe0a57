import { describe, expect, it } from 'vitest';
import { createHistory, HISTORY_DAYS, MAX_INCIDENTS, parseHistory } from '../../src/persist/history.js';
import { view } from '../incidents/fixtures.js';
import type { Incident } from '../../src/incidents/types.js';

const T = (iso: string) => Date.parse(iso);
const DAY = 86_400_000;

function resolved(id: string, at: number): Incident {
  return { id, scope: 'group', status: 'resolved', group: 'g', endpoint: null, check: null, groups: ['g'], reason: 'http_5xx', reasons: ['http_5xx'], summary: 's', location: 'l', startedAt: at - 60_000, resolvedAt: at, lastResult: null, timeline: [{ at, event: 'resolved' }] };
}

describe('history for outpost report', () => {
  it('splits time at UTC midnight, by state and reason, maintenance apart', () => {
    const h = createHistory();
    h.advance(T('2024-03-04T23:00:00Z'));
    h.observe([view('g/e/a', 'down', 'http_5xx'), view('g/e/b', 'up'), view('m/e/c', 'down', 'timeout')], new Set(['m']), []);
    h.advance(T('2024-03-05T01:00:00Z'));
    const days = h.data().days;
    expect(days['2024-03-04']!.checks['g/e/a']).toEqual({ up: 0, degraded: 0, down: 3600, maintenance: 0, reasons: { http_5xx: 3600 } });
    expect(days['2024-03-05']!.checks['g/e/b']!.up).toBe(3600);
    expect(days['2024-03-05']!.checks['m/e/c']).toEqual({ up: 0, degraded: 0, down: 0, maintenance: 3600, reasons: {} });
  });

  it('keeps resolved incidents without their timeline, and forgets what is older than 400 days', () => {
    const h = createHistory();
    const start = T('2023-01-01T00:00:00Z');
    h.advance(start);
    h.observe([view('g/e/a', 'up')], new Set(), [{ event: 'incident.resolved', at: start, incident: resolved('a1', start) }]);
    expect(h.data().incidents[0]!.timeline).toEqual([]);
    h.advance(start + DAY);
    const later = start + (HISTORY_DAYS + 5) * DAY;
    h.observe([view('g/e/a', 'up')], new Set(), []);
    h.addImpact('g', 'USD', 10, later);
    expect(Object.keys(h.data().days)).not.toContain('2023-01-01');
    expect(h.data().incidents).toEqual([]);
  });

  it('bounds the incidents it keeps', () => {
    const h = createHistory();
    const at = T('2024-03-05T00:00:00Z');
    for (let n = 0; n < MAX_INCIDENTS + 10; n++) h.resolved(resolved(n.toString(16), at));
    expect(h.data().incidents).toHaveLength(MAX_INCIDENTS);
    expect(h.data().incidents[0]!.id).toBe((10).toString(16));
  });

  it('restores what it wrote and drops garbage', () => {
    const h = createHistory();
    h.advance(T('2024-03-05T00:00:00Z'));
    h.observe([view('g/e/a', 'down', 'feed_empty')], new Set(), [{ event: 'incident.resolved', at: 0, incident: resolved('b2', T('2024-03-05T00:00:00Z')) }]);
    h.advance(T('2024-03-05T00:10:00Z'));
    h.addImpact('g', 'USD', 12.5, T('2024-03-05T00:10:00Z'));
    const copy = parseHistory(JSON.parse(JSON.stringify(h.data())));
    expect(copy).toEqual(h.data());
    const bad = parseHistory({ days: { 'not-a-day': {}, '2024-03-05': { checks: { x: { up: -1, reasons: { nope: 5 } } }, impact: { 'g|USD': 'x' } } }, incidents: [{ id: 'zz' }] });
    expect(bad.days).toEqual({ '2024-03-05': { checks: { x: { up: 0, degraded: 0, down: 0, maintenance: 0, reasons: {} } }, impact: {} } });
    expect(bad.incidents).toEqual([]);
  });
});
