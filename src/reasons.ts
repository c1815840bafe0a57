/**
 * The closed set of failure reasons (docs/reasons.md), in precedence order:
 * when several could apply to one run, the one listed first wins. This module is the only place
 * that names them.
 */
export const REASONS = [
  // transport
  'dns',
  'connect_refused',
  'tls',
  'timeout',
  'connection_reset',
  'body_too_large',
  // HTTP-level that outrank semantics
  'rate_limited',
  'http_5xx',
  // session semantics
  'login_challenge',
  'login_rejected',
  'forced_logout',
  // the rest
  'http_4xx',
  'error_page',
  'invalid_response',
  'feed_empty',
  'feed_stale',
  'assertion_failed',
  'internal',
] as const;

export type Reason = (typeof REASONS)[number];

const RANK = new Map<Reason, number>(REASONS.map((r, i) => [r, i]));

/** Lower rank wins. */
export function reasonRank(reason: Reason): number {
  return RANK.get(reason) ?? REASONS.length;
}

/** The reason among candidates that wins by precedence. */
export function strongestReason(candidates: readonly Reason[]): Reason | undefined {
  let best: Reason | undefined;
  for (const r of candidates) if (best === undefined || reasonRank(r) < reasonRank(best)) best = r;
  return best;
}

/**
 * Transient failures are retried inside a run; everything else is the signal and is not. A 429 is
 * not retried either: the platform asked for less traffic (its Retry-After rests the endpoint).
 */
export const TRANSIENT_REASONS: ReadonlySet<Reason> = new Set<Reason>(['timeout', 'connect_refused', 'connection_reset', 'dns', 'http_5xx']);

export function isReason(value: unknown): value is Reason {
  return typeof value === 'string' && RANK.has(value as Reason);
}

/** Plain words for people: status page, webhook summaries, alert annotations. */
export const REASON_TEXT: Record<Reason, string> = {
  forced_logout: 'session rejected, users are being logged out',
  login_rejected: 'login refused',
  login_challenge: 'login answered with a challenge (checkpoint, captcha or second factor)',
  feed_empty: 'feed loads but is empty',
  feed_stale: 'feed loads but returns nothing new',
  error_page: 'answers 200 with an error page',
  invalid_response: 'answer is not parseable or misses an expected field',
  assertion_failed: 'an expectation was not met',
  rate_limited: 'rate limited (HTTP 429)',
  http_4xx: 'unexpected HTTP 4xx',
  http_5xx: 'server error (HTTP 5xx)',
  timeout: 'timed out',
  dns: 'name resolution failed',
  connect_refused: 'connection refused',
  connection_reset: 'connection reset',
  tls: 'TLS handshake or certificate failure',
  body_too_large: 'answer larger than allowed',
  internal: 'internal error in Outpost',
};
