/**
 * The classifier: the one place where a failure gets its reason (docs/reasons.md).
 * - `reasonForError`: a transport error (no complete answer) → its reason, by error code.
 * - `classify`: what was observed of one request → exactly one reason, or none for a success.
 *   One ordered table; the first rule that holds wins, and the table's order is the reasons'
 *   precedence (a test holds it to src/reasons.ts).
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
  /** The final answer is an HTML page with a login form (a password input). */
  loginForm?: boolean;
  /** A Graph-API-style JSON error saying the access token or session is invalid (`code` 190 or 102). */
  sessionErrorCode?: boolean;
  /** A login step that a second-factor step follows: a challenge here is the expected next step. */
  challengeExpected?: boolean;
  /** More redirects than `maxRedirects`. */
  tooManyRedirects?: boolean;
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

/** The precedence table. Order matters: it is the precedence of docs/reasons.md. */
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
  ['login_challenge', (o) => (o.role === 'login' || o.carriedSession) && o.challenge && !o.challengeExpected],
  [
    'login_rejected',
    // A login answered with the login form again is a refusal (platforms answer a bad password with 200 and the form).
    (o) => o.role === 'login' && !(o.challenge && o.challengeExpected) && (LOGIN_REJECT_STATUS.has(o.status) || o.loginRejectedMarker || o.sessionIssued === false || o.loginForm === true),
  ],
  [
    'forced_logout',
    (o) =>
      o.role !== 'login' &&
      o.carriedSession &&
      (SESSION_REJECT_STATUS.has(o.status) || o.redirectedToLogin || o.logoutMarker || o.loginForm === true || o.sessionErrorCode === true),
  ],
  ['http_4xx', (o) => is4xx(o.status) && !o.statusExpected && !(o.challenge && o.challengeExpected)],
  ['error_page', (o) => is2xx(o.status) && (o.errorMarker || o.htmlWhereJsonExpected)],
  ['invalid_response', (o) => o.unmet.includes('invalid_response')],
  ['feed_empty', (o) => o.unmet.includes('feed_empty')],
  ['feed_stale', (o) => o.unmet.includes('feed_stale')],
  ['assertion_failed', (o) => o.unmet.includes('assertion_failed') || o.tooManyRedirects === true],
  ['internal', (o) => o.transport === 'internal' || o.unmet.includes('internal')],
];

/** The reason the request failed for, or undefined when it succeeded. */
export function classify(o: Observation): Reason | undefined {
  for (const [reason, holds] of RULES) if (holds(o)) return reason;
  return undefined;
}

// Transport errors → reasons, by `code` / `cause.code` (never by parsing messages).

const BY_CODE: Record<string, Reason> = {
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EAI_NONAME: 'dns',
  EAI_NODATA: 'dns',
  EAI_FAIL: 'dns',
  ECONNREFUSED: 'connect_refused',
  ECONNRESET: 'connection_reset',
  EPIPE: 'connection_reset',
  ECONNABORTED: 'connection_reset',
  UND_ERR_SOCKET: 'connection_reset',
  UND_ERR_CLOSED: 'connection_reset',
  HPE_INVALID_CONSTANT: 'connection_reset',
  ETIMEDOUT: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  UND_ERR_ABORTED: 'timeout',
  ABORT_ERR: 'timeout',
  UND_ERR_HEADERS_OVERFLOW: 'body_too_large',
  UND_ERR_RES_EXCEEDED_MAX_SIZE: 'body_too_large',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'connection_reset',
  UND_ERR_REQ_CONTENT_LENGTH_MISMATCH: 'internal',
  HPE_HEADER_OVERFLOW: 'body_too_large',
  ENETUNREACH: 'connect_refused',
  EHOSTUNREACH: 'connect_refused',
  EADDRNOTAVAIL: 'connect_refused',
};

const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|HOSTNAME_MISMATCH|ERR_OSSL_|EPROTO$)/;

/** The reason of a transport error: the request got no complete answer. */
export function reasonForError(err: unknown): Reason {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      const r = BY_CODE[code];
      if (r) return r;
      if (TLS_CODES.test(code)) return 'tls';
      if (code.startsWith('HPE_')) return 'invalid_response';
    }
    const name = (e as { name?: unknown }).name;
    if (name === 'AbortError' || name === 'TimeoutError') return 'timeout';
  }
  return 'internal';
}
