/**
 * The classifier: its table is the SPEC's precedence (src/reasons.ts), the SPEC's examples hold,
 * and whenever two reasons apply at once the earlier one wins.
 */
import { describe, expect, it } from 'vitest';
import { classify, RULES, type Observation } from '../src/classify.js';
import { REASONS, reasonRank, strongestReason, type Reason } from '../src/reasons.js';

const base: Observation = {
  role: 'request',
  status: 200,
  carriedSession: false,
  redirectedToLogin: false,
  challenge: false,
  loginRejectedMarker: false,
  logoutMarker: false,
  errorMarker: false,
  htmlWhereJsonExpected: false,
  unmet: [],
};
const obs = (o: Partial<Observation>): Observation => ({ ...base, ...o });
const TRANSPORT = ['dns', 'connect_refused', 'tls', 'timeout', 'connection_reset', 'body_too_large'] as const;

describe('the RULES table', () => {
  it('is in the SPEC precedence order of src/reasons.ts, with internal last', () => {
    const order = RULES.map(([r]) => r);
    expect(order.filter((r) => r !== 'internal')).toEqual(REASONS.filter((r) => r !== 'internal'));
    if (order.includes('internal')) expect(order.at(-1)).toBe('internal');
    expect(new Set(order).size).toBe(order.length);
  });

  it('a clean 200 is a success', () => {
    expect(classify(base)).toBeUndefined();
    expect(classify(obs({ role: 'login', sessionIssued: true }))).toBeUndefined();
    expect(classify(obs({ carriedSession: true }))).toBeUndefined();
  });
});

describe('cases', () => {
  const cases: [string, Partial<Observation>, Reason | undefined][] = [
    // SPEC examples
    ['a 5xx on a login is http_5xx', { role: 'login', status: 503, sessionIssued: false }, 'http_5xx'],
    ['a 401 on a session request is forced_logout', { status: 401, carriedSession: true }, 'forced_logout'],
    ['a 200 HTML "something went wrong" on a JSON feed is error_page', { htmlWhereJsonExpected: true, errorMarker: true, unmet: ['invalid_response'] }, 'error_page'],
    ['429 beats 5xx semantics and session semantics', { status: 429, carriedSession: true, logoutMarker: true }, 'rate_limited'],
    ['429 on a login beats a challenge', { role: 'login', status: 429, challenge: true, sessionIssued: false }, 'rate_limited'],
    ['transport beats 429', { transport: 'timeout', status: 429 }, 'timeout'],
    // transport
    ...TRANSPORT.map((t): [string, Partial<Observation>, Reason] => [`transport ${t}`, { transport: t, status: 0, carriedSession: true }, t]),
    ['transport internal is internal', { transport: 'internal', status: 0 }, 'internal'],
    // login
    ['401 on login', { role: 'login', status: 401, sessionIssued: false }, 'login_rejected'],
    ['403 on login', { role: 'login', status: 403 }, 'login_rejected'],
    ['200 on login without a session', { role: 'login', sessionIssued: false }, 'login_rejected'],
    ['bad-credentials marker on login', { role: 'login', loginRejectedMarker: true, sessionIssued: true }, 'login_rejected'],
    ['challenge on login beats rejection', { role: 'login', status: 401, challenge: true, sessionIssued: false }, 'login_challenge'],
    ['404 on login issuing no session is login_rejected (session semantics outrank http_4xx)', { role: 'login', status: 404, sessionIssued: false }, 'login_rejected'],
    ['404 on login is otherwise http_4xx', { role: 'login', status: 404 }, 'http_4xx'],
    ['a challenge on a request without a session is not login_challenge', { challenge: true }, undefined],
    ['a session sent to a challenge page is login_challenge, not forced_logout', { carriedSession: true, challenge: true, redirectedToLogin: true }, 'login_challenge'],
    // sessions
    ['403 with a session', { status: 403, carriedSession: true }, 'forced_logout'],
    ['440 with a session', { status: 440, carriedSession: true }, 'forced_logout'],
    ['redirect to the login page with a session', { redirectedToLogin: true, carriedSession: true }, 'forced_logout'],
    ['"log in again" body with a session beats error_page', { logoutMarker: true, carriedSession: true, errorMarker: true }, 'forced_logout'],
    ['401 without a session is http_4xx', { status: 401 }, 'http_4xx'],
    ['redirect to login without a session is no failure', { redirectedToLogin: true }, undefined],
    ['a login request is never forced_logout', { role: 'login', status: 401, carriedSession: true, sessionIssued: false }, 'login_rejected'],
    // the rest
    ['404', { status: 404 }, 'http_4xx'],
    ['an expected 404', { status: 404, statusExpected: true }, undefined],
    ['an expected 404 with unmet expectations', { status: 404, statusExpected: true, unmet: ['assertion_failed'] }, 'assertion_failed'],
    ['an error marker on a 4xx is http_4xx', { status: 400, errorMarker: true }, 'http_4xx'],
    ['200 JSON with an error marker', { errorMarker: true }, 'error_page'],
    ['200 HTML where JSON was expected', { htmlWhereJsonExpected: true }, 'error_page'],
    ['error_page beats invalid_response', { errorMarker: true, unmet: ['invalid_response', 'feed_empty'] }, 'error_page'],
    ['invalid_response beats feed_empty', { unmet: ['feed_empty', 'invalid_response'] }, 'invalid_response'],
    ['feed_empty beats feed_stale', { unmet: ['feed_stale', 'feed_empty'] }, 'feed_empty'],
    ['feed_stale beats assertion_failed', { unmet: ['assertion_failed', 'feed_stale'] }, 'feed_stale'],
    ['assertion_failed', { unmet: ['assertion_failed'] }, 'assertion_failed'],
    // the real platforms' shapes
    ['a request with a session answered with a login form (Facebook after /login.php) is forced_logout', { carriedSession: true, loginForm: true, errorMarker: true }, 'forced_logout'],
    ['a login form without a session is no failure', { loginForm: true }, undefined],
    ['Graph-API error 190 on a 400 with a session is forced_logout, not http_4xx', { status: 400, carriedSession: true, sessionErrorCode: true }, 'forced_logout'],
    ['a login answered with the login form again is login_rejected', { role: 'login', loginForm: true, sessionIssued: true }, 'login_rejected'],
    ['an expected second-factor challenge on a login step passes, even as a 400', { role: 'login', status: 400, challenge: true, challengeExpected: true }, undefined],
    ['a challenge where none is expected is login_challenge', { role: 'login', status: 400, challenge: true }, 'login_challenge'],
    ['a refused code (the second factor asked again) on the code step is login_challenge', { role: 'login', status: 400, challenge: true, sessionIssued: false }, 'login_challenge'],
    ['too many redirects is assertion_failed', { status: 302, tooManyRedirects: true }, 'assertion_failed'],
    ['too many redirects through the login page with a session is forced_logout', { status: 302, tooManyRedirects: true, carriedSession: true, redirectedToLogin: true }, 'forced_logout'],
    ['5xx with unmet expectations', { status: 502, unmet: ['assertion_failed'] }, 'http_5xx'],
  ];
  for (const [name, o, want] of cases) it(name, () => expect(classify(obs(o))).toBe(want));
});

describe('precedence: whenever two reasons apply, the earlier wins', () => {
  /** The smallest observation that yields each reason on its own. */
  const TRIGGERS: Record<Exclude<Reason, 'internal'>, Partial<Observation>> = {
    dns: { transport: 'dns' },
    connect_refused: { transport: 'connect_refused' },
    tls: { transport: 'tls' },
    timeout: { transport: 'timeout' },
    connection_reset: { transport: 'connection_reset' },
    body_too_large: { transport: 'body_too_large' },
    rate_limited: { status: 429 },
    http_5xx: { status: 500 },
    login_challenge: { role: 'login', challenge: true, sessionIssued: true },
    login_rejected: { role: 'login', loginRejectedMarker: true, sessionIssued: true },
    forced_logout: { role: 'request', carriedSession: true, logoutMarker: true },
    http_4xx: { status: 404 },
    error_page: { errorMarker: true },
    invalid_response: { unmet: ['invalid_response'] },
    feed_empty: { unmet: ['feed_empty'] },
    feed_stale: { unmet: ['feed_stale'] },
    assertion_failed: { unmet: ['assertion_failed'] },
  };
  const SINGLE = ['transport', 'status', 'role'] as const;
  const reasons = Object.keys(TRIGGERS) as Exclude<Reason, 'internal'>[];

  it('each trigger yields its reason alone', () => {
    for (const r of reasons) expect(classify(obs(TRIGGERS[r])), r).toBe(r);
  });

  it('every compatible pair yields the stronger reason', () => {
    let pairs = 0;
    for (const a of reasons) {
      for (const b of reasons) {
        const ta = TRIGGERS[a];
        const tb = TRIGGERS[b];
        if (a === b || SINGLE.some((k) => ta[k] !== undefined && tb[k] !== undefined && ta[k] !== tb[k])) continue;
        const merged = obs({ ...ta, ...tb, unmet: [...(ta.unmet ?? []), ...(tb.unmet ?? [])] });
        const want = reasonRank(a) < reasonRank(b) ? a : b;
        expect(classify(merged), `${a} + ${b}`).toBe(want);
        expect(strongestReason([a, b])).toBe(want);
        pairs++;
      }
    }
    expect(pairs).toBeGreaterThan(200);
  });
});
