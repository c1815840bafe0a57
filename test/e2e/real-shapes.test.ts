/**
 * Outpost against loopback servers in the real platforms' public shapes (test/support/shapes,
 * sources in SOURCES.md), configured as a user would from the docs: Facebook's redirect to
 * /login.php and its 200 login form, Instagram's and Threads' 403 `login_required`, the Graph
 * API's error 190, two-factor logins. Each journey runs through the real daemon's pipeline, in
 * an order the test decides (the scheduler is kept out with a far schedule).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { startOutpost, stopOutposts, type Outpost } from '../journey/daemon-harness.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import {
  FACEBOOK_ACCOUNT,
  GRAPH_TOKEN,
  INSTAGRAM_ACCOUNT,
  THREADS_ACCOUNT,
  startFacebookGraphShape,
  startFacebookShape,
  startInstagramShape,
  startThreadsShape,
  type LoginControl,
  type ShapeServer,
} from '../support/shapes/index.js';
import { waitFor } from '../support/wait.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await stopOutposts();
  await Promise.all(closers.splice(0).map((c) => c()));
});

type Shape = ShapeServer & LoginControl;

interface Platform {
  name: string;
  start(): Promise<Shape>;
  /** The endpoint, as a user writes it for this platform (checks added by the test). */
  endpoint(baseUrl: string): Record<string, unknown>;
  session: Record<string, unknown>;
  feed: Record<string, unknown>;
}

const PLATFORMS: Platform[] = [
  {
    name: 'facebook web',
    start: () => startFacebookShape(),
    endpoint: (baseUrl) => ({
      baseUrl,
      account: { ...FACEBOOK_ACCOUNT },
      auth: { path: '/login.php', format: 'form', body: { email: '{{username}}', pass: '{{password}}' }, cookie: 'c_user' },
    }),
    session: { type: 'session', path: '/me' },
    feed: { type: 'feed', path: '/feed', items: 'data', timestamp: 'created_time', maxAge: '1h' },
  },
  {
    name: 'instagram private API',
    start: () => startInstagramShape(),
    endpoint: (baseUrl) => ({
      baseUrl,
      account: { ...INSTAGRAM_ACCOUNT },
      auth: { path: '/api/v1/accounts/login/', format: 'form', cookie: 'sessionid' },
    }),
    session: { type: 'session', path: '/api/v1/accounts/current_user/' },
    feed: { type: 'feed', path: '/api/v1/feed/timeline/', items: 'feed_items', timestamp: 'media_or_ad.taken_at', maxAge: '1h' },
  },
  {
    name: 'threads app API',
    start: () => startThreadsShape(),
    endpoint: (baseUrl) => ({
      baseUrl,
      account: { ...THREADS_ACCOUNT },
      auth: { path: '/api/v1/accounts/login/', format: 'form', cookie: 'sessionid' },
    }),
    session: { type: 'session', path: '/api/v1/accounts/current_user/' },
    feed: { type: 'feed', path: '/api/v1/feed/text_post_app_timeline/', items: 'items', timestamp: 'thread_items[0].post.taken_at', maxAge: '1h' },
  },
];

async function started(p: Platform): Promise<Shape> {
  const s = await p.start();
  closers.push(() => s.close());
  return s;
}

async function receiver(): Promise<Receiver> {
  const r = await startReceiver(200);
  closers.push(() => r.close());
  return r;
}

const webhookBodies = (r: Receiver) => r.delivered().map((q) => JSON.parse(q.body) as { event: string; incident: Record<string, unknown> });

describe.each(PLATFORMS)('$name', (p) => {
  it('a one-time invalidation is forced_logout on the next session-carrying run, even when the login check runs first (20 of 20)', async () => {
    const shape = await started(p);
    const hook = await receiver();
    const o = await startOutpost({
      endpoints: { ep: { ...p.endpoint(shape.baseUrl), checks: { login: { type: 'login' }, session: p.session, feed: p.feed } } },
      defaults: { failureThreshold: 2 },
      top: { webhooks: [{ name: 'hook', url: hook.url, retries: 0 }], incidents: { groupWait: '0s' } },
    });
    const first = await o.run('session');
    expect(first.status.lastResult?.ok, first.status.lastResult?.error ?? '').toBe(true);
    const logins = shape.loginAttempts();

    const named: string[] = [];
    for (let i = 0; i < 20; i++) {
      shape.invalidateAllSessions();
      // The login check runs first: it proves a fresh login works and leaves the shared session alone.
      const login = await o.run('login');
      expect(login.status.lastResult?.ok, login.status.lastResult?.error ?? '').toBe(true);
      const carrier = i % 2 === 0 ? 'session' : 'feed';
      const rec = await o.run(carrier);
      named.push(rec.status.lastResult?.reason ?? 'ok');
      // Logging in again works: the other carrying check passes on a new session.
      const other = await o.run(carrier === 'session' ? 'feed' : 'session');
      expect(other.status.lastResult?.ok, other.status.lastResult?.error ?? '').toBe(true);
    }
    expect(named).toEqual(Array(20).fill('forced_logout'));
    // 20 login checks + 20 re-logins by the carrying checks: no more.
    expect(shape.loginAttempts() - logins).toBe(40);

    // No check went down (failureThreshold 2), yet it is news: one short incident, announced once.
    const { recent } = (await (await fetch(`${o.daemon.server.url}/api/v1/incidents`)).json()) as { recent: { reason: string; summary: string; status: string }[] };
    const logouts = recent.filter((i) => i.reason === 'forced_logout');
    expect(logouts.length).toBe(20);
    expect(logouts[0]!.summary).toMatch(/^t\/ep: users were logged out at \d\d:\d\d UTC; logging in again works$/);
    await waitFor(() => hook.delivered().length >= 2, 'the logout incident announced');
    const sent = webhookBodies(hook);
    expect(sent.map((b) => b.event)).toEqual(['incident.opened', 'incident.resolved']);
    expect(sent[0]!.incident).toMatchObject({ scope: 'check', reason: 'forced_logout', reasons: ['forced_logout'] });
  });

  it('logged out, then refused logins: one incident whose reasons are forced_logout then login_rejected, told in words', async () => {
    const shape = await started(p);
    const hook = await receiver();
    const o = await startOutpost({
      endpoints: { ep: { ...p.endpoint(shape.baseUrl), checks: { login: { type: 'login' }, session: p.session, feed: p.feed } } },
      defaults: { failureThreshold: 2 },
      top: { webhooks: [{ name: 'hook', url: hook.url, retries: 0 }], incidents: { groupWait: '0s' } },
    });
    expect((await o.run('feed')).status.lastResult?.ok).toBe(true);
    shape.invalidateAllSessions();
    shape.refuseLogins(true);
    await o.run('login'); // refused first, by chance of the schedule
    await o.run('feed'); // forced_logout
    await o.run('feed'); // login_rejected: down
    await o.run('login'); // down
    const feed = await o.run('feed');
    expect(feed.status).toMatchObject({ state: 'down', reason: 'login_rejected', reasons: ['forced_logout', 'login_rejected'] });
    await waitFor(() => webhookBodies(hook).some((b) => b.event === 'incident.opened' && (b.incident.scope === 'check' || b.incident.scope === 'group')), 'an incident opened');
    const opened = webhookBodies(hook).filter((b) => b.event === 'incident.opened' && b.incident.check === 'feed')[0] ?? webhookBodies(hook).find((b) => b.event === 'incident.opened')!;
    expect(opened.incident.reasons).toEqual(['forced_logout', 'login_rejected']);
    expect(String(opened.incident.summary)).toContain('users are logged out and cannot log back in');
    const page = await (await fetch(`${o.daemon.server.url}/`)).text();
    expect(page).toContain('users are logged out and cannot log back in');
  });

  it('the shared session survives a restart: no new login, still signed in', async () => {
    const shape = await started(p);
    const stateDir = join(mkdtempSync(join(tmpdir(), 'outpost-sessions-')), 'state');
    const spec = { endpoints: { ep: { ...p.endpoint(shape.baseUrl), checks: { session: p.session } } }, stateDir };
    const a = await startOutpost(spec);
    expect((await a.run('session')).status.lastResult?.ok).toBe(true);
    await a.stop();
    const file = join(stateDir, 'sessions.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const logins = shape.loginAttempts();
    const b: Outpost = await startOutpost(spec);
    expect((await b.run('session')).status.lastResult?.ok).toBe(true);
    expect(shape.loginAttempts()).toBe(logins);
    // The same session, older now: not a new one.
    expect(await b.metric('outpost_session_age_seconds', { endpoint: 'ep' })).toBeGreaterThan(0);
  });
});

describe('facebook web specifics', () => {
  it('the 302 to /login.php?next=… and the 200 login form behind it are forced_logout, with where it led in the message', async () => {
    const shape = await started(PLATFORMS[0]!);
    const o = await startOutpost({ endpoints: { ep: { ...PLATFORMS[0]!.endpoint(shape.baseUrl), checks: { session: { type: 'session', path: '/me' }, home: { type: 'http', path: '/home.php' } } } } });
    expect((await o.run('session')).status.lastResult?.ok).toBe(true);
    shape.invalidateAllSessions();
    const r = await o.run('home');
    expect(r.status.lastResult).toMatchObject({ ok: false, reason: 'forced_logout' });
    expect(r.status.lastResult?.error).toBe('302 on /home.php to /login.php: redirected to the login page');
  });

  it('a login answered with the login form again (200, wrong password) is login_rejected, though it sets cookies', async () => {
    const shape = await started(PLATFORMS[0]!);
    const o = await startOutpost({ endpoints: { ep: { ...PLATFORMS[0]!.endpoint(shape.baseUrl), auth: { path: '/login.php', format: 'form', body: { email: '{{username}}', pass: '{{password}}' } }, checks: { login: { type: 'login' } } } } });
    shape.refuseLogins(true);
    const r = await o.run('login');
    expect(r.status.lastResult).toMatchObject({ ok: false, reason: 'login_rejected', httpStatus: 200 });
  });

  it('a two-factor checkpoint: the right {{totp}} code logs in; a wrong secret or none is login_challenge; the secret is never shown', async () => {
    const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
    const shape = await started(PLATFORMS[0]!);
    shape.requireSecondFactor(SECRET);
    const hook = await receiver();
    const auth = {
      steps: [
        { path: '/login.php', form: { email: '{{username}}', pass: '{{password}}' } },
        { path: '/checkpoint/', form: { approvals_code: '{{totp}}' } },
      ],
      cookie: 'c_user',
    };
    const checks = { login: { type: 'login' }, session: { type: 'session', path: '/me' } };
    const ok = await startOutpost({ endpoints: { ep: { baseUrl: shape.baseUrl, account: { ...FACEBOOK_ACCOUNT, totp: SECRET }, auth, checks } }, top: { webhooks: [{ name: 'hook', url: hook.url, retries: 0 }] } });
    expect((await ok.run('login')).status.lastResult).toMatchObject({ ok: true });
    expect((await ok.run('session')).status.lastResult).toMatchObject({ ok: true });
    const surfaces = [await ok.metricsText(), JSON.stringify(await (await fetch(`${ok.daemon.server.url}/api/v1/status`)).json()), await (await fetch(`${ok.daemon.server.url}/`)).text()];
    const wrong = await startOutpost({ endpoints: { ep: { baseUrl: shape.baseUrl, account: { ...FACEBOOK_ACCOUNT, totp: 'KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU' }, auth, checks } } });
    const refused = await wrong.run('login');
    expect(refused.status.lastResult).toMatchObject({ ok: false, reason: 'login_challenge' });
    surfaces.push(JSON.stringify(await (await fetch(`${wrong.daemon.server.url}/api/v1/status`)).json()));
    const none = await startOutpost({ endpoints: { ep: { ...PLATFORMS[0]!.endpoint(shape.baseUrl), checks } } });
    expect((await none.run('login')).status.lastResult).toMatchObject({ ok: false, reason: 'login_challenge' });
    for (const text of [...surfaces, ...hook.requests.map((q) => q.body)]) expect(text).not.toContain(SECRET);
  });
});

describe('instagram two-factor login', () => {
  it('password, then two_factor_required (expected), then the code with the identifier extracted from the first answer', async () => {
    const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
    const shape = await started(PLATFORMS[1]!);
    shape.requireSecondFactor(SECRET);
    const auth = {
      steps: [
        { path: '/api/v1/accounts/login/', form: { username: '{{username}}', password: '{{password}}' }, extract: { id: { json: 'two_factor_info.two_factor_identifier' } } },
        { path: '/api/v1/accounts/two_factor_login/', form: { username: '{{username}}', verification_code: '{{totp}}', two_factor_identifier: '{{id}}' } },
      ],
      cookie: 'sessionid',
    };
    const checks = { login: { type: 'login' }, feed: PLATFORMS[1]!.feed };
    const o = await startOutpost({ endpoints: { ep: { baseUrl: shape.baseUrl, account: { ...INSTAGRAM_ACCOUNT, totp: SECRET }, auth, checks } } });
    expect((await o.run('login')).status.lastResult).toMatchObject({ ok: true });
    expect((await o.run('feed')).status.lastResult).toMatchObject({ ok: true });
    // The platform stops asking for the second factor (a trusted device): the login completes after the password.
    shape.requireSecondFactor(undefined);
    const trusted = (await o.run('login')).status.lastResult;
    expect(trusted, trusted?.error ?? '').toMatchObject({ ok: true });
    shape.requireSecondFactor(SECRET);
    const wrong = await startOutpost({ endpoints: { ep: { baseUrl: shape.baseUrl, account: { ...INSTAGRAM_ACCOUNT, totp: 'KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU' }, auth, checks } } });
    expect((await wrong.run('login')).status.lastResult).toMatchObject({ ok: false, reason: 'login_challenge' });
  });
});

describe('a preset token (Graph API)', () => {
  it('revoked → forced_logout (error 190), no login attempted, and it stays down until the config brings a new token', async () => {
    const graph = await startFacebookGraphShape();
    closers.push(() => graph.close());
    const o = await startOutpost({
      endpoints: { api: { baseUrl: `${graph.baseUrl}/v19.0`, auth: { bearer: GRAPH_TOKEN }, checks: { me: { type: 'session', path: '/me' }, feed: { type: 'feed', path: '/me/feed', items: 'data', timestamp: 'created_time', maxAge: '1h' } } } },
      defaults: { failureThreshold: 2 },
    });
    expect((await o.run('me')).status.lastResult, 'token accepted').toMatchObject({ ok: true });
    graph.revokeToken(463);
    const a = await o.run('me');
    expect(a.status.lastResult).toMatchObject({ ok: false, reason: 'forced_logout', httpStatus: 400 });
    expect(a.status.lastResult?.error).toContain('no login is attempted');
    const b = await o.run('me');
    expect(b.status).toMatchObject({ state: 'down', reason: 'forced_logout' });
    expect((await o.run('feed')).status.lastResult).toMatchObject({ reason: 'forced_logout' });
    expect(Object.keys(graph.counts()).filter((k) => /login|oauth/i.test(k))).toEqual([]);
    const surfaces = await o.metricsText();
    expect(surfaces).not.toContain(GRAPH_TOKEN);
  });
});

describe('rate limiting', () => {
  it('a 429 is not retried: its Retry-After rests the endpoint, shown in a metric', async () => {
    const { startTarget, reply, closeTargets } = await import('../support/targets.js');
    closers.push(closeTargets);
    const t = await startTarget({ routes: { '/x': reply.json(429, { message: 'Please wait a few minutes before you try again.' }, { 'retry-after': '120' }) } });
    const o = await startOutpost({ endpoints: { ep: { baseUrl: t.url, checks: { a: { type: 'http', path: '/x' }, b: { type: 'http', path: '/x' } } } }, defaults: { retries: 3 } });
    const before = Date.now();
    const a = await o.run('a');
    expect(a.status.lastResult).toMatchObject({ reason: 'rate_limited', attempts: 1 });
    expect(t.hits('/x')).toHaveLength(1);
    const until = (await o.metric('outpost_rate_limited_until_timestamp_seconds', { endpoint: 'ep' }))!;
    expect(until * 1000).toBeGreaterThanOrEqual(before + 119_000);
    expect(until * 1000).toBeLessThanOrEqual(Date.now() + 121_000);
    // The endpoint rests: the other check's run does not go out.
    await o.run('b');
    expect(t.hits('/x')).toHaveLength(1);
    const status = (await (await fetch(`${o.daemon.server.url}/api/v1/status`)).json()) as { groups: { endpoints: { name: string; rateLimitedUntil: string | null }[] }[] };
    expect(Date.parse(status.groups[0]!.endpoints[0]!.rateLimitedUntil ?? '')).toBe(until * 1000);
  });
});
