import { describe, expect, it } from 'vitest';
import { createHistory, HISTORY_DAYS, parseHistory, type HistoryDay } from '../../src/persist/history.js';
import { view } from '../incidents/fixtures.js';
import type { Incident } from '../../src/incidents/types.js';

const T = (iso: string) => Date.parse(iso);
const DAY = 86_400_000;

function resolved(id: string, at: number): Incident {
  return { id, scope: 'group', status: 'resolved', group: 'g', endpoint: null, check: null, groups: ['g'], reason: 'http_5xx', reasons: ['http_5xx'], summary: 's', location: 'l', startedAt: at - 60_000, resolvedAt: at, lastResult: null, timeline: [{ at, event: 'resolved' }] };
}

/** A recorder that keeps what it hands over: finished days (in order) and resolved incidents. */
function recording() {
  const done: { date: string; day: HistoryDay; next: string }[] = [];
  const incidents: Incident[] = [];
  const h = createHistory({ onDayDone: (date, day, next) => done.push({ date, day, next }), onResolved: (i) => incidents.push(i) });
  return { h, done, incidents };
}

describe('history for outpost report', () => {
  it('splits time at UTC midnight, by state and reason, maintenance apart; the finished day is handed over once', () => {
    const { h, done } = recording();
    h.advance(T('2024-03-04T23:00:00Z'));
    h.observe([view('g/e/a', 'down', 'http_5xx'), view('g/e/b', 'up'), view('m/e/c', 'down', 'timeout')], new Set(['m']), []);
    h.advance(T('2024-03-05T01:00:00Z'));
    expect(done.map((d) => [d.date, d.next])).toEqual([['2024-03-04', '2024-03-05']]);
    expect(done[0]!.day.checks['g/e/a']).toEqual({ up: 0, degraded: 0, down: 3600, maintenance: 0, reasons: { http_5xx: 3600 } });
    const cur = h.current()!;
    expect(cur.date).toBe('2024-03-05');
    expect(cur.day.checks['g/e/b']!.up).toBe(3600);
    expect(cur.day.checks['m/e/c']).toEqual({ up: 0, degraded: 0, down: 0, maintenance: 3600, reasons: {} });
    h.advance(T('2024-03-05T23:59:59Z'));
    expect(done).toHaveLength(1);
    h.advance(T('2024-03-06T00:00:01Z'));
    expect(done.map((d) => d.date)).toEqual(['2024-03-04', '2024-03-05']);
    expect(done[1]!.day.checks['g/e/b']!.up).toBe(86_400);
    expect(h.current()!.day.checks['g/e/b']!.up).toBe(1);
  });

  it('counts a check only while it is observed and known; a reason-less down is "internal"', () => {
    const { h } = recording();
    h.advance(T('2024-03-05T00:00:00Z'));
    h.observe([view('g/e/a', 'unknown'), view('g/e/b', 'down'), view('g/e/c', 'degraded')], new Set(), []);
    h.advance(T('2024-03-05T00:01:00Z'));
    h.observe([view('g/e/b', 'down')], new Set(), []);
    h.advance(T('2024-03-05T00:02:00Z'));
    const day = h.current()!.day;
    expect(Object.keys(day.checks).sort()).toEqual(['g/e/b', 'g/e/c']);
    expect(day.checks['g/e/b']).toEqual({ up: 0, degraded: 0, down: 120, maintenance: 0, reasons: { internal: 120 } });
    expect(day.checks['g/e/c']!.degraded).toBe(60);
  });

  it('hands resolved incidents over without their timeline', () => {
    const { h, incidents } = recording();
    const at = T('2024-03-05T00:00:00Z');
    h.advance(at);
    h.observe([view('g/e/a', 'up')], new Set(), [{ event: 'incident.resolved', at, incident: resolved('a1', at) }]);
    h.resolved(resolved('b2', at));
    expect(incidents.map((i) => [i.id, i.timeline])).toEqual([
      ['a1', []],
      ['b2', []],
    ]);
  });

  it('impact accrued just past midnight waits for its day; a gap longer than the retention credits only the retention', () => {
    const { h, done } = recording();
    h.advance(T('2024-03-05T23:00:00Z'));
    h.observe([view('g/e/a', 'up')], new Set(), []);
    h.addImpact('g', 'USD', 5, T('2024-03-05T23:30:00Z'));
    // The impact tracker runs before the history in an evaluation that crosses midnight.
    h.addImpact('g', 'USD', 7, T('2024-03-06T00:10:00Z'));
    h.advance(T('2024-03-06T00:10:00Z'));
    expect(done[0]!.day.impact).toEqual({ 'g|USD': 5 });
    expect(h.current()!.day.impact).toEqual({ 'g|USD': 7 });
    const far = T('2024-03-06T00:10:00Z') + (HISTORY_DAYS + 5) * DAY;
    h.advance(far);
    expect(done.length).toBeLessThanOrEqual(HISTORY_DAYS + 3);
    expect(done[1]!.day.impact).toEqual({ 'g|USD': 7 });
  });

  it('restores a saved day and continues it; drops checks no longer observed at the next day', () => {
    const a = recording();
    a.h.advance(T('2024-03-05T00:00:00Z'));
    a.h.observe([view('g/e/a', 'down', 'feed_empty'), view('g/e/b', 'up')], new Set(), []);
    a.h.advance(T('2024-03-05T00:10:00Z'));
    a.h.addImpact('g', 'USD', 12.5, T('2024-03-05T00:10:00Z'));
    const saved = JSON.parse(JSON.stringify(a.h.current())) as { date: string; day: HistoryDay };

    const b = recording();
    b.h.restoreDay(saved.date, saved.day);
    expect(b.h.current()).toEqual(saved);
    b.h.advance(T('2024-03-05T01:00:00Z'));
    b.h.observe([view('g/e/a', 'down', 'feed_empty')], new Set(), []);
    b.h.advance(T('2024-03-05T01:05:00Z'));
    expect(b.h.current()!.day.checks['g/e/a']).toEqual({ up: 0, degraded: 0, down: 900, maintenance: 0, reasons: { feed_empty: 900 } });
    expect(b.h.current()!.day.checks['g/e/b']!.up).toBe(600);
    b.h.advance(T('2024-03-06T00:00:01Z'));
    expect(b.done[0]!.day.impact).toEqual({ 'g|USD': 12.5 });
    expect(Object.keys(b.h.current()!.day.checks)).toEqual(['g/e/a']);
  });

  it('checks that come and go across days (config reloads): each day holds only its own', () => {
    const { h, done } = recording();
    let t = T('2024-03-01T00:00:00Z');
    for (let d = 0; d < 5; d++) {
      const views = Array.from({ length: 200 }, (_, i) => view(`g/e/d${d}c${i}`, 'up'));
      h.advance(t);
      h.observe(views, new Set(), []);
      t += DAY;
      h.advance(t);
    }
    h.advance(t + 1000);
    expect(done.map((d) => Object.keys(d.day.checks).length)).toEqual([200, 200, 200, 200, 200]);
    expect(Object.keys(done[4]!.day.checks)[0]).toBe('g/e/d4c0');
    expect(done[4]!.day.checks['g/e/d4c199']!.up).toBe(86_400);
  });

  it('reads the single file of old and drops garbage', () => {
    const bad = parseHistory({ days: { 'not-a-day': {}, '2024-03-05': { checks: { x: { up: -1, reasons: { nope: 5 } } }, impact: { 'g|USD': 'x' } } }, incidents: [{ id: 'zz' }] });
    expect(bad.days).toEqual({ '2024-03-05': { checks: { x: { up: 0, degraded: 0, down: 0, maintenance: 0, reasons: {} } }, impact: {} } });
    expect(bad.incidents).toEqual([]);
  });
});
