/**
 * The classifier: what was observed of one request → exactly one SPEC reason.
 * One ordered table; the first rule that holds wins, and the table's order is the SPEC's
 * precedence (a test holds it to src/reasons.ts).
 */
import type { Reason } from './reasons.js';

/** Everything the classifier needs to know of a request, computed by the journey. */
export interface Observation {
  /** A login request (creates the session) or any other request. */
  role: 'login' | 'request';
  /** The reason of a transport failure (no complete answer), when there was one. */
  transport?: Reason;
  /** HTTP status of the final answer (0 when none). */
  status: number;
  /** The step's `expect.status` allows this status (an expected 4xx is not `http_4xx`). */
  statusExpected?: boolean;
  /** The request carried a session (cookies or bearer token). */
  carriedSession: boolean;
  /** A redirect pointed at the login page, or the final URL is the login page. */
  redirectedToLogin: boolean;
  /** A login answer matched the group's challenge markers (checkpoint, captcha, 2FA), or any request was redirected to a challenge page. */
  challenge: boolean;
  /** The answer matched the group's "bad credentials" markers. */
  loginRejectedMarker: boolean;
  /** The answer matched the group's "log in again" markers. */
  logoutMarker: boolean;
  /** The answer matched the group's error-page markers. */
  errorMarker: boolean;
  /** HTML came back where JSON was expected. */
  htmlWhereJsonExpected: boolean;
  /** Login requests: whether the answer issued a session (cookie or token). */
  sessionIssued?: boolean;
  /** Reasons from expectations that were not met (invalid_response, feed_empty, feed_stale, assertion_failed). */
  unmet: readonly Reason[];
}

const LOGIN_REJECT_STATUS = new Set([400, 401, 403, 422]);
const SESSION_REJECT_STATUS = new Set([401, 403, 440]);
const is2xx = (s: number) => s >= 200 && s < 300;
const is4xx = (s: number) => s >= 400 && s < 500;

/** The precedence table. Order matters: it is the SPEC's. */
export const RULES: readonly (readonly [Reason, (o: Observation) => boolean])[] = [
  ['dns', (o) => o.transport === 'dns'],
  ['connect_refused', (o) => o.transport === 'connect_refused'],
  ['tls', (o) => o.transport === 'tls'],
  ['timeout', (o) => o.transport === 'timeout'],
  ['connection_reset', (o) => o.transport === 'connection_reset'],
  ['body_too_large', (o) => o.transport === 'body_too_large'],
  ['rate_limited', (o) => o.status === 429],
  ['http_5xx', (o) => o.status >= 500 && o.status < 600],
  // A login answered with a challenge, or a request carrying the session sent to one.
  ['login_challenge', (o) => (o.role === 'login' || o.carriedSession) && o.challenge],
  [
    'login_rejected',
    (o) => o.role === 'login' && (LOGIN_REJECT_STATUS.has(o.status) || o.loginRejectedMarker || o.sessionIssued === false),
  ],
  ['forced_logout', (o) => o.role !== 'login' && o.carriedSession && (SESSION_REJECT_STATUS.has(o.status) || o.redirectedToLogin || o.logoutMarker)],
  ['http_4xx', (o) => is4xx(o.status) && !o.statusExpected],
  ['error_page', (o) => is2xx(o.status) && (o.errorMarker || o.htmlWhereJsonExpected)],
  ['invalid_response', (o) => o.unmet.includes('invalid_response')],
  ['feed_empty', (o) => o.unmet.includes('feed_empty')],
  ['feed_stale', (o) => o.unmet.includes('feed_stale')],
  ['assertion_failed', (o) => o.unmet.includes('assertion_failed')],
  ['internal', (o) => o.transport === 'internal' || o.unmet.includes('internal')],
];

/** The reason the request failed for, or undefined when it succeeded. */
export function classify(o: Observation): Reason | undefined {
  for (const [reason, holds] of RULES) if (holds(o)) return reason;
  return undefined;
}
