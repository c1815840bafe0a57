/** The state of a check: unknown → up / degraded / down, with hysteresis. */
import { describe, expect, it } from 'vitest';
import { initialStatus, nextStatus, type CheckStatus, type RunSummary } from '../src/check-state.js';
import type { Reason } from '../src/reasons.js';

const T = { failureThreshold: 2, successThreshold: 2, degradedAfterMs: 1000 };
let clock = 1_000_000;

const ok = (durationMs = 100): RunSummary => ({ ok: true, reason: null, httpStatus: 200, durationMs, error: null, at: (clock += 1000), attempts: 1 });
const fail = (reason: Reason = 'forced_logout'): RunSummary => ({ ok: false, reason, httpStatus: 401, durationMs: 50, error: 'x', at: (clock += 1000), attempts: 1 });

function play(runs: RunSummary[], t = T, start: CheckStatus = initialStatus(0)): CheckStatus[] {
  const out: CheckStatus[] = [];
  let s = start;
  for (const r of runs) out.push((s = nextStatus(s, r, t)));
  return out;
}
const states = (xs: CheckStatus[]) => xs.map((s) => s.state);

describe('check state', () => {
  it('starts unknown, with nothing recorded', () => {
    expect(initialStatus(42)).toEqual({ state: 'unknown', since: 42, consecutiveFailures: 0, consecutiveSuccesses: 0, reason: null, reasons: [], lastResult: null, lastSuccessAt: null });
  });

  it('unknown → up on a success, → degraded on a slow success', () => {
    expect(states(play([ok()]))).toEqual(['up']);
    expect(states(play([ok(1001)]))).toEqual(['degraded']);
    expect(states(play([ok(1000)]))).toEqual(['up']);
  });

  it('unknown → down only after failureThreshold failures in a row', () => {
    const s = play([fail(), fail()]);
    expect(states(s)).toEqual(['unknown', 'down']);
    expect(s[1]!.reason).toBe('forced_logout');
    expect(s[1]!.consecutiveFailures).toBe(2);
  });

  it('one failure below the threshold does not change the state; a success resets the count', () => {
    const s = play([ok(), fail(), ok(), fail(), ok()]);
    expect(states(s)).toEqual(['up', 'up', 'up', 'up', 'up']);
    expect(s[1]!.reason).toBe('forced_logout');
    expect(s[1]!.consecutiveFailures).toBe(1);
    expect(s[2]!.consecutiveFailures).toBe(0);
    expect(s[2]!.reason).toBeNull();
  });

  it('failureThreshold 1: the first failure is down', () => {
    expect(states(play([ok(), fail()], { ...T, failureThreshold: 1 }))).toEqual(['up', 'down']);
  });

  it('down recovers only after successThreshold successes in a row, keeping the failure reason meanwhile', () => {
    const s = play([fail('feed_empty'), fail('feed_empty'), ok(), fail('feed_stale'), ok(), ok(), ok()]);
    expect(states(s)).toEqual(['unknown', 'down', 'down', 'down', 'down', 'up', 'up']);
    expect(s[2]!.reason).toBe('feed_empty');
    expect(s[3]!.reason).toBe('feed_stale');
    expect(s[4]!.reason).toBe('feed_stale');
    expect(s[5]!.reason).toBeNull();
  });

  it('down recovers to degraded when the recovering run is slow', () => {
    const s = play([fail(), fail(), ok(2000), ok(2000)]);
    expect(states(s)).toEqual(['unknown', 'down', 'down', 'degraded']);
  });

  it("up ↔ degraded follows each run's duration", () => {
    expect(states(play([ok(), ok(5000), ok(5000), ok(10)]))).toEqual(['up', 'degraded', 'degraded', 'up']);
  });

  it('a failure in degraded below the threshold keeps degraded; at the threshold it is down', () => {
    expect(states(play([ok(5000), fail(), fail()]))).toEqual(['degraded', 'degraded', 'down']);
  });

  it('since is when the current state began', () => {
    const s = play([ok(), ok(), fail(), fail(), fail(), ok(), ok(), ok()]);
    const at = (i: number) => s[i]!.lastResult!.at;
    expect(s[0]!.since).toBe(at(0));
    expect(s[1]!.since).toBe(at(0));
    expect(s[2]!.since).toBe(at(0));
    expect(s[3]!.since).toBe(at(3));
    expect(s[5]!.since).toBe(at(3));
    expect(s[6]!.since).toBe(at(6));
    expect(s[7]!.since).toBe(at(6));
  });

  it('keeps the last result and the last success time', () => {
    const runs = [ok(), fail(), fail()];
    const s = play(runs);
    expect(s[2]!.lastResult).toBe(runs[2]);
    expect(s[2]!.lastSuccessAt).toBe(runs[0]!.at);
  });

  it('checks without a failure streak share one frozen empty list of reasons; a streak gets its own', () => {
    const [a, b, c, d] = play([ok(), fail('timeout'), fail('http_5xx'), ok()], { ...T, failureThreshold: 1, successThreshold: 1 });
    expect(a!.reasons).toBe(initialStatus(0).reasons);
    expect(Object.isFrozen(a!.reasons)).toBe(true);
    expect(b!.reasons).toEqual(['timeout']);
    expect(c!.reasons).toEqual(['timeout', 'http_5xx']);
    expect(b!.reasons).toEqual(['timeout']);
    expect(d!.reasons).toBe(a!.reasons);
  });
});
