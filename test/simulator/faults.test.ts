import { afterEach, describe, expect, it } from 'vitest';
import type { Simulator } from '../../src/simulator/index.js';
import { bearer, fakeClock, loginFacebook, loginInstagram, loginThreads, postJson, req, start } from './helpers.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const s = () => sim!;
const fbMe = (cookie: string) => req(`${s().baseUrl('facebook')}/me`, { headers: { cookie } });
const igUser = (token: string) => req(`${s().baseUrl('instagram')}/api/v1/accounts/current_user`, bearer(token));
const thMe = (token: string) => req(`${s().baseUrl('threads')}/api/me`, bearer(token));
const thFeed = (token: string) => req(`${s().baseUrl('threads')}/api/feed`, bearer(token));

describe('forced_logout', () => {
  it('invalidates every live session when set; new logins succeed but their sessions are rejected on use', async () => {
    sim = await start();
    const cookie = await loginFacebook(sim);
    const other = await loginFacebook(sim, 1);
    const ig = await loginInstagram(sim);
    expect((await fbMe(cookie)).status).toBe(200);

    sim.setFaults('facebook', [{ type: 'forced_logout' }]);
    for (const c of [cookie, other]) {
      const res = await fbMe(c);
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe(`/facebook/login.php?next=${encodeURIComponent(`${s().url}/facebook/me`)}`);
    }
    expect((await igUser(ig)).status).toBe(200); // other platforms untouched

    const fresh = await loginFacebook(sim); // the login itself still works
    expect((await req(`${s().baseUrl('facebook')}/feed`, { headers: { cookie: fresh } })).status).toBe(302);

    sim.clearFaults();
    expect((await fbMe(cookie)).status).toBe(302); // invalidated sessions stay dead
    const after = await loginFacebook(sim);
    expect((await fbMe(after)).status).toBe(200);
  });

  it('kills sessions at the moment it is set, even ones not used while it was on', async () => {
    sim = await start();
    const ig = await loginInstagram(sim);
    const th = await loginThreads(sim);
    sim.setFaults('instagram', [{ type: 'forced_logout' }]);
    sim.clearFaults();
    expect((await igUser(ig)).status).toBe(403);
    expect((await thMe(th)).status).toBe(200);
  });

  it('rejects bearer sessions with 403 login_required on instagram and threads', async () => {
    sim = await start();
    const ig = await loginInstagram(sim);
    const th = await loginThreads(sim);
    sim.setFaults('instagram', [{ type: 'forced_logout' }]);
    sim.setFaults('threads', [{ type: 'forced_logout' }]);
    const igRes = await igUser(ig);
    expect(igRes.status).toBe(403);
    expect(await igRes.json()).toEqual({ message: 'login_required', logout_reason: 2, status: 'fail' });
    const res = await thFeed(th);
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({
      message: 'login_required',
      error_title: "You've Been Logged Out",
      error_body: 'Please log back in.',
      logout_reason: 8,
      status: 'fail',
    });
    const again = await loginThreads(sim);
    expect((await thMe(again)).status).toBe(403);
  });
});

describe('login faults', () => {
  it('login_refused refuses good credentials on every platform', async () => {
    sim = await start();
    for (const p of ['facebook', 'instagram', 'threads'] as const) sim.setFaults(p, [{ type: 'login_refused' }]);
    const fb = await req(`${sim.baseUrl('facebook')}/login.php`, {
      method: 'POST',
      body: new URLSearchParams({ email: 'seller1@example.test', pass: 'fb-pass-1' }),
    });
    expect(fb.status).toBe(200);
    const cookies = fb.headers.getSetCookie().map((c) => c.split('=')[0]);
    expect(cookies).not.toContain('fb_session');
    expect(cookies).not.toContain('c_user');
    expect(cookies).toContain('datr');
    const page = await fb.text();
    expect(page).toContain("The password that you've entered is incorrect");
    expect(page).toMatch(/<input type="password" name="pass"/);
    const ig = await postJson(`${sim.baseUrl('instagram')}/api/v1/accounts/login`, { username: 'seller_one', password: 'ig-pass-1' });
    expect(ig.status).toBe(400);
    expect(await ig.json()).toMatchObject({ status: 'fail', error_type: 'bad_password' });
    const th = await postJson(`${sim.baseUrl('threads')}/api/login`, { username: 'seller.one', password: 'th-pass-1' });
    expect(th.status).toBe(400);
    expect(await th.json()).toMatchObject({ status: 'fail', error_type: 'bad_password', invalid_credentials: true });
  });

  it('login_challenge demands a checkpoint instead of a session', async () => {
    sim = await start();
    for (const p of ['facebook', 'instagram', 'threads'] as const) sim.setFaults(p, [{ type: 'login_challenge' }]);
    const fb = await req(`${sim.baseUrl('facebook')}/login.php`, {
      method: 'POST',
      body: new URLSearchParams({ email: 'seller1@example.test', pass: 'fb-pass-1' }),
    });
    expect(fb.status).toBe(302);
    const location = fb.headers.get('location') ?? '';
    expect(location).toBe(`/facebook/checkpoint/?next=${encodeURIComponent(`${sim.url}/facebook/home`)}`);
    expect(fb.headers.getSetCookie().map((c) => c.split('=')[0])).not.toContain('fb_session');
    const page = await req(`${sim.url}${location}`);
    expect(page.status).toBe(200);
    const text = await page.text();
    expect(text).toContain('Confirm your identity');
    expect(text).toContain('name="approvals_code"');
    const code = await req(`${sim.url}/facebook/checkpoint/`, { method: 'POST', body: new URLSearchParams({ approvals_code: '123456' }) });
    expect(code.status).toBe(200);
    expect(await code.text()).toContain("The login code you entered doesn't match");
    const ig = await postJson(`${sim.baseUrl('instagram')}/api/v1/accounts/login`, { username: 'seller_one', password: 'ig-pass-1' });
    expect(ig.status).toBe(400);
    expect(await ig.json()).toMatchObject({ status: 'fail', message: 'challenge_required', challenge: { url: expect.any(String) } });
    const th = await postJson(`${sim.baseUrl('threads')}/api/login`, { username: 'seller.one', password: 'th-pass-1' });
    expect(th.status).toBe(400);
    expect(await th.json()).toMatchObject({ status: 'fail', message: 'challenge_required', error_type: 'checkpoint_challenge_required' });
  });
});

describe('feed faults', () => {
  it('feed_empty answers with zero items on every platform', async () => {
    sim = await start();
    const cookie = await loginFacebook(sim);
    const ig = await loginInstagram(sim);
    const th = await loginThreads(sim);
    for (const p of ['facebook', 'instagram', 'threads'] as const) sim.setFaults(p, [{ type: 'feed_empty' }]);
    expect(await (await req(`${sim.baseUrl('facebook')}/feed`, { headers: { cookie } })).json()).toEqual({ data: [] });
    expect(await (await req(`${sim.baseUrl('instagram')}/api/v1/feed/timeline`, bearer(ig))).json()).toEqual({ status: 'ok', items: [] });
    expect(await (await thFeed(th)).json()).toEqual({ threads: [] });
    expect((await thMe(th)).status).toBe(200); // me is not a feed
  });

  it('feed_stale freezes the newest item at the moment it was set minus ageSeconds', async () => {
    const clock = fakeClock();
    sim = await start({ now: clock.now, itemEverySeconds: 15 });
    const ig = await loginInstagram(sim);
    const timeline = async () =>
      ((await (await req(`${s().baseUrl('instagram')}/api/v1/feed/timeline`, bearer(ig))).json()) as { items: { taken_at: number }[] })
        .items;
    const setAt = clock.now();
    sim.setFaults('instagram', [{ type: 'feed_stale', ageSeconds: 900 }]);
    const frozen = await timeline();
    expect(frozen.length).toBeGreaterThan(0);
    expect(frozen[0]!.taken_at * 1000).toBeLessThanOrEqual(setAt - 900_000);
    expect(frozen[0]!.taken_at * 1000).toBeGreaterThan(setAt - 900_000 - 15_000);
    clock.advance(300_000);
    expect((await timeline())[0]).toEqual(frozen[0]);
    sim.clearFaults();
    expect((await timeline())[0]!.taken_at * 1000).toBeGreaterThan(clock.now() - 15_000);
  });
});

describe('answer faults', () => {
  it('error_page answers feed and me with a 200 HTML error page, login untouched', async () => {
    sim = await start();
    const th = await loginThreads(sim);
    sim.setFaults('threads', [{ type: 'error_page' }]);
    for (const res of [await thFeed(th), await thMe(th)]) {
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      const text = await res.text();
      expect(text).toContain('Something went wrong');
      expect(text).toContain('Please try again later');
    }
    await loginThreads(sim);
  });

  it('error_page can be pointed at login', async () => {
    sim = await start();
    sim.setFaults('instagram', [{ type: 'error_page', routes: ['login'] }]);
    const res = await postJson(`${sim.baseUrl('instagram')}/api/v1/accounts/login`, { username: 'seller_one', password: 'ig-pass-1' });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Something went wrong');
  });

  it('http_5xx answers 503 by default or the given status', async () => {
    sim = await start();
    sim.setFaults('facebook', [{ type: 'http_5xx' }]);
    expect((await req(`${sim.baseUrl('facebook')}/me`)).status).toBe(503);
    sim.setFaults('facebook', [{ type: 'http_5xx', status: 502, routes: ['login'] }]);
    const login = await req(`${sim.baseUrl('facebook')}/login`, { method: 'POST', body: new URLSearchParams({ email: 'a', pass: 'b' }) });
    expect(login.status).toBe(502);
    expect((await req(`${sim.baseUrl('facebook')}/me`)).status).toBe(302);
  });

  it('rate_limited answers 429 with Retry-After: 1', async () => {
    sim = await start();
    const th = await loginThreads(sim);
    sim.setFaults('threads', [{ type: 'rate_limited' }]);
    const res = await thFeed(th);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
  });

  it('invalid_json answers 200 application/json with a truncated body', async () => {
    sim = await start();
    const ig = await loginInstagram(sim);
    sim.setFaults('instagram', [{ type: 'invalid_json' }]);
    const res = await req(`${sim.baseUrl('instagram')}/api/v1/feed/timeline`, bearer(ig));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const text = await res.text();
    expect(text.startsWith('{"status":"ok","items":[')).toBe(true);
    expect(() => JSON.parse(text)).toThrow();
  });
});

describe('transport faults', () => {
  it('slow delays the answer past a short client timeout', async () => {
    sim = await start();
    const th = await loginThreads(sim);
    sim.setFaults('threads', [{ type: 'slow', ms: 3000 }]);
    const err = await fetch(`${sim.baseUrl('threads')}/api/me`, { ...bearer(th), signal: AbortSignal.timeout(200) }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('TimeoutError');
    sim.clearFaults();
    expect((await thMe(th)).status).toBe(200);
  });

  it('hang never answers; the client timeout ends it', async () => {
    sim = await start();
    sim.setFaults('instagram', [{ type: 'hang' }]);
    const err = await fetch(`${sim.baseUrl('instagram')}/api/v1/feed/timeline`, { signal: AbortSignal.timeout(300) }).catch((e: Error) => e);
    expect((err as Error).name).toBe('TimeoutError');
    sim.clearFaults();
    expect((await req(`${sim.baseUrl('instagram')}/api/v1/feed/timeline`)).status).toBe(403);
  });

  it('close() does not wait for a hanging request: it drops the connection', async () => {
    sim = await start();
    sim.setFaults('threads', [{ type: 'hang', routes: ['login'] }]);
    const pending = postJson(`${sim.baseUrl('threads')}/api/login`, { username: 'seller.one', password: 'th-pass-1' }).catch((e: Error) => e);
    await new Promise((r) => setTimeout(r, 100)); // let the request reach the server
    await sim.close();
    sim = undefined;
    const err = await pending;
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).not.toBe('TimeoutError');
  });

  it('reset sends headers and part of the body, then drops the socket', async () => {
    sim = await start();
    const cookie = await loginFacebook(sim);
    sim.setFaults('facebook', [{ type: 'reset' }]);
    const res = await req(`${sim.baseUrl('facebook')}/feed`, { headers: { cookie } });
    expect(res.status).toBe(200);
    expect(Number(res.headers.get('content-length'))).toBeGreaterThan(16);
    await expect(res.text()).rejects.toThrow();
  });

  it('huge_body streams exactly the given number of bytes', async () => {
    sim = await start();
    sim.setFaults('threads', [{ type: 'huge_body', bytes: 1024 * 1024 + 7 }]);
    const res = await req(`${sim.baseUrl('threads')}/api/feed`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBeNull();
    expect((await res.arrayBuffer()).byteLength).toBe(1024 * 1024 + 7);
  });

  it('huge_body (20 MiB by default) can be cut off by a client that caps the size', async () => {
    sim = await start();
    sim.setFaults('instagram', [{ type: 'huge_body' }]);
    expect(sim.faults().instagram[0]!.bytes).toBe(20 * 1024 * 1024);
    const cap = 1024 * 1024;
    const controller = new AbortController();
    const res = await fetch(`${sim.baseUrl('instagram')}/api/v1/feed/timeline`, { signal: controller.signal });
    const reader = res.body!.getReader();
    let received = 0;
    while (received <= cap) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value.byteLength;
    }
    controller.abort();
    expect(received).toBeGreaterThan(cap);
    expect(received).toBeLessThan(20 * 1024 * 1024);
    sim.clearFaults();
    expect((await req(`${sim.baseUrl('instagram')}/api/v1/feed/timeline`)).status).toBe(403);
  });
});
