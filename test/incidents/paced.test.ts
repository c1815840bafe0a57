/** Pacing of incident evaluations (src/incidents/paced.ts), on a fake clock. */
import { describe, expect, it } from 'vitest';
import { paced } from '../../src/incidents/paced.js';

function harness(costMs: number, opts: { factor?: number; maxWaitMs?: number } = {}) {
  let t = 0;
  const timers: { at: number; fn: () => void }[] = [];
  const runs: number[] = [];
  const p = paced(
    () => {
      runs.push(t);
      t += costMs;
    },
    { ...opts, clock: () => t, setTimer: (fn, ms) => timers.push({ at: t + ms, fn }) },
  );
  /** Advance the clock to each due timer in turn until none is left (bounded). */
  const drain = () => {
    for (let i = 0; i < 100 && timers.length; i++) {
      timers.sort((a, b) => a.at - b.at);
      const next = timers.shift()!;
      t = Math.max(t, next.at);
      next.fn();
    }
  };
  return { p, runs, drain, timers, at: (ms: number) => (t = ms) };
}

describe('paced incident evaluation', () => {
  it('many asks before the evaluation make one evaluation', () => {
    const h = harness(1);
    for (let i = 0; i < 50; i++) h.p.soon();
    expect(h.timers).toHaveLength(1);
    h.drain();
    expect(h.runs).toEqual([0]);
  });

  it('the first evaluation is at once; the next waits factor × the last one’s duration', () => {
    const h = harness(10, { factor: 20 });
    h.p.soon();
    h.drain();
    expect(h.runs).toEqual([0]);
    h.p.soon(); // asked at t = 10, right after the first
    h.drain();
    expect(h.runs).toEqual([0, 10 + 200]);
  });

  it('the wait is capped, and an ask after the wait has passed runs at once', () => {
    const h = harness(100, { factor: 20, maxWaitMs: 500 });
    h.p.soon();
    h.drain();
    h.p.soon();
    h.drain();
    expect(h.runs).toEqual([0, 100 + 500]);
    h.at(5_000);
    h.p.soon();
    expect(h.timers[0]!.at).toBe(5_000);
  });

  it('a cheap evaluation (a small config) is never held back', () => {
    const h = harness(0.05);
    for (let i = 0; i < 3; i++) {
      h.p.soon();
      h.drain();
    }
    expect(h.runs[2]! - h.runs[0]!).toBeLessThan(3);
  });

  it('an evaluation that throws still lets the next one come', () => {
    let calls = 0;
    const timers: (() => void)[] = [];
    const p = paced(
      () => {
        calls++;
        if (calls === 1) throw new Error('boom');
      },
      { clock: () => 0, setTimer: (fn) => timers.push(fn) },
    );
    p.soon();
    expect(() => timers.shift()!()).toThrow('boom');
    p.soon();
    timers.shift()!();
    expect(calls).toBe(2);
  });
});
