/**
 * Instagram in its real shape (www.instagram.com web + i.instagram.com private API), on loopback. See SOURCES.md.
 *
 * Session: the `sessionid` cookie, or `Authorization: Bearer IGT:2:<base64 {"ds_user_id","sessionid"}>` (the
 * `ig-set-authorization` header of an API login), or `Authorization: Bearer <sessionid>`. A trailing slash on
 * any path is optional.
 * Web:
 * - `GET /accounts/login/` → 200 HTML form with `username` and `<input type="password" name="password">`;
 *   sets `csrftoken`, `mid`, `ig_did` (no `sessionid`). CSRF is not checked.
 * - `POST /accounts/login/ajax/` (also `/api/v1/web/accounts/login/ajax/`), form or JSON `username` and
 *   `password` or `enc_password` (`#PWD_INSTAGRAM_BROWSER:0:<unix>:<password>`):
 *   success → 200 `{"user":true,"userId","authenticated":true,"oneTapPrompt":true,"status":"ok"}` +
 *   `Set-Cookie: sessionid` (HttpOnly), `ds_user_id`, `csrftoken`; refused → 200
 *   `{"user":true,"authenticated":false,"status":"ok"}` (`user:false` for an unknown name), no cookie;
 *   second factor → 400 `{"message":"","two_factor_required":true,"two_factor_info":{"username",
 *   "two_factor_identifier","totp_two_factor_on":true,…},"status":"fail","error_type":"two_factor_required"}`.
 * - `POST /accounts/login/ajax/two_factor/` (also `/api/v1/web/…/two_factor/`), form `username`,
 *   `verificationCode`, `identifier` → 200 `{"authenticated":true,"userId","status":"ok"}` + cookies; wrong
 *   code → 400 `{"message":"Please check the security code and try again.","status":"fail",
 *   "error_type":"sms_code_validation_code_invalid"}`.
 * - `GET /` → 200 HTML feed page; no live session → `302 Location: /accounts/login/?next=%2F` (same for any
 *   web page path listed here).
 * Private API:
 * - `POST /api/v1/accounts/login/`, form or JSON `username`, `password`/`enc_password` → 200
 *   `{"logged_in_user":{"pk","username","full_name",…},"status":"ok"}` + `ig-set-authorization` header +
 *   session cookies; refused → 400 `{"message":"The password you entered is incorrect. Please try again.",
 *   "invalid_credentials":true,"status":"fail","error_type":"bad_password",…}`; second factor → the 400
 *   `two_factor_required` body above.
 * - `POST /api/v1/accounts/two_factor_login/`, `username`, `verification_code`, `two_factor_identifier` →
 *   the login success answer; wrong code → the 400 above.
 * - `GET /api/v1/accounts/current_user/` → 200 `{"user":{"pk","username","full_name"},"status":"ok"}`.
 * - `GET` or `POST /api/v1/feed/timeline/` → 200 `{"num_results","more_available":true,"feed_items":
 *   [{"media_or_ad":{"pk","id","taken_at"(unix s),"caption":{"text"},"user":{"username"}}}],"status":"ok"}`,
 *   newest first (items path `feed_items`, timestamp `media_or_ad.taken_at`).
 * - No live session on the two GETs above → 403 `{"message":"login_required","logout_reason":2,"status":"fail"}`.
 * Account default: `seller_shape` / `ig-shape-pass`.
 */
import { AuthState, feedEntries, type LoginControl, type LoginShapeOptions } from './auth.js';
import { html, json, redirect, startShapeServer, type ShapeReply, type ShapeRequest, type ShapeServer } from './http.js';
import { accountRoute, loginPageHtml, routeKey, sessionOf, visitorCookies } from './instagram-shared.js';

export type InstagramShape = ShapeServer & LoginControl;

export const INSTAGRAM_ACCOUNT = { username: 'seller_shape', password: 'ig-shape-pass' } as const;
export const INSTAGRAM_LOGIN_REQUIRED = { message: 'login_required', logout_reason: 2, status: 'fail' } as const;

export async function startInstagramShape(opts: LoginShapeOptions = {}): Promise<InstagramShape> {
  const auth = new AuthState(opts, INSTAGRAM_ACCOUNT);
  const everyMs = (opts.itemEverySeconds ?? 15) * 1000;

  const api = (req: ShapeRequest, ok: () => ShapeReply): ShapeReply =>
    auth.live(sessionOf(req)) ? ok() : json(403, INSTAGRAM_LOGIN_REQUIRED);

  const web = (req: ShapeRequest, ok: () => ShapeReply): ShapeReply =>
    auth.live(sessionOf(req)) ? ok() : redirect(`/accounts/login/?next=${encodeURIComponent(req.url.pathname + req.url.search)}`);

  const timeline = (): ShapeReply => {
    const entries = feedEntries(auth.now(), everyMs, 10);
    return json(200, {
      num_results: entries.length,
      more_available: true,
      feed_items: entries.map((e) => ({
        media_or_ad: {
          pk: `3${e.seq}`,
          id: `3${e.seq}_${auth.userId()}`,
          taken_at: Math.floor(e.createdAt / 1000),
          media_type: 1,
          caption: { text: e.text },
          user: { username: auth.username },
        },
      })),
      status: 'ok',
    });
  };

  const server = await startShapeServer((req) => {
    const account = accountRoute(auth, req, api);
    if (account) return account;
    switch (routeKey(req)) {
      case 'GET /accounts/login':
        return html(200, loginPageHtml('Login • Instagram', '/accounts/login/ajax/', req.url.searchParams.get('next') ?? undefined), {
          'set-cookie': visitorCookies(req),
        });
      case 'GET /api/v1/feed/timeline':
      case 'POST /api/v1/feed/timeline':
        return api(req, timeline);
      case 'GET /':
        return web(req, () => html(200, '<!DOCTYPE html>\n<html lang="en"><head><title>Instagram</title></head><body><main role="main">Home feed</main></body></html>\n'));
      default:
        return html(404, '<!DOCTYPE html>\n<html><head><title>Page not found • Instagram</title></head><body><h2>Sorry, this page isn\'t available.</h2></body></html>\n');
    }
  });
  return Object.assign(server, auth.control());
}
