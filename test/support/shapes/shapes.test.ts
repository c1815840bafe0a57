/** The shape servers answer like the real platforms: plain fetch against each, no Outpost code involved. */
import { afterEach, describe, expect, it } from 'vitest';
import {
  FACEBOOK_ACCOUNT,
  FACEBOOK_BAD_CODE,
  GRAPH_TOKEN,
  INSTAGRAM_ACCOUNT,
  THREADS_ACCOUNT,
  startFacebookGraphShape,
  startFacebookShape,
  startInstagramShape,
  startThreadsShape,
  totpCode,
  verifyTotp,
  type ShapeServer,
} from './index.js';

const SECRET = 'JBSWY3DPEHPK3PXP';
const servers: ShapeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function track<T extends ShapeServer>(server: Promise<T>): Promise<T> {
  const s = await server;
  servers.push(s);
  return s;
}

/** name → value of every cookie a response sets (deleted ones included, value `deleted`). */
function setCookies(res: Response): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of res.headers.getSetCookie()) {
    const first = line.split(';')[0] ?? '';
    const eq = first.indexOf('=');
    out[first.slice(0, eq)] = first.slice(eq + 1);
  }
  return out;
}

class Jar {
  private readonly cookies = new Map<string, string>();
  take(res: Response): Response {
    for (const [name, value] of Object.entries(setCookies(res))) {
      if (value === 'deleted') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set('cookie', this.header());
    return this.take(await fetch(url, { ...init, headers, redirect: 'manual' }));
  }
  form(url: string, fields: Record<string, string>): Promise<Response> {
    return this.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  }
}

describe('TOTP (RFC 6238)', () => {
  it('matches the RFC test vectors (SHA1, last 6 digits) and accepts ±1 step only', () => {
    const rfcSecret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'; // "12345678901234567890"
    expect(totpCode(rfcSecret, 59_000)).toBe('287082');
    expect(totpCode(rfcSecret, 1111111109_000)).toBe('081804');
    expect(totpCode(rfcSecret, 1234567890_000)).toBe('005924');
    const now = 1_700_000_000_000;
    expect(verifyTotp(rfcSecret, totpCode(rfcSecret, now - 30_000), now)).toBe(true);
    expect(verifyTotp(rfcSecret, totpCode(rfcSecret, now + 30_000), now)).toBe(true);
    expect(verifyTotp(rfcSecret, totpCode(rfcSecret, now - 90_000), now)).toBe(false);
    expect(verifyTotp(rfcSecret, 'abcdef', now)).toBe(false);
  });
});

describe('facebook web shape', () => {
  const creds = { email: FACEBOOK_ACCOUNT.username, pass: FACEBOOK_ACCOUNT.password };

  it('login page sets datr/fr/sb but no session; login sets c_user + xs; feed loads', async () => {
    const fb = await track(startFacebookShape());
    const jar = new Jar();
    const page = await jar.fetch(`${fb.baseUrl}/login.php`);
    expect(page.status).toBe(200);
    const body = await page.text();
    expect(body).toContain('<input type="password" class="inputtext" name="pass"');
    expect(body).toContain('name="email"');
    expect(Object.keys(setCookies(page)).sort()).toEqual(['datr', 'fr', 'sb']);

    const login = await jar.form(`${fb.baseUrl}/login.php?login_attempt=1`, creds);
    expect(login.status).toBe(302);
    expect(login.headers.get('location')).toBe('/home.php');
    expect(setCookies(login)).toHaveProperty('c_user');
    expect(setCookies(login)).toHaveProperty('xs');

    const feed = await jar.fetch(`${fb.baseUrl}/feed`);
    expect(feed.status).toBe(200);
    const data = ((await feed.json()) as { data: { created_time: string }[] }).data;
    expect(data).toHaveLength(10);
    expect(data[0]?.created_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$/);
    expect(Date.now() - Date.parse(data[0]?.created_time ?? '')).toBeLessThan(20_000);
    expect((await jar.fetch(`${fb.baseUrl}/me`)).status).toBe(200);
  });

  it('after invalidateAllSessions the session is redirected to /login.php?next=… whose page is a 200 login form; a new login works', async () => {
    const fb = await track(startFacebookShape());
    const jar = new Jar();
    await jar.form(`${fb.baseUrl}/login.php`, creds);
    fb.invalidateAllSessions();
    const feed = await jar.fetch(`${fb.baseUrl}/feed?limit=5`);
    expect(feed.status).toBe(302);
    const location = feed.headers.get('location') ?? '';
    expect(location).toBe(`/login.php?next=${encodeURIComponent(`${fb.baseUrl}/feed?limit=5`)}`);
    expect(setCookies(feed)).toMatchObject({ c_user: 'deleted', xs: 'deleted' });
    const page = await jar.fetch(new URL(location, fb.baseUrl).toString());
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<input type="password"[^>]*name="pass"/);

    const again = await jar.form(`${fb.baseUrl}/login.php?next=${encodeURIComponent(`${fb.baseUrl}/feed`)}`, creds);
    expect(again.status).toBe(302);
    expect(again.headers.get('location')).toBe('/feed');
    expect((await jar.fetch(`${fb.baseUrl}/feed`)).status).toBe(200);
    expect(fb.loginAttempts()).toBe(2);
    expect(fb.requestCount('/login.php', 'POST')).toBe(2);
  });

  it('a refused login answers 200 with the login form and the error, datr/fr cookies and no session', async () => {
    const fb = await track(startFacebookShape());
    fb.refuseLogins(true);
    const res = await new Jar().form(`${fb.baseUrl}/login.php`, creds);
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain("The password that you've entered is incorrect");
    expect(body).toContain('name="pass"');
    expect(Object.keys(setCookies(res)).sort()).toEqual(['datr', 'fr', 'sb']);
    fb.refuseLogins(false);
    expect((await new Jar().form(`${fb.baseUrl}/login.php`, creds)).status).toBe(302);
  });

  it('second factor: 302 to /checkpoint/ with an approvals_code form; a wrong code is refused, the right one logs in', async () => {
    const fb = await track(startFacebookShape());
    fb.requireSecondFactor(SECRET);
    const jar = new Jar();
    const login = await jar.form(`${fb.baseUrl}/login.php`, creds);
    expect(login.status).toBe(302);
    expect(login.headers.get('location')).toMatch(/^\/checkpoint\/\?next=/);
    expect(setCookies(login)).not.toHaveProperty('xs');
    const page = await jar.fetch(new URL(login.headers.get('location') ?? '', fb.baseUrl).toString());
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('name="approvals_code"');

    const wrong = String((Number(totpCode(SECRET)) + 500_000) % 1_000_000).padStart(6, '0');
    const refused = await jar.form(`${fb.baseUrl}/checkpoint/`, { approvals_code: wrong });
    expect(refused.status).toBe(200);
    expect(await refused.text()).toContain(FACEBOOK_BAD_CODE);
    expect(setCookies(refused)).not.toHaveProperty('xs');

    const ok = await jar.form(`${fb.baseUrl}/checkpoint/`, { approvals_code: totpCode(SECRET) });
    expect(ok.status).toBe(302);
    expect(setCookies(ok)).toHaveProperty('c_user');
    expect((await jar.fetch(`${fb.baseUrl}/me`)).status).toBe(200);
  });
});

describe('facebook graph shape', () => {
  it('a static token works until revoked, then 400 OAuthException code 190; no login route exists', async () => {
    const graph = await track(startFacebookGraphShape());
    const auth = { authorization: `Bearer ${GRAPH_TOKEN}` };
    const me = await fetch(`${graph.baseUrl}/v19.0/me`, { headers: auth });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ id: expect.any(String), name: expect.any(String) });
    const feed = await fetch(`${graph.baseUrl}/v19.0/me/feed?access_token=${GRAPH_TOKEN}`);
    expect(((await feed.json()) as { data: unknown[] }).data).toHaveLength(10);

    graph.revokeToken();
    const revoked = await fetch(`${graph.baseUrl}/v19.0/me/feed`, { headers: auth });
    expect(revoked.status).toBe(400);
    expect(revoked.headers.get('www-authenticate')).toContain('invalid_token');
    const body = (await revoked.json()) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({ type: 'OAuthException', code: 190, error_subcode: 460 });
    expect(String(body.error.message)).toMatch(/^Error validating access token: /);
    expect(body.error.fbtrace_id).toEqual(expect.any(String));

    graph.revokeToken(463, { status: 401 });
    const expired = await fetch(`${graph.baseUrl}/me`, { headers: auth });
    expect(expired.status).toBe(401);
    expect(await expired.json()).toMatchObject({ error: { code: 190, error_subcode: 463 } });

    graph.acceptToken('EAAnewToken');
    expect((await fetch(`${graph.baseUrl}/v19.0/me`, { headers: { authorization: 'Bearer EAAnewToken' } })).status).toBe(200);
    expect(graph.requestCount('/v19.0/me/feed')).toBe(2);
  });
});

describe('instagram shape', () => {
  const creds = { username: INSTAGRAM_ACCOUNT.username, enc_password: `#PWD_INSTAGRAM_BROWSER:0:1700000000:${INSTAGRAM_ACCOUNT.password}` };

  it('web login sets sessionid; the API and web pages work; after invalidation the API says 403 login_required and web redirects', async () => {
    const ig = await track(startInstagramShape());
    const jar = new Jar();
    const page = await jar.fetch(`${ig.baseUrl}/accounts/login/`);
    expect(await page.text()).toContain('<input type="password" name="password"');
    expect(setCookies(page)).not.toHaveProperty('sessionid');
    const login = await jar.form(`${ig.baseUrl}/accounts/login/ajax/`, creds);
    expect(login.status).toBe(200);
    expect(await login.json()).toMatchObject({ authenticated: true, user: true, status: 'ok' });
    expect(setCookies(login)).toHaveProperty('sessionid');

    const feed = await jar.fetch(`${ig.baseUrl}/api/v1/feed/timeline/`);
    expect(feed.status).toBe(200);
    const items = ((await feed.json()) as { feed_items: { media_or_ad: { taken_at: number } }[] }).feed_items;
    expect(Date.now() / 1000 - (items[0]?.media_or_ad.taken_at ?? 0)).toBeLessThan(20);
    expect((await jar.fetch(`${ig.baseUrl}/`)).status).toBe(200);

    ig.invalidateAllSessions();
    const dead = await jar.fetch(`${ig.baseUrl}/api/v1/accounts/current_user/`);
    expect(dead.status).toBe(403);
    expect(await dead.json()).toEqual({ message: 'login_required', logout_reason: 2, status: 'fail' });
    const web = await jar.fetch(`${ig.baseUrl}/`);
    expect(web.status).toBe(302);
    expect(web.headers.get('location')).toBe('/accounts/login/?next=%2F');
    expect((await jar.form(`${ig.baseUrl}/accounts/login/ajax/`, creds)).status).toBe(200);
    expect((await jar.fetch(`${ig.baseUrl}/api/v1/feed/timeline`)).status).toBe(200);
  });

  it('refused logins: web 200 authenticated:false, API 400 bad_password, no session cookie', async () => {
    const ig = await track(startInstagramShape());
    ig.refuseLogins(true);
    const web = await new Jar().form(`${ig.baseUrl}/accounts/login/ajax/`, creds);
    expect(web.status).toBe(200);
    expect(await web.json()).toEqual({ user: true, authenticated: false, status: 'ok' });
    expect(setCookies(web)).not.toHaveProperty('sessionid');
    const api = await fetch(`${ig.baseUrl}/api/v1/accounts/login/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: INSTAGRAM_ACCOUNT.username, password: INSTAGRAM_ACCOUNT.password }),
    });
    expect(api.status).toBe(400);
    expect(await api.json()).toMatchObject({ status: 'fail', error_type: 'bad_password', invalid_credentials: true });
    expect(ig.loginAttempts()).toBe(2);
  });

  it('two factor on the web: 400 two_factor_required, then /two_factor/ with verificationCode + identifier', async () => {
    const ig = await track(startInstagramShape());
    ig.requireSecondFactor(SECRET);
    const jar = new Jar();
    const first = await jar.form(`${ig.baseUrl}/accounts/login/ajax/`, creds);
    expect(first.status).toBe(400);
    const body = (await first.json()) as { two_factor_required: boolean; two_factor_info: { two_factor_identifier: string } };
    expect(body).toMatchObject({ two_factor_required: true, status: 'fail' });
    const identifier = body.two_factor_info.two_factor_identifier;
    const wrong = String((Number(totpCode(SECRET)) + 500_000) % 1_000_000).padStart(6, '0');
    const refused = await jar.form(`${ig.baseUrl}/accounts/login/ajax/two_factor/`, { username: INSTAGRAM_ACCOUNT.username, verificationCode: wrong, identifier });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ status: 'fail' });
    const ok = await jar.form(`${ig.baseUrl}/accounts/login/ajax/two_factor/`, {
      username: INSTAGRAM_ACCOUNT.username,
      verificationCode: totpCode(SECRET),
      identifier,
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ authenticated: true, status: 'ok' });
    expect((await jar.fetch(`${ig.baseUrl}/api/v1/accounts/current_user`)).status).toBe(200);
  });

  it('API login gives an IGT bearer that the API accepts', async () => {
    const ig = await track(startInstagramShape());
    const login = await fetch(`${ig.baseUrl}/api/v1/accounts/login/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: INSTAGRAM_ACCOUNT.username, password: INSTAGRAM_ACCOUNT.password }).toString(),
    });
    expect(login.status).toBe(200);
    expect(await login.json()).toMatchObject({ logged_in_user: { username: INSTAGRAM_ACCOUNT.username }, status: 'ok' });
    const bearer = login.headers.get('ig-set-authorization') ?? '';
    expect(bearer).toMatch(/^Bearer IGT:2:/);
    expect((await fetch(`${ig.baseUrl}/api/v1/feed/timeline/`, { headers: { authorization: bearer } })).status).toBe(200);
    ig.invalidateAllSessions();
    expect((await fetch(`${ig.baseUrl}/api/v1/feed/timeline/`, { headers: { authorization: bearer } })).status).toBe(403);
  });
});

describe('threads shape', () => {
  it('API session: feed, then 403 login_required (logout_reason 8) after invalidation; web redirects or shows the error page', async () => {
    const th = await track(startThreadsShape());
    const login = await fetch(`${th.baseUrl}/api/v1/accounts/login/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: THREADS_ACCOUNT.username, password: THREADS_ACCOUNT.password }),
    });
    expect(login.status).toBe(200);
    const jar = new Jar();
    jar.take(login);
    const feed = await jar.fetch(`${th.baseUrl}/api/v1/feed/text_post_app_timeline/`);
    expect(feed.status).toBe(200);
    const items = ((await feed.json()) as { items: { thread_items: { post: { taken_at: number } }[] }[] }).items;
    expect(items[0]?.thread_items[0]?.post.taken_at).toEqual(expect.any(Number));
    expect((await jar.fetch(`${th.baseUrl}/`)).status).toBe(200);

    th.invalidateAllSessions();
    const dead = await jar.fetch(`${th.baseUrl}/api/v1/feed/text_post_app_timeline/`);
    expect(dead.status).toBe(403);
    expect(await dead.json()).toMatchObject({ message: 'login_required', logout_reason: 8, error_title: "You've Been Logged Out" });
    const web = await jar.fetch(`${th.baseUrl}/`);
    expect(web.status).toBe(302);
    expect(web.headers.get('location')).toBe('/login/?next=%2F');
    const loginPage = await jar.fetch(`${th.baseUrl}/login/`);
    expect(await loginPage.text()).toContain('<input type="password" name="password"');
    th.webSessionLoss('error_page');
    const error = await jar.fetch(`${th.baseUrl}/`);
    expect(error.status).toBe(200);
    expect(await error.text()).toContain('Please log in again');
  });

  it('web login: refused is authenticated:false; two factor with a wrong then the right code', async () => {
    const th = await track(startThreadsShape());
    const creds = { username: THREADS_ACCOUNT.username, password: THREADS_ACCOUNT.password };
    th.refuseLogins(true);
    expect(await (await new Jar().form(`${th.baseUrl}/api/v1/web/accounts/login/ajax/`, creds)).json()).toMatchObject({ authenticated: false });
    th.refuseLogins(false);
    th.requireSecondFactor(SECRET);
    const jar = new Jar();
    const first = await jar.form(`${th.baseUrl}/api/v1/web/accounts/login/ajax/`, creds);
    expect(first.status).toBe(400);
    const identifier = ((await first.json()) as { two_factor_info: { two_factor_identifier: string } }).two_factor_info.two_factor_identifier;
    const wrong = String((Number(totpCode(SECRET)) + 500_000) % 1_000_000).padStart(6, '0');
    expect((await jar.form(`${th.baseUrl}/api/v1/web/accounts/login/ajax/two_factor/`, { username: creds.username, verificationCode: wrong, identifier })).status).toBe(400);
    const ok = await jar.form(`${th.baseUrl}/api/v1/web/accounts/login/ajax/two_factor/`, { username: creds.username, verificationCode: totpCode(SECRET), identifier });
    expect(ok.status).toBe(200);
    expect((await jar.fetch(`${th.baseUrl}/api/v1/accounts/current_user/`)).status).toBe(200);
    expect(th.requestCount('/api/v1/web/accounts/login/ajax/two_factor/', 'POST')).toBe(2);
  });
});
