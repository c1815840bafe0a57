/** The scheduler under fake timers: spread, no overlap, the global cap, lag, reload and cron. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createScheduler, staggerOffset, type Scheduler } from '../../src/schedule/scheduler.js';
import { MIN_START_WINDOW_MS, startOffsets, startWindowMs } from '../../src/schedule/start-window.js';
import type { CompiledCheck } from '../../src/config/types.js';

const T0 = Date.parse('2024-03-05T15:20:00.000Z');

function check(id: string, timing: { intervalMs?: number; schedule?: string }): CompiledCheck {
  return { id, ...timing } as CompiledCheck;
}

interface Harness {
  s: Scheduler;
  starts: { id: string; at: number }[];
  lags: number[];
  inFlight: number[];
  maxPerCheck: Map<string, number>;
  /** Clock skew added to what the scheduler sees as "now" (a blocked event loop). */
  skew: { ms: number };
}

/** A scheduler whose runs take `runMs(id)` of (fake) time. */
function harness(opts: { concurrency?: number; runMs?: (id: string) => number } = {}): Harness {
  const h: Harness = { starts: [], lags: [], inFlight: [], maxPerCheck: new Map(), skew: { ms: 0 } } as unknown as Harness;
  const running = new Map<string, number>();
  h.s = createScheduler({
    concurrency: opts.concurrency ?? 64,
    now: () => Date.now() + h.skew.ms,
    onLag: (s) => h.lags.push(s),
    onInFlight: (n) => h.inFlight.push(n),
    run: async (c) => {
      h.starts.push({ id: c.id, at: Date.now() });
      const n = (running.get(c.id) ?? 0) + 1;
      running.set(c.id, n);
      h.maxPerCheck.set(c.id, Math.max(h.maxPerCheck.get(c.id) ?? 0, n));
      const ms = opts.runMs?.(c.id) ?? 0;
      if (ms > 0) await new Promise((r) => setTimeout(r, ms));
      running.set(c.id, running.get(c.id)! - 1);
    },
  });
  return h;
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

const runsOf = (h: Harness, id: string) => h.starts.filter((s) => s.id === id).map((s) => s.at);

describe('first runs', () => {
  it('are spread over the start window (10 s for 100 checks), then each check keeps its phase', async () => {
    const interval = 30_000;
    const h = harness();
    const ids = Array.from({ length: 100 }, (_, i) => `group${i % 3}/endpoint${i % 7}/check${i}`);
    h.s.setChecks(ids.map((id) => check(id, { intervalMs: interval })));
    h.s.start();
    await vi.advanceTimersByTimeAsync(2 * interval - 1);
    const first = new Map<string, number>();
    for (const { id, at } of h.starts) if (!first.has(id)) first.set(id, at);
    expect(first.size).toBe(100);
    const times = [...first.values()];
    expect(new Set(times).size).toBe(100);
    expect(Math.min(...times)).toBe(T0);
    expect(Math.max(...times)).toBeLessThan(T0 + MIN_START_WINDOW_MS);
    // Every second of the window has first runs (no clumping), at most a fair share (no herd).
    const perSecond = new Map<number, number>();
    for (const t of times) perSecond.set(Math.floor((t - T0) / 1000), (perSecond.get(Math.floor((t - T0) / 1000)) ?? 0) + 1);
    expect(perSecond.size).toBe(10);
    for (const n of perSecond.values()) expect(n).toBeLessThanOrEqual(11);
    // Then one interval after its first run, and so on.
    for (const id of ids) expect(runsOf(h, id)).toEqual([first.get(id)!, first.get(id)! + interval]);
  });

  it('a 300-check config: every check has run within 15 s of the start, whatever its interval', async () => {
    const h = harness();
    const intervals = [30_000, 60_000, 300_000];
    const ids = Array.from({ length: 300 }, (_, i) => `g${i % 3}/e${i % 10}/c${i}`);
    h.s.setChecks(ids.map((id, i) => check(id, { intervalMs: intervals[i % 3]! })));
    // The schedule computed at start, before anything ran.
    h.s.start();
    for (const id of ids) expect(h.s.dueOf(id)! - T0).toBeLessThan(15_000);
    await vi.advanceTimersByTimeAsync(15_000);
    expect(new Set(h.starts.map((s) => s.id)).size).toBe(300);
    expect(Math.max(...h.lags)).toBeLessThan(0.002);
  });

  it('the window: min(interval, max(10 s, checks ÷ concurrency-safe rate))', () => {
    expect(startWindowMs(1, 64, 300_000)).toBe(10_000);
    expect(startWindowMs(300, 64, 300_000)).toBe(10_000);
    expect(startWindowMs(10_000, 64, 300_000)).toBe(156_250);
    expect(startWindowMs(10_000, 64, 30_000)).toBe(30_000);
    expect(startWindowMs(5, 64, 2_000)).toBe(2_000);
    const offsets = startOffsets([{ id: 'a/b/c', intervalMs: 60_000 }, { id: 'a/b/d', schedule: '* * * * *' } as { id: string }], 64);
    expect([...offsets]).toEqual([['a/b/c', 0]]);
  });

  it('the phase is a stable function of the id, inside [0, interval)', () => {
    expect(staggerOffset('facebook/web/login', 30_000)).toBe(staggerOffset('facebook/web/login', 30_000));
    expect(staggerOffset('facebook/web/login', 30_000)).not.toBe(staggerOffset('facebook/web/feed', 30_000));
    for (const id of ['a', 'b/c/d', 'x/y/z']) {
      const o = staggerOffset(id, 1000);
      expect(o).toBeGreaterThanOrEqual(0);
      expect(o).toBeLessThan(1000);
    }
  });

  it('nothing runs before start(), and a check then runs every interval', async () => {
    const h = harness();
    h.s.setChecks([check('g/e/c', { intervalMs: 1000 })]);
    await vi.advanceTimersByTimeAsync(5000);
    expect(h.starts).toEqual([]);
    h.s.start();
    await vi.advanceTimersByTimeAsync(10_000);
    const runs = runsOf(h, 'g/e/c');
    // At once (the start window of a lone check), then every second: 0 s … 10 s.
    expect(runs[0]).toBe(T0 + 5000);
    expect(runs.length).toBe(11);
    for (let i = 1; i < runs.length; i++) expect(runs[i]! - runs[i - 1]!).toBe(1000);
  });
});

describe('overlap and the cap', () => {
  it('never runs one check twice at once, even when a run takes longer than its interval', async () => {
    const h = harness({ runMs: () => 2500 });
    h.s.setChecks([check('g/e/slow', { intervalMs: 1000 })]);
    h.s.start();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(h.maxPerCheck.get('g/e/slow')).toBe(1);
    const runs = runsOf(h, 'g/e/slow');
    // It runs again as soon as the previous run ends (it became due meanwhile), not in a burst.
    expect(runs.length).toBeGreaterThanOrEqual(8);
    expect(runs.length).toBeLessThanOrEqual(9);
    for (let i = 1; i < runs.length; i++) expect(runs[i]! - runs[i - 1]!).toBeGreaterThanOrEqual(2500);
  });

  it('respects the global concurrency cap, and every check still gets its turn', async () => {
    const h = harness({ concurrency: 3, runMs: () => 4000 });
    const ids = Array.from({ length: 10 }, (_, i) => `g/e/c${i}`);
    h.s.setChecks(ids.map((id) => check(id, { intervalMs: 2000 })));
    h.s.start();
    let maxInFlight = 0;
    for (let i = 0; i < 60; i++) {
      await vi.advanceTimersByTimeAsync(500);
      maxInFlight = Math.max(maxInFlight, h.s.inFlight());
    }
    expect(maxInFlight).toBe(3);
    expect(Math.max(...h.inFlight)).toBe(3);
    for (const id of ids) expect(runsOf(h, id).length).toBeGreaterThanOrEqual(1);
    // Runs waiting for a slot start late: that lateness is reported.
    expect(Math.max(...h.lags)).toBeGreaterThan(1);
  });
});

describe('lag', () => {
  it('is about zero for runs that start on time', async () => {
    const h = harness();
    h.s.setChecks([check('g/e/c', { intervalMs: 1000 })]);
    h.s.start();
    await vi.advanceTimersByTimeAsync(5000);
    expect(h.lags.length).toBe(6);
    for (const l of h.lags) expect(l).toBeLessThan(0.002);
  });

  it('reports how late a run started after a blocked event loop, and does not replay missed runs', async () => {
    const h = harness();
    h.s.setChecks([check('g/e/c', { intervalMs: 1000 })]);
    h.s.start();
    await vi.advanceTimersByTimeAsync(3000);
    const before = h.starts.length;
    // The loop was blocked for 4.5 s: the next timer fires, but the clock says it is 4.5 s late.
    h.skew.ms = 4500;
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.lags.at(-1)).toBeCloseTo(4.5, 2);
    expect(h.starts.length).toBe(before + 1);
    // Back on its grid afterwards: one run per interval, on time.
    await vi.advanceTimersByTimeAsync(3000);
    expect(h.starts.length).toBe(before + 4);
    expect(h.lags.at(-1)).toBeLessThan(0.002);
  });
});

describe('reload (setChecks)', () => {
  it('keeps the phase of unchanged checks and re-phases changed ones', async () => {
    const h = harness();
    h.s.setChecks([check('g/e/a', { intervalMs: 10_000 }), check('g/e/b', { intervalMs: 10_000 })]);
    h.s.start();
    await vi.advanceTimersByTimeAsync(25_000);
    const dueA = h.s.dueOf('g/e/a');
    const dueB = h.s.dueOf('g/e/b');
    h.s.setChecks([check('g/e/a', { intervalMs: 10_000 }), check('g/e/b', { intervalMs: 20_000 }), check('g/e/new', { intervalMs: 10_000 })]);
    expect(h.s.dueOf('g/e/a')).toBe(dueA);
    expect(h.s.dueOf('g/e/b')).not.toBe(dueB);
    const aBefore = runsOf(h, 'g/e/a');
    await vi.advanceTimersByTimeAsync(30_000);
    const aAfter = runsOf(h, 'g/e/a').slice(aBefore.length);
    expect(aAfter.length).toBe(3);
    // Same phase: every run of a is a whole number of intervals after its first.
    for (const t of aAfter) expect((t - aBefore[0]!) % 10_000).toBe(0);
    // A check the reload added runs at once (its own start window), then every interval.
    expect(runsOf(h, 'g/e/new')).toEqual([T0 + 25_000, T0 + 35_000, T0 + 45_000, T0 + 55_000]);
    const bAfter = runsOf(h, 'g/e/b').filter((t) => t > T0 + 25_000);
    expect(bAfter.length).toBeGreaterThanOrEqual(1);
    expect(bAfter.length).toBeLessThanOrEqual(2);
  });

  it('the run function gets the new check object after a reload', async () => {
    const seen: unknown[] = [];
    const s = createScheduler({ concurrency: 4, now: () => Date.now(), run: async (c) => void seen.push(c) });
    const v1 = check('g/e/a', { intervalMs: 1000 });
    const v2 = check('g/e/a', { intervalMs: 1000 });
    s.setChecks([v1]);
    s.start();
    await vi.advanceTimersByTimeAsync(1000);
    s.setChecks([v2]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(seen.at(-1)).toBe(v2);
  });

  it('removed checks stop, also one that was running during the reload', async () => {
    const h = harness({ runMs: (id) => (id === 'g/e/slow' ? 1500 : 0) });
    h.s.setChecks([check('g/e/a', { intervalMs: 1000 }), check('g/e/slow', { intervalMs: 1000 })]);
    h.s.start();
    await vi.advanceTimersByTimeAsync(3200);
    expect(runsOf(h, 'g/e/a').length).toBe(3);
    h.s.setChecks([]);
    const n = h.starts.length;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(h.starts.length).toBe(n);
    expect(h.s.dueOf('g/e/a')).toBeUndefined();
    expect(h.s.inFlight()).toBe(0);
  });
});

describe('cron schedules (UTC, seconds field)', () => {
  it('runs at the matching UTC seconds', async () => {
    vi.setSystemTime(Date.parse('2024-03-05T15:20:03.500Z'));
    const h = harness();
    h.s.setChecks([check('g/e/cron', { schedule: '*/10 * * * * *' })]);
    h.s.start();
    await vi.advanceTimersByTimeAsync(40_000);
    expect(runsOf(h, 'g/e/cron').map((t) => new Date(t).toISOString())).toEqual([
      '2024-03-05T15:20:10.000Z',
      '2024-03-05T15:20:20.000Z',
      '2024-03-05T15:20:30.000Z',
      '2024-03-05T15:20:40.000Z',
    ]);
  });

  it('five fields: minutes and hours in UTC', async () => {
    vi.setSystemTime(Date.parse('2024-03-05T23:58:00.000Z'));
    const h = harness();
    h.s.setChecks([check('g/e/daily', { schedule: '0 0 * * *' }), check('g/e/minute', { schedule: '*/1 * * * *' })]);
    h.s.start();
    await vi.advanceTimersByTimeAsync(3 * 60_000);
    expect(runsOf(h, 'g/e/daily').map((t) => new Date(t).toISOString())).toEqual(['2024-03-06T00:00:00.000Z']);
    expect(runsOf(h, 'g/e/minute').map((t) => new Date(t).toISOString())).toEqual([
      '2024-03-05T23:59:00.000Z',
      '2024-03-06T00:00:00.000Z',
      '2024-03-06T00:01:00.000Z',
    ]);
  });
});

describe('stop', () => {
  it('stops scheduling and resolves when the runs in flight end', async () => {
    const h = harness({ runMs: () => 3000 });
    h.s.setChecks([check('g/e/a', { intervalMs: 1000 })]);
    h.s.start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.s.inFlight()).toBe(1);
    let stopped = false;
    void h.s.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(1000);
    expect(stopped).toBe(false);
    await vi.advanceTimersByTimeAsync(2500);
    expect(stopped).toBe(true);
    const n = h.starts.length;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(h.starts.length).toBe(n);
    expect(h.s.running()).toBe(false);
  });
});
