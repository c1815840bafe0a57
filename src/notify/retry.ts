/**
 * The delivery rules of docs/webhooks.md as data: which answers are delivered, retried or final, and how
 * long to wait before the next attempt. Pure.
 */

export type AttemptOutcome =
  | { kind: 'delivered'; status: number }
  /** Worth another attempt: 408, 429, 5xx, or no answer at all (`code` names the network error). */
  | { kind: 'retry'; status: number | null; code: string | null; retryAfterMs: number | null }
  /** Another 4xx (or anything else unexpected): retrying will not help. */
  | { kind: 'final'; status: number };

export interface BackoffOptions {
  minMs: number;
  maxMs: number;
  factor: number;
  /** Upper bound for a receiver's Retry-After. */
  maxRetryAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { minMs: 1000, maxMs: 5 * 60_000, factor: 2, maxRetryAfterMs: 5 * 60_000 };

/** `Retry-After` as delay-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | null {
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!v) return null;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}

export function classifyStatus(status: number, retryAfter: string | string[] | undefined, now: number): AttemptOutcome {
  if (status >= 200 && status < 300) return { kind: 'delivered', status };
  if (status === 408 || status === 429 || status >= 500) {
    return { kind: 'retry', status, code: null, retryAfterMs: parseRetryAfter(retryAfter, now) };
  }
  return { kind: 'final', status };
}

/** Exponential backoff with full jitter: uniform in [0, min(max, min·factor^(n-1))], n ≥ 1. */
export function backoffMs(retry: number, o: BackoffOptions, random: () => number): number {
  const ceiling = Math.min(o.maxMs, o.minMs * o.factor ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}

/** How long to wait before retry number `retry` (1-based): the receiver's Retry-After wins, capped. */
export function retryDelayMs(outcome: AttemptOutcome, retry: number, o: BackoffOptions, random: () => number): number {
  if (outcome.kind === 'retry' && outcome.retryAfterMs !== null) return Math.min(outcome.retryAfterMs, o.maxRetryAfterMs);
  return backoffMs(retry, o, random);
}
