import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_ACCOUNTS, type Simulator } from '../../src/simulator/index.js';
import { bearer, fakeClock, loginFacebook, loginInstagram, loginThreads, postJson, req, start } from './helpers.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

function expectNewestFirst(times: number[], now: number, everyMs: number) {
  expect(times.length).toBeGreaterThan(1);
  for (let i = 1; i < times.length; i++) expect(times[i - 1]!).toBeGreaterThan(times[i]!);
  expect(times[0]!).toBeLessThanOrEqual(now);
  expect(now - times[0]!).toBeLessThan(everyMs);
}

describe('facebook', () => {
  it('serves the login form at /login.php, with browser cookies but no session', async () => {
    sim = await start();
    const page = await req(`${sim.baseUrl('facebook')}/login.php`);
    expect(page.status).toBe(200);
    expect(page.headers.getSetCookie().map((c) => c.split('=')[0]).sort()).toEqual(['datr', 'fr', 'sb']);
    const text = await page.text();
    expect(text).toContain('action="/facebook/login.php');
    expect(text).toMatch(/<input type="text" name="email"/);
    expect(text).toMatch(/<input type="password" name="pass"/);
  });

  it('logs in with a form at /login.php, sets an HttpOnly session cookie and c_user and redirects home', async () => {
    sim = await start();
    const account = DEFAULT_ACCOUNTS.facebook[0]!;
    const res = await req(`${sim.baseUrl('facebook')}/login.php`, {
      method: 'POST',
      body: new URLSearchParams({ email: account.username, pass: account.password }),
    });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/facebook/home');
    const [session, cUser] = res.headers.getSetCookie();
    expect(session).toMatch(/^fb_session=[^;]+; Path=\/; HttpOnly$/);
    expect(cUser).toMatch(/^c_user=\d+; Path=\/; Max-Age=\d+$/);
    const home = await req(`${sim.url}/facebook/home`, { headers: { cookie: session!.split(';')[0]! } });
    expect(home.status).toBe(200);
  });

  it('a login sent with next= goes back there; /login still works as an alias', async () => {
    sim = await start();
    const next = encodeURIComponent(`${sim.url}/facebook/feed`);
    const res = await req(`${sim.baseUrl('facebook')}/login.php?next=${next}`, {
      method: 'POST',
      body: new URLSearchParams({ email: 'seller1@example.test', pass: 'fb-pass-1' }),
    });
    expect(res.headers.get('location')).toBe('/facebook/feed');
    const alias = await req(`${sim.baseUrl('facebook')}/login`, {
      method: 'POST',
      body: new URLSearchParams({ email: 'seller1@example.test', pass: 'fb-pass-1' }),
    });
    expect(alias.status).toBe(302);
  });

  it('accepts a JSON login too', async () => {
    sim = await start();
    const res = await postJson(`${sim.baseUrl('facebook')}/login`, { email: 'seller2@example.test', pass: 'fb-pass-2' });
    expect(res.status).toBe(302);
    expect(res.headers.get('set-cookie')).toMatch(/^fb_session=/);
  });

  it('answers bad credentials with the login page again, browser cookies (datr, fr) and no session', async () => {
    sim = await start();
    const res = await req(`${sim.baseUrl('facebook')}/login.php`, {
      method: 'POST',
      body: new URLSearchParams({ email: 'seller1@example.test', pass: 'wrong' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const names = res.headers.getSetCookie().map((c) => c.split('=')[0]);
    expect(names).toContain('datr');
    expect(names).toContain('fr');
    expect(names).not.toContain('fb_session');
    expect(names).not.toContain('c_user');
    const text = await res.text();
    expect(text).toContain("The password that you've entered is incorrect");
    expect(text).toMatch(/<input type="password" name="pass"/);
  });

  it('serves me and a newest-first feed to a live session', async () => {
    const clock = fakeClock();
    sim = await start({ now: clock.now, itemEverySeconds: 15 });
    const cookie = await loginFacebook(sim);
    const me = await req(`${sim.baseUrl('facebook')}/me`, { headers: { cookie } });
    expect(me.status).toBe(200);
    const meBody = (await me.json()) as { id: string; name: string };
    expect(meBody.id).toMatch(/^\d+$/);
    expect(meBody.name).toEqual(expect.any(String));

    const feed = await req(`${sim.baseUrl('facebook')}/feed`, { headers: { cookie } });
    expect(feed.status).toBe(200);
    const { data } = (await feed.json()) as { data: { id: string; created_time: string; message: string }[] };
    for (const item of data) {
      expect(item.created_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(item.message).not.toBe('');
    }
    expectNewestFirst(data.map((d) => Date.parse(d.created_time)), clock.now(), 15_000);
  });

  it('redirects to /login.php?next=<url-encoded URL> without a session; that page is the 200 login form', async () => {
    sim = await start();
    const me = await req(`${sim.baseUrl('facebook')}/me`);
    expect(me.status).toBe(302);
    expect(me.headers.get('location')).toBe(`/facebook/login.php?next=${encodeURIComponent(`${sim.url}/facebook/me`)}`);
    expect(me.headers.getSetCookie()).toEqual([]);
    const feed = await req(`${sim.baseUrl('facebook')}/feed`, { headers: { cookie: 'fb_session=made-up; c_user=1' } });
    expect(feed.status).toBe(302);
    expect(feed.headers.get('location')).toMatch(/^\/facebook\/login\.php\?next=http%3A%2F%2F/);
    expect(feed.headers.getSetCookie().map((c) => c.split(';')[0])).toEqual(['fb_session=deleted', 'c_user=deleted']);
    const page = await req(`${sim.url}${feed.headers.get('location')}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<form[^>]*>[\s\S]*<input type="password" name="pass"/);
  });
});

describe('instagram', () => {
  it('logs in, reads the current user and a newest-first timeline', async () => {
    const clock = fakeClock();
    sim = await start({ now: clock.now });
    const res = await postJson(`${sim.baseUrl('instagram')}/api/v1/accounts/login`, { username: 'seller_one', password: 'ig-pass-1' });
    expect(res.status).toBe(200);
    const login = (await res.json()) as { status: string; token: string; user: { username: string } };
    expect(login.status).toBe('ok');
    expect(login.user.username).toBe('seller_one');

    const user = await req(`${sim.baseUrl('instagram')}/api/v1/accounts/current_user`, bearer(login.token));
    expect(user.status).toBe(200);
    expect(await user.json()).toMatchObject({ status: 'ok', user: { username: 'seller_one' } });

    const feed = await req(`${sim.baseUrl('instagram')}/api/v1/feed/timeline`, bearer(login.token));
    expect(feed.status).toBe(200);
    const body = (await feed.json()) as { status: string; items: { id: string; taken_at: number; caption: string }[] };
    expect(body.status).toBe('ok');
    for (const item of body.items) expect(Number.isInteger(item.taken_at)).toBe(true);
    expectNewestFirst(body.items.map((i) => i.taken_at * 1000), clock.now(), 15_000);
  });

  it('refuses a bad password with 400 bad_password', async () => {
    sim = await start();
    const res = await postJson(`${sim.baseUrl('instagram')}/api/v1/accounts/login`, { username: 'seller_one', password: 'nope' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      message: 'The password you entered is incorrect. Please try again.',
      invalid_credentials: true,
      error_title: 'Incorrect Password',
      status: 'fail',
      error_type: 'bad_password',
    });
  });

  it('answers 403 login_required (logout_reason 2) to a missing or unknown token', async () => {
    sim = await start();
    for (const init of [{}, bearer('not-a-token')]) {
      const res = await req(`${sim.baseUrl('instagram')}/api/v1/feed/timeline`, init);
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ message: 'login_required', logout_reason: 2, status: 'fail' });
    }
  });
});

describe('threads', () => {
  it('logs in, reads me and a newest-first feed', async () => {
    const clock = fakeClock();
    sim = await start({ now: clock.now, sessionTtlSeconds: 600 });
    const res = await postJson(`${sim.baseUrl('threads')}/api/login`, { username: 'seller.one', password: 'th-pass-1' });
    expect(res.status).toBe(200);
    const login = (await res.json()) as { access_token: string; expires_in: number };
    expect(login.expires_in).toBe(600);

    const me = await req(`${sim.baseUrl('threads')}/api/me`, bearer(login.access_token));
    expect(await me.json()).toMatchObject({ id: expect.stringMatching(/^\d+$/), username: 'seller.one' });

    const feed = await req(`${sim.baseUrl('threads')}/api/feed`, bearer(login.access_token));
    const body = (await feed.json()) as { threads: { id: string; published_at: string; text: string }[] };
    expectNewestFirst(body.threads.map((t) => Date.parse(t.published_at)), clock.now(), 15_000);
  });

  it('refuses bad credentials with 400 bad_password and a bad token with 403 login_required', async () => {
    sim = await start();
    const res = await postJson(`${sim.baseUrl('threads')}/api/login`, { username: 'seller.one', password: 'x' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ status: 'fail', error_type: 'bad_password' });
    const feed = await req(`${sim.baseUrl('threads')}/api/feed`, bearer('bogus'));
    expect(feed.status).toBe(403);
    expect(await feed.json()).toMatchObject({ message: 'login_required', error_title: "You've Been Logged Out", logout_reason: 8, status: 'fail' });
  });
});

describe('common behaviour', () => {
  it('gives every platform several test accounts that log in', async () => {
    sim = await start();
    for (const platform of ['facebook', 'instagram', 'threads'] as const) expect(sim.accounts[platform].length).toBeGreaterThan(1);
    await loginFacebook(sim, 1);
    await loginInstagram(sim, 2);
    await loginThreads(sim, 1);
  });

  it('expires sessions after sessionTtlSeconds on the injected clock', async () => {
    const clock = fakeClock();
    sim = await start({ now: clock.now, sessionTtlSeconds: 60 });
    const cookie = await loginFacebook(sim);
    const ig = await loginInstagram(sim);
    const th = await loginThreads(sim);
    clock.advance(59_000);
    expect((await req(`${sim.baseUrl('facebook')}/me`, { headers: { cookie } })).status).toBe(200);
    expect((await req(`${sim.baseUrl('instagram')}/api/v1/accounts/current_user`, bearer(ig))).status).toBe(200);
    expect((await req(`${sim.baseUrl('threads')}/api/me`, bearer(th))).status).toBe(200);
    clock.advance(1_000);
    expect((await req(`${sim.baseUrl('facebook')}/me`, { headers: { cookie } })).status).toBe(302);
    expect((await req(`${sim.baseUrl('instagram')}/api/v1/accounts/current_user`, bearer(ig))).status).toBe(403);
    expect((await req(`${sim.baseUrl('threads')}/api/me`, bearer(th))).status).toBe(403);
  });

  it('adds a new feed item every itemEverySeconds', async () => {
    const clock = fakeClock(); // 15:00:00, a multiple of 10 s
    sim = await start({ now: clock.now, itemEverySeconds: 10 });
    const token = await loginThreads(sim);
    const read = async () =>
      ((await (await req(`${sim!.baseUrl('threads')}/api/feed`, bearer(token))).json()) as { threads: { id: string }[] }).threads;
    const before = await read();
    clock.advance(9_000);
    expect((await read())[0]!.id).toBe(before[0]!.id);
    clock.advance(1_000);
    const after = await read();
    expect(after[0]!.id).not.toBe(before[0]!.id);
    expect(after[1]!.id).toBe(before[0]!.id);
  });

  it('answers unknown paths with 404 JSON', async () => {
    sim = await start();
    for (const path of ['/nope', '/facebook/nope', '/instagram/api/v2/x', '/']) {
      const res = await req(`${sim.url}${path}`);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
      expect(await res.json()).toMatchObject({ error: 'not_found' });
    }
  });

  it('listens on 127.0.0.1 and builds base URLs per platform', async () => {
    sim = await start();
    expect(sim.url).toBe(`http://127.0.0.1:${sim.port}`);
    expect(sim.baseUrl('instagram')).toBe(`http://127.0.0.1:${sim.port}/instagram`);
  });
});
