/**
 * Sessions and retries end to end: a real daemon against a scripted loopback platform that issues
 * sessions (cookie or bearer token), accepts or rejects them, and redirects across hosts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { closeTargets, reply, startTarget, type Handler, type Recorded, type Target } from '../support/targets.js';
import { checkLabels, startOutpost, stopOutposts, type Outpost } from '../journey/daemon-harness.js';

afterEach(async () => {
  await stopOutposts();
  await closeTargets();
});

const ACCOUNT = { username: 'seller', password: 'pw-secret-1' };

/**
 * A platform: POST /login issues a new session per login (cookie `sid` or a bearer token);
 * GET /me and /feed answer 200 to a live session and 401 otherwise. `revoke()` kills every
 * session issued so far (the 5 March case); `login` can be replaced to refuse logins.
 */
async function startPlatform(kind: 'cookie' | 'bearer') {
  const live = new Set<string>();
  let n = 0;
  const sessionOf = (q: Recorded): string | undefined =>
    kind === 'cookie' ? /(?:^|;\s*)sid=([^;]+)/.exec(q.headers.cookie ?? '')?.[1] : /^Bearer (.+)$/.exec(q.headers.authorization ?? '')?.[1];
  const issue: Handler = (q, res, raw) => {
    const id = `s${++n}`;
    live.add(id);
    if (kind === 'cookie') reply.json(200, { ok: true }, { 'set-cookie': `sid=${id}; Path=/; HttpOnly` })(q, res, raw);
    else reply.json(200, { access_token: id })(q, res, raw);
  };
  const guarded =
    (ok: Handler): Handler =>
    (q, res, raw) => {
      const s = sessionOf(q);
      return s && live.has(s) ? ok(q, res, raw) : reply.json(401, { error: 'login_required' })(q, res, raw);
    };
  const target = await startTarget({
    routes: {
      'POST /login': issue,
      '/me': guarded(reply.json(200, { id: 42 })),
      '/feed': guarded(reply.json(200, { items: [{ at: new Date().toISOString() }] })),
    },
  });
  return {
    target,
    logins: () => target.hits('/login', 'POST').length,
    revoke: () => live.clear(),
    refuseLogins: () => target.route('POST /login', reply.json(401, { error: 'invalid_credentials' })),
    acceptLogins: () => target.route('POST /login', issue),
  };
}

function endpoint(t: Target, kind: 'cookie' | 'bearer', checks: Record<string, unknown>) {
  const auth = kind === 'cookie' ? { path: '/login', cookie: 'sid' } : { path: '/login', token: 'access_token' };
  return { ep: { baseUrl: t.url, account: ACCOUNT, auth, checks } };
}

const CHECKS = {
  login: { type: 'login' },
  session: { type: 'session', path: '/me' },
  feed: { type: 'feed', path: '/feed', items: 'items', timestamp: 'at', maxAge: '1m' },
};

const failures = (o: Outpost, check: string, reason: string) => o.metric('outpost_check_failures_total', { ...checkLabels(check), reason });
const attempts = async (o: Outpost, check: string) => (await o.metric('outpost_check_attempts_total', checkLabels(check))) ?? 0;
/** Requests are counted in outpost_check_attempts_total, a series of `metrics: { detail: full }`. */
const startOutpostFull = (opts: Parameters<typeof startOutpost>[0]) => startOutpost({ ...opts, top: { metrics: { detail: 'full' }, ...opts.top } });

describe('forced logout and logging in again', () => {
  it('a good session then rejected: forced_logout; the session is dropped and the next run logs in again', async () => {
    const p = await startPlatform('cookie');
    const o = await startOutpostFull({ endpoints: endpoint(p.target, 'cookie', CHECKS) });

    expect((await o.run('session')).status.lastResult?.ok).toBe(true);
    expect(p.logins()).toBe(1);
    expect((await o.run('session')).status.lastResult?.ok, 'the session is reused').toBe(true);
    expect(p.logins()).toBe(1);
    expect(await o.metric('outpost_session_age_seconds', { group: 't', endpoint: 'ep', location: 'test' })).toBeGreaterThanOrEqual(0);

    p.revoke();
    const rec = await o.run('session');
    expect(rec.status.lastResult?.reason).toBe('forced_logout');
    expect(rec.status.lastResult?.attempts, 'forced_logout is never retried').toBe(1);
    expect(await failures(o, 'session', 'forced_logout')).toBe(1);
    expect((await o.checkStatus('session')).reason).toBe('forced_logout');
    expect(p.logins(), 'no login inside the failing run').toBe(1);
    expect((await o.checkStatus('session')).lastResult?.error).not.toContain('s1');

    const again = await o.run('session');
    expect(again.status.lastResult?.ok).toBe(true);
    expect(p.logins(), 'the next run logged in again').toBe(2);
    expect((await o.checkStatus('session')).state).toBe('up');
  });

  it('when logging in again fails, the reason is the login\'s (login_rejected), not forced_logout', async () => {
    const p = await startPlatform('cookie');
    const o = await startOutpostFull({ endpoints: endpoint(p.target, 'cookie', CHECKS) });
    expect((await o.run('session')).status.lastResult?.ok).toBe(true);
    p.revoke();
    p.refuseLogins();
    expect((await o.run('session')).status.lastResult?.reason).toBe('forced_logout');
    const rec = await o.run('session');
    expect(rec.status.lastResult?.reason).toBe('login_rejected');
    expect(p.logins()).toBe(2);
    expect(await failures(o, 'session', 'login_rejected')).toBe(1);
    expect((await o.checkStatus('session')).reason).toBe('login_rejected');
    // The rejected login leaves no session behind: the run after logs in again.
    p.acceptLogins();
    expect((await o.run('session')).status.lastResult?.ok).toBe(true);
    expect(p.logins()).toBe(3);
  });

  it('a forced logout seen by the feed drops the session for the session check too', async () => {
    const p = await startPlatform('cookie');
    const o = await startOutpostFull({ endpoints: endpoint(p.target, 'cookie', CHECKS) });
    expect((await o.run('login')).status.lastResult?.ok).toBe(true);
    p.revoke();
    expect((await o.run('feed')).status.lastResult?.reason).toBe('forced_logout');
    expect((await o.run('session')).status.lastResult?.ok).toBe(true);
    expect(p.logins()).toBe(2);
  });
});

describe('feed and session checks log in first when there is no session', () => {
  for (const check of ['feed', 'session'] as const) {
    it(check, async () => {
      const p = await startPlatform('cookie');
      const o = await startOutpostFull({ endpoints: endpoint(p.target, 'cookie', CHECKS) });
      const rec = await o.run(check);
      expect(rec.status.lastResult?.ok, rec.status.lastResult?.error ?? '').toBe(true);
      expect(p.logins()).toBe(1);
      expect(p.target.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /login', `GET /${check === 'feed' ? 'feed' : 'me'}`]);
      // The login inside the run is counted among the run's attempts.
      expect(await attempts(o, check)).toBe(2);
    });
  }
});

describe('cookies vs bearer token', () => {
  it('cookie sessions are sent as Cookie, never as Authorization', async () => {
    const p = await startPlatform('cookie');
    const o = await startOutpostFull({ endpoints: endpoint(p.target, 'cookie', CHECKS) });
    expect((await o.run('session')).status.lastResult?.ok).toBe(true);
    const me = p.target.hits('/me')[0]!;
    expect(me.headers.cookie).toBe('sid=s1');
    expect(me.headers.authorization).toBeUndefined();
    const login = p.target.hits('/login')[0]!;
    expect(JSON.parse(login.body)).toEqual(ACCOUNT);
    expect(login.headers.cookie).toBeUndefined();
  });

  it('bearer sessions are sent as Authorization: Bearer', async () => {
    const p = await startPlatform('bearer');
    const o = await startOutpostFull({ endpoints: endpoint(p.target, 'bearer', CHECKS) });
    expect((await o.run('feed')).status.lastResult?.ok).toBe(true);
    const feed = p.target.hits('/feed')[0]!;
    expect(feed.headers.authorization).toBe('Bearer s1');
    expect(feed.headers.cookie).toBeUndefined();
    p.revoke();
    expect((await o.run('feed')).status.lastResult?.reason).toBe('forced_logout');
  });

  it('a bearer login answer without the token is login_rejected', async () => {
    const p = await startPlatform('bearer');
    p.target.route('POST /login', reply.json(200, { ok: true }));
    const o = await startOutpostFull({ endpoints: endpoint(p.target, 'bearer', CHECKS) });
    expect((await o.run('feed')).status.lastResult?.reason).toBe('login_rejected');
    expect(p.target.hits('/feed')).toHaveLength(0);
  });
});

describe('credentials never go to another host on a cross-host redirect', () => {
  for (const kind of ['cookie', 'bearer'] as const) {
    it(`${kind}: neither Cookie nor Authorization reaches the other host`, async () => {
      const other = await startTarget({ routes: { '/elsewhere': reply.json(200, { id: 42 }) } });
      const p = await startPlatform(kind);
      p.target.route('/me', reply.redirect(302, `${other.url}/elsewhere`));
      const o = await startOutpostFull({ endpoints: endpoint(p.target, kind, { ...CHECKS, session: { type: 'session', path: '/me', headers: { 'x-api-key': 'k-secret-9' } } }) });
      const rec = await o.run('session');
      expect(rec.status.lastResult?.ok, rec.status.lastResult?.error ?? '').toBe(true);
      const there = other.hits('/elsewhere');
      expect(there).toHaveLength(1);
      expect(there[0]!.headers.cookie).toBeUndefined();
      expect(there[0]!.headers.authorization).toBeUndefined();
      expect(JSON.stringify(there[0]!.headers)).not.toContain('s1');
    });
  }

  it('a 307 redirect of the login to another host is not followed (the password stays home)', async () => {
    const other = await startTarget({ routes: { '/login': reply.json(200, { ok: true }, { 'set-cookie': 'sid=evil' }) } });
    const p = await startPlatform('cookie');
    p.target.route('POST /login', reply.redirect(307, `${other.url}/login`));
    const o = await startOutpostFull({ endpoints: endpoint(p.target, 'cookie', CHECKS) });
    expect((await o.run('login')).status.lastResult?.reason).toBe('login_rejected');
    expect(other.requests).toHaveLength(0);
  });
});

describe('retries', () => {
  it('503 twice then 200: the run succeeds and the three requests are counted', async () => {
    const t = await startTarget({ routes: { '/x': [reply.status(503), reply.status(503), reply.json(200, { ok: true })] } });
    const o = await startOutpostFull({ endpoints: { ep: { baseUrl: t.url, checks: { c: { type: 'http', path: '/x', retries: 2 } } } } });
    const rec = await o.run('c');
    expect(rec.status.lastResult?.ok).toBe(true);
    expect(t.hits('/x')).toHaveLength(3);
    expect(await attempts(o, 'c')).toBe(3);
    expect(await o.metric('outpost_check_runs_total', { ...checkLabels('c'), result: 'success' })).toBe(1);
    expect(await failures(o, 'c', 'http_5xx')).toBeUndefined();
  });

  it('retries give up after `retries`: 503 three times is http_5xx with 3 attempts', async () => {
    const t = await startTarget({ routes: { '/x': reply.status(503) } });
    const o = await startOutpostFull({ endpoints: { ep: { baseUrl: t.url, checks: { c: { type: 'http', path: '/x', retries: 2 } } } } });
    expect((await o.run('c')).status.lastResult?.reason).toBe('http_5xx');
    expect(t.hits('/x')).toHaveLength(3);
    expect(await attempts(o, 'c')).toBe(3);
  });

  const never: [string, Record<string, Handler>, string][] = [
    ['feed_empty', { '/feed': reply.json(200, { items: [] }) }, 'feed'],
    ['feed_stale', { '/feed': reply.json(200, { items: [{ at: '2020-01-01T00:00:00Z' }] }) }, 'feed'],
    ['error_page', { '/feed': reply.html(200, '<h1>Something went wrong</h1>') }, 'feed'],
    ['login_rejected', { 'POST /login': reply.json(401, {}) }, 'login'],
    ['login_challenge', { 'POST /login': reply.json(200, { error: 'checkpoint_required' }) }, 'login'],
    ['http_4xx', { '/feed': reply.status(404) }, 'feed'],
  ];
  for (const [reason, routes, path] of never) {
    it(`${reason} is never retried (1 attempt)`, async () => {
      const t = await startTarget({ routes });
      const checks =
        path === 'login'
          ? { c: { type: 'login', retries: 3 } }
          : { c: { type: 'feed', path: '/feed', items: 'items', timestamp: 'at', maxAge: '1m', retries: 3 } };
      const o = await startOutpostFull({ endpoints: { ep: { baseUrl: t.url, ...(path === 'login' ? { account: ACCOUNT, auth: { path: '/login', cookie: 'sid' } } : {}), checks } } });
      const rec = await o.run('c');
      expect(rec.status.lastResult?.reason).toBe(reason);
      expect(t.requests).toHaveLength(1);
      expect(await attempts(o, 'c')).toBe(1);
    });
  }

  it('a session sent to a checkpoint page (which answers 200) is login_challenge, not a success', async () => {
    const p = await startPlatform('cookie');
    const o = await startOutpostFull({ endpoints: endpoint(p.target, 'cookie', CHECKS) });
    await o.run('login');
    p.target.route('/me', reply.redirect(302, '/checkpoint/?next=%2Fme'));
    p.target.route('/checkpoint/', reply.html(200, '<h1>Confirm your identity</h1>'));
    const rec = await o.run('session');
    expect(rec.status.lastResult?.reason).toBe('login_challenge');
    expect(await failures(o, 'session', 'login_challenge')).toBe(1);
  });

  it('forced_logout is never retried (1 attempt)', async () => {
    const p = await startPlatform('cookie');
    const o = await startOutpostFull({ endpoints: endpoint(p.target, 'cookie', { ...CHECKS, session: { ...CHECKS.session, retries: 3 } }) });
    await o.run('login');
    p.revoke();
    expect((await o.run('session')).status.lastResult?.reason).toBe('forced_logout');
    expect(p.target.hits('/me')).toHaveLength(1);
    expect(await attempts(o, 'session')).toBe(1);
  });
});
