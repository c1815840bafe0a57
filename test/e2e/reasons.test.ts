/**
 * Every SPEC failure reason, end to end: a real daemon (temp config) probing a scripted loopback
 * target; the reason is read back from `outpost_check_failures_total{…,reason}` on /metrics and
 * from the check's state and reason in /api/v1/status.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { REASONS, type Reason } from '../../src/reasons.js';
import { closedPort, closeTargets, reply, startTarget, type Routes } from '../support/targets.js';
import { opensslMissing, testCerts } from '../support/certs.js';
import { checkLabels, startOutpost, stopOutposts, type Outpost } from '../journey/daemon-harness.js';

afterEach(async () => {
  await stopOutposts();
  await closeTargets();
});

const ACCOUNT = { username: 'seller', password: 'pw-secret-1' };
const COOKIE_AUTH = { path: '/login', cookie: 'sid' };
const loginOk = reply.json(200, { ok: true }, { 'set-cookie': 'sid=s1; Path=/; HttpOnly' });
const fresh = () => new Date(Date.now() - 5_000).toISOString();

interface Case {
  name: string;
  reason: Reason;
  routes?: Routes;
  /** Base URL when not a plain HTTP target with `routes`. */
  baseUrl?: () => Promise<string>;
  /** The endpoint, minus baseUrl; its check `c` is the one under test. */
  endpoint: Record<string, unknown>;
  /** Runs before `c` (e.g. a login that creates the session). */
  before?: (o: Outpost) => Promise<void>;
  /** Switch the target after `before` (e.g. start rejecting the session). */
  routesAfter?: Routes;
}

const http = (path = '/x', more: Record<string, unknown> = {}) => ({ checks: { c: { type: 'http', path, ...more } } });
const feed = (more: Record<string, unknown> = {}) => ({ checks: { c: { type: 'feed', path: '/feed', items: 'items', timestamp: 'at', maxAge: '1m', ...more } } });
const withSession = (checks: Record<string, unknown>) => ({ account: ACCOUNT, auth: COOKIE_AUTH, checks: { login: { type: 'login' }, ...checks } });
const loginFirst = async (o: Outpost) => {
  const rec = await o.run('login');
  expect(rec.status.lastResult?.ok, 'the login before the test works').toBe(true);
};

const CASES: Case[] = [
  { name: 'dns: a name under .invalid', reason: 'dns', baseUrl: async () => 'http://no-such-host.outpost.invalid', endpoint: http() },
  { name: 'connect_refused: a port bound then closed', reason: 'connect_refused', baseUrl: async () => `http://127.0.0.1:${await closedPort()}`, endpoint: http() },
  { name: 'timeout: hang before headers', reason: 'timeout', routes: { '/x': reply.hang() }, endpoint: http('/x', { timeout: '1s' }) },
  { name: 'timeout: hang mid-body', reason: 'timeout', routes: { '/x': reply.hangMidBody() }, endpoint: http('/x', { timeout: '1s' }) },
  { name: 'connection_reset: socket destroyed mid-body', reason: 'connection_reset', routes: { '/x': reply.resetMidBody() }, endpoint: http() },
  {
    name: 'body_too_large: body over maxBodyBytes',
    reason: 'body_too_large',
    routes: { '/x': reply.text(200, 'x'.repeat(4096)) },
    endpoint: http('/x', { maxBodyBytes: '1KiB' }),
  },
  {
    name: 'body_too_large: a gzip bomb (small on the wire, inflates past the cap)',
    reason: 'body_too_large',
    routes: { '/x': reply.gzip(200, Buffer.alloc(1024 * 1024, 0x20), 'text/plain') },
    endpoint: http('/x', { maxBodyBytes: '64KiB' }),
  },
  { name: 'rate_limited: 429', reason: 'rate_limited', routes: { '/x': reply.status(429, { 'retry-after': '1' }) }, endpoint: http() },
  { name: 'http_5xx: 503', reason: 'http_5xx', routes: { '/x': reply.status(503) }, endpoint: http() },
  { name: 'http_5xx: a 5xx on a login', reason: 'http_5xx', routes: { '/login': reply.status(500) }, endpoint: withSession({ c: { type: 'login' } }) },
  {
    name: 'login_challenge: checkpoint answer',
    reason: 'login_challenge',
    routes: { '/login': reply.json(200, { error: 'checkpoint_required', checkpoint_url: '/checkpoint/1' }) },
    endpoint: withSession({ c: { type: 'login' } }),
  },
  {
    name: 'login_challenge: redirect to a two-factor page',
    reason: 'login_challenge',
    routes: { '/login': reply.redirect(302, '/two-factor?next=/', { 'set-cookie': 'pending=1' }) },
    endpoint: withSession({ c: { type: 'login' } }),
  },
  { name: 'login_rejected: 401 on login', reason: 'login_rejected', routes: { '/login': reply.json(401, { error: 'bad_password' }) }, endpoint: withSession({ c: { type: 'login' } }) },
  { name: 'login_rejected: 200 without a session issued', reason: 'login_rejected', routes: { '/login': reply.json(200, { ok: true }) }, endpoint: withSession({ c: { type: 'login' } }) },
  {
    name: 'forced_logout: 401 on a session that worked',
    reason: 'forced_logout',
    routes: { '/login': loginOk, '/me': reply.json(200, { id: 1 }) },
    endpoint: withSession({ c: { type: 'session', path: '/me' } }),
    before: loginFirst,
    routesAfter: { '/me': reply.json(401, { error: 'login_required' }) },
  },
  {
    name: 'forced_logout: redirect to /login',
    reason: 'forced_logout',
    routes: { '/login': loginOk, '/me': reply.json(200, { id: 1 }), 'GET /login': reply.html(200, '<form>log in</form>') },
    endpoint: withSession({ c: { type: 'session', path: '/me' } }),
    before: loginFirst,
    routesAfter: { '/me': reply.redirect(302, '/login?next=%2Fme') },
  },
  { name: 'http_4xx: 404', reason: 'http_4xx', routes: {}, endpoint: http('/nowhere') },
  {
    name: 'error_page: 200 HTML where JSON was expected',
    reason: 'error_page',
    routes: { '/feed': reply.html(200, '<html><body>Something went wrong. Please try again later.</body></html>') },
    endpoint: feed(),
  },
  { name: 'error_page: 200 JSON with an error marker', reason: 'error_page', routes: { '/x': reply.json(200, { error: 'Something went wrong' }) }, endpoint: http() },
  { name: 'invalid_response: truncated JSON', reason: 'invalid_response', routes: { '/feed': reply.text(200, '{"items": [{"at": 1', 'application/json') }, endpoint: feed() },
  {
    name: 'invalid_response: an expected field missing',
    reason: 'invalid_response',
    routes: { '/x': reply.json(200, { data: {} }) },
    endpoint: http('/x', { expect: { json: [{ path: 'data.viewer.id' }] } }),
  },
  { name: 'feed_empty: no items', reason: 'feed_empty', routes: { '/feed': reply.json(200, { items: [] }) }, endpoint: feed() },
  {
    name: 'feed_stale: newest item older than maxAge',
    reason: 'feed_stale',
    routes: { '/feed': reply.json(200, { items: [{ at: new Date(Date.now() - 3_600_000).toISOString() }, { at: '2020-01-01T00:00:00Z' }] }) },
    endpoint: feed(),
  },
  {
    name: 'assertion_failed: body must match',
    reason: 'assertion_failed',
    routes: { '/x': reply.text(200, 'hello world') },
    endpoint: http('/x', { expect: { bodyMatches: ['welcome back'] } }),
  },
];

async function expectFailure(o: Outpost, reason: Reason, check = 'c'): Promise<void> {
  const l = checkLabels(check);
  expect(await o.metric('outpost_check_failures_total', { ...l, reason })).toBe(1);
  for (const other of REASONS) if (other !== reason) expect(await o.metric('outpost_check_failures_total', { ...l, reason: other }), other).toBeUndefined();
  expect(await o.metric('outpost_check_up', l)).toBe(0);
  expect(await o.metric('outpost_check_runs_total', { ...l, result: 'failure' })).toBe(1);
  const s = await o.checkStatus(check);
  expect(s.state).toBe('down');
  expect(s.reason).toBe(reason);
  expect(s.lastResult?.reason).toBe(reason);
}

describe('every failure reason through a real daemon', () => {
  it('covers every SPEC reason except internal', () => {
    const covered = new Set(CASES.map((c) => c.reason));
    for (const r of ['tls'] as const) covered.add(r); // TLS cases below
    expect([...covered].sort()).toEqual(REASONS.filter((r) => r !== 'internal').sort());
  });

  for (const c of CASES) {
    it(c.name, async () => {
      const target = c.routes ? await startTarget({ routes: c.routes }) : undefined;
      const baseUrl = c.baseUrl ? await c.baseUrl() : target!.url;
      const o = await startOutpost({ endpoints: { ep: { baseUrl, ...c.endpoint } } });
      await c.before?.(o);
      for (const [k, h] of Object.entries(c.routesAfter ?? {})) target!.route(k, h);
      const rec = await o.run('c');
      expect(rec.status.lastResult?.reason, rec.status.lastResult?.error ?? '').toBe(c.reason);
      await expectFailure(o, c.reason);
    });
  }
});

describe.skipIf(opensslMissing)(`TLS${opensslMissing ? ` (${opensslMissing})` : ''}`, () => {
  const tlsCase = (name: string, pick: 'expired' | 'selfSigned' | 'wrongHost') =>
    it(`tls: ${name}`, async () => {
      const certs = testCerts();
      const target = await startTarget({ tls: certs[pick], routes: { '/x': reply.json(200, { ok: true }) } });
      const o = await startOutpost({ endpoints: { ep: { baseUrl: target.url, tls: { ca: certs.ca }, ...http() } } });
      await o.run('c');
      await expectFailure(o, 'tls');
    });
  tlsCase('expired certificate', 'expired');
  tlsCase('self-signed certificate', 'selfSigned');
  tlsCase('certificate for another host name', 'wrongHost');

  it('a valid certificate: success, expiry = notAfter, TLS phase timed (phases are metrics.detail: full)', async () => {
    const certs = testCerts();
    const target = await startTarget({ tls: certs.valid, routes: { '/x': reply.json(200, { ok: true }) } });
    const o = await startOutpost({ endpoints: { ep: { baseUrl: target.url, tls: { ca: certs.ca }, ...http() } }, top: { metrics: { detail: 'full' } } });
    const rec = await o.run('c');
    expect(rec.status.lastResult?.error ?? null).toBeNull();
    expect(rec.status.state).toBe('up');
    expect(await o.metric('outpost_tls_cert_expiry_timestamp_seconds', { group: 't', endpoint: 'ep', location: 'test' })).toBe(certs.valid.notAfter.getTime() / 1000);
    expect(await o.metric('outpost_check_phase_duration_seconds', { ...checkLabels('c'), phase: 'tls' })).toBeGreaterThan(0);
    expect(await o.metric('outpost_check_phase_duration_seconds', { ...checkLabels('c'), phase: 'connect' })).toBeGreaterThan(0);
  });

  it('insecureSkipVerify accepts a self-signed certificate', async () => {
    const certs = testCerts();
    const target = await startTarget({ tls: certs.selfSigned, routes: { '/x': reply.json(200, { ok: true }) } });
    const o = await startOutpost({ endpoints: { ep: { baseUrl: target.url, tls: { insecureSkipVerify: true }, ...http() } } });
    expect((await o.run('c')).status.state).toBe('up');
  });
});

describe('internal', () => {
  it('a bug thrown inside a run is counted as internal, and the daemon keeps working', async () => {
    const target = await startTarget({ routes: { '/x': reply.json(200, { ok: true }) } });
    const o = await startOutpost({ endpoints: { ep: { baseUrl: target.url, ...http() } } });
    const check = o.daemon.config().checks[0]!;
    // The same check whose steps blow up when read: a stand-in for any bug in the journey.
    const broken = Object.create(check, {
      steps: {
        get() {
          throw new TypeError('a bug');
        },
      },
    }) as typeof check;
    const rec = await o.daemon.runCheck(broken);
    expect(rec.status.lastResult?.reason).toBe('internal');
    await expectFailure(o, 'internal');
    // Still alive and running checks.
    expect((await fetch(`${o.daemon.server.url}/healthz`)).status).toBe(200);
    expect((await o.run('c')).status.lastResult?.ok).toBe(true);
  });
});
