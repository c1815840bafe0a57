/**
 * Facebook web in its real shape (www./m.facebook.com), on loopback. See SOURCES.md.
 *
 * Routes (cookie session `c_user` + `xs`; the session is the `xs` cookie):
 * - `GET /login.php`, `GET /login/` → 200 HTML login form: `<form id="login_form" method="post"
 *   action="/login.php?login_attempt=1[&next=…]">` with hidden `lsd`, `jazoest` (not checked), `email`
 *   (text), `pass` (`<input type="password" name="pass">`), `login` button. Sets `datr`, `sb` (when absent)
 *   and `fr` cookies, never `c_user`/`xs`.
 * - `POST /login.php` (also `/login/device-based/regular/login/`), form `email`, `pass`:
 *   - success → `302 Location: <next or /home.php>`, `Set-Cookie: c_user=<15-digit id>`, `xs=<token>` (HttpOnly), `fr`.
 *   - refused (wrong password or `refuseLogins(true)`) → 200 the login form again, with
 *     `<div role="alert" id="error_box">The password that you've entered is incorrect. …</div>`; sets
 *     `datr`/`fr` only.
 *   - second factor on → `302 Location: /checkpoint/?next=…` and `Set-Cookie: checkpoint=<id>` (HttpOnly).
 * - `GET /checkpoint/` → 200 HTML "Two-factor authentication required" form `method="post"
 *   action="/checkpoint/?next=…"` with `<input type="text" name="approvals_code">` and hidden `nh` (= the
 *   checkpoint id); no pending checkpoint → 302 to `/login.php`.
 * - `POST /checkpoint/`, form `approvals_code` (6-digit TOTP), `nh` optional (the `checkpoint` cookie is
 *   enough): right code → 302 to next or `/home.php` with `c_user` + `xs`; wrong code → 200 the checkpoint
 *   form again with "The login code you entered doesn't match …"; unknown checkpoint → 302 `/login.php`.
 * - `GET /`, `GET /home.php` → 200 HTML news feed page.
 * - `GET /me` → 200 `{"id","name"}`.
 * - `GET /feed` → 200 `{"data":[{"id","created_time","message"}]}`, newest first, Graph-style times
 *   (`2024-03-05T15:20:00+0000`), `limit` query (default 10).
 * - Without a live session every page and JSON route above answers `302 Location:
 *   /login.php?next=<url-encoded absolute URL of the request>`, clearing `c_user`/`xs` when they were sent.
 * Account default: `seller@example.test` / `fb-shape-pass`.
 */
import { AuthState, feedEntries, type LoginControl, type LoginShapeOptions } from './auth.js';
import { clearCookie, html, json, redirect, setCookie, startShapeServer, type ShapeReply, type ShapeRequest, type ShapeServer } from './http.js';

export type FacebookShape = ShapeServer & LoginControl;

export const FACEBOOK_ACCOUNT = { username: 'seller@example.test', password: 'fb-shape-pass' } as const;
export const FACEBOOK_BAD_PASSWORD = "The password that you've entered is incorrect. Forgotten password?";
export const FACEBOOK_BAD_CODE =
  "The login code you entered doesn't match the one sent to your phone. Please check the number and try again.";

function escapeAttr(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html>\n<html lang="en" id="facebook"><head><meta charset="utf-8"><title>${title}</title></head>\n<body>\n${body}\n</body></html>\n`;
}

function loginPage(next: string | undefined, error?: string): string {
  const action = `/login.php?login_attempt=1${next === undefined ? '' : `&next=${encodeURIComponent(next)}`}`;
  const alert = error === undefined ? '' : `<div role="alert" id="error_box">${error}</div>\n`;
  return page(
    'Log in to Facebook',
    `<div id="login_root"><h2>Log in to Facebook</h2>\n${alert}` +
      `<form id="login_form" method="post" action="${escapeAttr(action)}">\n` +
      `<input type="hidden" name="lsd" value="AVq3shape">\n<input type="hidden" name="jazoest" value="2961">\n` +
      `<input type="text" class="inputtext" name="email" id="email" placeholder="Email address or phone number">\n` +
      `<input type="password" class="inputtext" name="pass" id="pass" placeholder="Password">\n` +
      `<button type="submit" name="login" value="1">Log in</button>\n</form>\n` +
      `<a href="/recover/initiate/">Forgotten password?</a></div>`,
  );
}

function checkpointPage(identifier: string, next: string | undefined, error?: string): string {
  const action = `/checkpoint/${next === undefined ? '' : `?next=${encodeURIComponent(next)}`}`;
  const alert = error === undefined ? '' : `<div role="alert" id="error_box">${error}</div>\n`;
  return page(
    'Two-factor authentication required',
    `<h2>Two-factor authentication required</h2>\n${alert}<p>Enter the 6-digit code from your authentication app.</p>\n` +
      `<form method="post" action="${escapeAttr(action)}" id="checkpoint_form">\n` +
      `<input type="hidden" name="nh" value="${escapeAttr(identifier)}">\n` +
      `<input type="text" name="approvals_code" id="approvals_code" autocomplete="one-time-code" maxlength="6" placeholder="Login code">\n` +
      `<button type="submit" name="submit[Submit Code]" value="Submit Code">Continue</button>\n</form>`,
  );
}

function homePage(name: string): string {
  return page('Facebook', `<div role="feed"><h1>News Feed</h1>\n<p>Welcome back, ${name}.</p></div>`);
}

export async function startFacebookShape(opts: LoginShapeOptions = {}): Promise<FacebookShape> {
  const auth = new AuthState(opts, FACEBOOK_ACCOUNT);
  const everyMs = (opts.itemEverySeconds ?? 15) * 1000;
  const userId = auth.userId();
  const name = 'Test Seller';

  const browserCookies = (req: ShapeRequest): string[] => {
    const out: string[] = [];
    if (req.cookies.datr === undefined) out.push(setCookie('datr', 'shapeDatr' + auth.userId().slice(-6), { httpOnly: true, maxAgeSeconds: 63072000 }));
    if (req.cookies.sb === undefined) out.push(setCookie('sb', 'shapeSb' + auth.userId().slice(-6), { httpOnly: true, maxAgeSeconds: 63072000 }));
    out.push(setCookie('fr', `0shapeFr.${auth.now()}`, { httpOnly: true, maxAgeSeconds: 7776000 }));
    return out;
  };

  const nextOf = (req: ShapeRequest): string | undefined => req.url.searchParams.get('next') ?? undefined;

  /** Where a successful login goes: `next` when it points at this host (absolute or relative), else /home.php. */
  const afterLogin = (req: ShapeRequest): string => {
    const next = nextOf(req);
    if (next === undefined) return '/home.php';
    try {
      const target = new URL(next, `http://${req.headers.host ?? '127.0.0.1'}`);
      if (target.host === req.headers.host) return target.pathname + target.search;
    } catch {
      // fall through
    }
    return '/home.php';
  };

  const sessionCookies = (token: string): string[] => [
    setCookie('c_user', userId, { maxAgeSeconds: 31536000 }),
    setCookie('xs', `${token}`, { httpOnly: true, maxAgeSeconds: 31536000 }),
  ];

  const withSession = (req: ShapeRequest, ok: () => ShapeReply): ShapeReply => {
    if (auth.live(req.cookies.xs)) return ok();
    const here = `http://${req.headers.host ?? '127.0.0.1'}${req.url.pathname}${req.url.search}`;
    const clear = req.cookies.xs !== undefined || req.cookies.c_user !== undefined ? [clearCookie('c_user'), clearCookie('xs')] : [];
    return redirect(`/login.php?next=${encodeURIComponent(here)}`, clear.length > 0 ? { 'set-cookie': clear } : {});
  };

  const login = (req: ShapeRequest): ShapeReply => {
    const outcome = auth.checkPassword(req.fields.email, req.fields.pass);
    if (outcome.kind === 'refused') return html(200, loginPage(nextOf(req), FACEBOOK_BAD_PASSWORD), { 'set-cookie': browserCookies(req) });
    if (outcome.kind === 'second_factor') {
      const next = `http://${req.headers.host ?? '127.0.0.1'}${afterLogin(req)}`;
      return redirect(`/checkpoint/?next=${encodeURIComponent(next)}`, {
        'set-cookie': [...browserCookies(req), setCookie('checkpoint', outcome.identifier, { httpOnly: true })],
      });
    }
    return redirect(afterLogin(req), { 'set-cookie': [...sessionCookies(outcome.token), setCookie('fr', `1shapeFr.${auth.now()}`, { httpOnly: true })] });
  };

  const checkpointGet = (req: ShapeRequest): ShapeReply => {
    const id = req.cookies.checkpoint;
    if (!auth.isPending(id) || id === undefined) return redirect('/login.php');
    return html(200, checkpointPage(id, nextOf(req)));
  };

  const checkpointPost = (req: ShapeRequest): ShapeReply => {
    const id = req.fields.nh ?? req.cookies.checkpoint;
    const outcome = auth.checkCode(id, req.fields.approvals_code);
    if (outcome.kind === 'unknown') return redirect('/login.php');
    if (outcome.kind === 'bad_code') return html(200, checkpointPage(id ?? '', nextOf(req), FACEBOOK_BAD_CODE));
    return redirect(afterLogin(req), { 'set-cookie': [...sessionCookies(outcome.token), clearCookie('checkpoint')] });
  };

  const feed = (req: ShapeRequest): ShapeReply => {
    const limit = Math.min(100, Math.max(1, Number(req.url.searchParams.get('limit') ?? 10) || 10));
    const data = feedEntries(auth.now(), everyMs, limit).map((e) => ({
      id: `${userId}_${e.seq}`,
      created_time: new Date(e.createdAt).toISOString().replace(/\.\d{3}Z$/, '+0000'),
      message: e.text,
    }));
    return json(200, { data });
  };

  const server = await startShapeServer((req) => {
    const route = `${req.method} ${req.path}`;
    switch (route) {
      case 'GET /login.php':
      case 'GET /login/':
      case 'GET /login':
        return html(200, loginPage(nextOf(req)), { 'set-cookie': browserCookies(req) });
      case 'POST /login.php':
      case 'POST /login/device-based/regular/login/':
        return login(req);
      case 'GET /checkpoint/':
      case 'GET /checkpoint':
        return checkpointGet(req);
      case 'POST /checkpoint/':
      case 'POST /checkpoint':
        return checkpointPost(req);
      case 'GET /':
      case 'GET /home.php':
        return withSession(req, () => html(200, homePage(name)));
      case 'GET /me':
        return withSession(req, () => json(200, { id: userId, name }));
      case 'GET /feed':
        return withSession(req, () => feed(req));
      default:
        return html(404, page('Page not found', '<h2>This content isn\'t available right now</h2>'));
    }
  });
  return Object.assign(server, auth.control());
}
