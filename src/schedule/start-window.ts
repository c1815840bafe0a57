/**
 * The start window: after a start (a restart, a deploy) every interval check runs once within a
 * short window instead of waiting for its hashed point in its whole interval, so a 5-minute login
 * check is not `unknown` for 5 minutes; the first runs are spread evenly over the window, so
 * there is no thundering herd either. A check's window is
 *   min(its interval, max(10 s, checks ÷ the concurrency-safe start rate))
 * where the safe rate assumes a run of about a second per concurrency slot (64 slots: 64 runs a
 * second). After its first run a check keeps that phase: every interval after its first run.
 * Pure functions, no I/O.
 */
import { staggerFraction } from './shard.js';

export const MIN_START_WINDOW_MS = 10_000;
/** Runs a second one concurrency slot is assumed to start without queueing (runs of ~1 s). */
export const START_RUNS_PER_SLOT_PER_SECOND = 1;

/** The width of the start window for `checks` checks under `concurrency`, capped by the interval. */
export function startWindowMs(checks: number, concurrency: number, intervalMs: number): number {
  const safeMs = (checks / (Math.max(1, concurrency) * START_RUNS_PER_SLOT_PER_SECOND)) * 1000;
  return Math.min(intervalMs, Math.max(MIN_START_WINDOW_MS, safeMs));
}

/**
 * Offset (ms after the start) of each check's first run: the checks in the order of a stable
 * hash of their id, evenly spaced over the window, the first at 0 (so a small config answers at
 * once). Checks without an interval (cron) are not in the window.
 */
export function startOffsets(checks: readonly { id: string; intervalMs?: number }[], concurrency: number): Map<string, number> {
  const spread = startOrder(checks.filter((c) => c.intervalMs !== undefined));
  const out = new Map<string, number>();
  const n = spread.length;
  spread.forEach((c, i) => out.set(c.id, Math.floor((i / n) * startWindowMs(n, concurrency, c.intervalMs!))));
  return out;
}

/**
 * The checks in the order their first runs take in a start window: by a stable hash of the id
 * (ties by id). The monitor declares the per-check series in this order too, so that the checks
 * that ran since a scrape are neighbours in the exposition (see check-series.ts).
 */
export function startOrder<C extends { id: string }>(checks: readonly C[]): C[] {
  const keyed = checks.map((c) => ({ c, h: staggerFraction(c.id) }));
  keyed.sort((a, b) => a.h - b.h || (a.c.id < b.c.id ? -1 : a.c.id > b.c.id ? 1 : 0));
  return keyed.map((k) => k.c);
}
