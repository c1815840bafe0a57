/**
 * The state of one check (docs/incidents.md): unknown → up / degraded / down, with hysteresis.
 * Pure: takes the previous status and a run result, returns the next status.
 */
import type { Reason } from './reasons.js';

export const CHECK_STATES = ['unknown', 'up', 'degraded', 'down'] as const;
export type CheckState = (typeof CHECK_STATES)[number];

/** What a run produced, as kept for the status API, incidents and webhooks (no secrets). */
export interface RunSummary {
  ok: boolean;
  reason: Reason | null;
  httpStatus: number;
  durationMs: number;
  /** Short, redacted explanation of a failure; null on success. */
  error: string | null;
  at: number;
  attempts: number;
}

export interface CheckStatus {
  state: CheckState;
  /** When the current state began (ms since epoch). */
  since: number;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  /** The reason of the failure that holds the check down (or of the last failure while up). */
  reason: Reason | null;
  /** The distinct reasons of the current failure streak, in the order they first appeared (the first is the cause). */
  reasons: Reason[];
  lastResult: RunSummary | null;
  lastSuccessAt: number | null;
}

export interface Thresholds {
  failureThreshold: number;
  successThreshold: number;
  degradedAfterMs: number;
}

/**
 * The reasons of a check without a failure streak: one frozen empty list for all of them (a new
 * one per check and per run was 10,000 lists at 10,000 checks; the lists are never changed in place).
 */
const NO_REASONS = Object.freeze([]) as unknown as Reason[];

export function initialStatus(now: number): CheckStatus {
  return { state: 'unknown', since: now, consecutiveFailures: 0, consecutiveSuccesses: 0, reason: null, reasons: NO_REASONS, lastResult: null, lastSuccessAt: null };
}

export function nextStatus(prev: CheckStatus, run: RunSummary, t: Thresholds): CheckStatus {
  const consecutiveFailures = run.ok ? 0 : prev.consecutiveFailures + 1;
  const consecutiveSuccesses = run.ok ? prev.consecutiveSuccesses + 1 : 0;
  let state: CheckState;
  if (run.ok) {
    const healthy = run.durationMs > t.degradedAfterMs ? 'degraded' : 'up';
    // A down check needs successThreshold successes in a row to recover.
    state = prev.state === 'down' && consecutiveSuccesses < t.successThreshold ? 'down' : healthy;
  } else if (consecutiveFailures >= t.failureThreshold) {
    state = 'down';
  } else {
    // Below the threshold a failure does not change the state: one blip is not an outage.
    state = prev.state;
  }
  const reason = run.ok ? (state === 'down' ? prev.reason : null) : run.reason;
  // The streak's reasons: kept while the check fails or stays down, forgotten once it is healthy.
  const streak = prev.consecutiveFailures > 0 || prev.state === 'down' ? (prev.reasons ?? NO_REASONS) : NO_REASONS;
  const reasons = run.ok ? (state === 'down' ? streak : NO_REASONS) : run.reason && !streak.includes(run.reason) ? [...streak, run.reason] : streak;
  return {
    state,
    since: state === prev.state ? prev.since : run.at,
    consecutiveFailures,
    consecutiveSuccesses,
    reason,
    reasons,
    lastResult: run,
    lastSuccessAt: run.ok ? run.at : prev.lastSuccessAt,
  };
}
