/**
 * Threads in its real shape (threads.net web, which logs in with Instagram accounts, and the Threads
 * app's private API on the Instagram backend), on loopback. See SOURCES.md.
 *
 * Session: as Instagram's (`sessionid` cookie or `Authorization: Bearer IGT:2:…` / `Bearer <sessionid>`);
 * a trailing slash on any path is optional.
 * Web:
 * - `GET /login/` → 200 HTML "Log in with your Instagram account" form with `username` and
 *   `<input type="password" name="password">`; sets `csrftoken`, `mid`, `ig_did`.
 * - `POST /api/v1/web/accounts/login/ajax/` (also `/accounts/login/ajax/`) and `…/ajax/two_factor/`:
 *   exactly Instagram's web login answers (200 `authenticated` true/false; 400 `two_factor_required`;
 *   second step `username`, `verificationCode`, `identifier`).
 * - `GET /` → 200 HTML home; no live session → by default `302 Location: /login/?next=%2F`; after
 *   `webSessionLoss('error_page')` a 200 HTML page "Something went wrong … Please log in again." with a
 *   "Log in" link and no form (what Threads showed on 5 March 2024).
 * App API:
 * - `POST /api/v1/accounts/login/`, `POST /api/v1/accounts/two_factor_login/`: Instagram's API login answers
 *   (400 `bad_password` when refused).
 * - `GET /api/v1/accounts/current_user/` → 200 `{"user":{"pk","username","full_name"},"status":"ok"}`.
 * - `GET` or `POST /api/v1/feed/text_post_app_timeline/` → 200 `{"items":[{"thread_items":[{"post":{"pk",
 *   "id","taken_at"(unix s),"caption":{"text"},"user":{"username"}}}]}],"num_results","more_available",
 *   "status":"ok"}` newest first (items path `items`, timestamp `thread_items[0].post.taken_at`).
 * - No live session on the two GETs above → 403 `{"message":"login_required","error_title":"You've Been
 *   Logged Out","error_body":"Please log back in.","logout_reason":8,"status":"fail"}`.
 * Account default: `seller.shape` / `th-shape-pass`.
 */
import { AuthState, feedEntries, type LoginControl, type LoginShapeOptions } from './auth.js';
import { html, json, redirect, startShapeServer, type ShapeReply, type ShapeRequest, type ShapeServer } from './http.js';
import { accountRoute, loginPageHtml, routeKey, sessionOf, visitorCookies } from './instagram-shared.js';

export type ThreadsWebSessionLoss = 'redirect' | 'error_page';

export interface ThreadsShape extends ShapeServer, LoginControl {
  /** What `GET /` answers without a live session: a redirect to /login/ (default) or the error page. */
  webSessionLoss(mode: ThreadsWebSessionLoss): void;
}

export const THREADS_ACCOUNT = { username: 'seller.shape', password: 'th-shape-pass' } as const;
export const THREADS_LOGIN_REQUIRED = {
  message: 'login_required',
  error_title: "You've Been Logged Out",
  error_body: 'Please log back in.',
  logout_reason: 8,
  status: 'fail',
} as const;

export const THREADS_ERROR_PAGE =
  '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Threads</title></head>\n<body>\n' +
  '<div role="alert"><h1>Something went wrong</h1>\n<p>Sorry, something went wrong. Please log in again.</p>\n' +
  '<a href="/login/">Log in</a></div>\n</body></html>\n';

export async function startThreadsShape(opts: LoginShapeOptions = {}): Promise<ThreadsShape> {
  const auth = new AuthState(opts, THREADS_ACCOUNT);
  const everyMs = (opts.itemEverySeconds ?? 15) * 1000;
  let sessionLoss: ThreadsWebSessionLoss = 'redirect';

  const api = (req: ShapeRequest, ok: () => ShapeReply): ShapeReply =>
    auth.live(sessionOf(req)) ? ok() : json(403, THREADS_LOGIN_REQUIRED);

  const web = (req: ShapeRequest, ok: () => ShapeReply): ShapeReply => {
    if (auth.live(sessionOf(req))) return ok();
    if (sessionLoss === 'error_page') return html(200, THREADS_ERROR_PAGE);
    return redirect(`/login/?next=${encodeURIComponent(req.url.pathname + req.url.search)}`);
  };

  const timeline = (): ShapeReply => {
    const entries = feedEntries(auth.now(), everyMs, 10);
    return json(200, {
      items: entries.map((e) => ({
        thread_items: [
          {
            post: {
              pk: `3${e.seq}`,
              id: `3${e.seq}_${auth.userId()}`,
              taken_at: Math.floor(e.createdAt / 1000),
              caption: { text: e.text },
              user: { username: auth.username },
            },
          },
        ],
      })),
      num_results: entries.length,
      more_available: true,
      status: 'ok',
    });
  };

  const server = await startShapeServer((req) => {
    const account = accountRoute(auth, req, api);
    if (account) return account;
    switch (routeKey(req)) {
      case 'GET /login':
        return html(200, loginPageHtml('Threads • Log in', '/api/v1/web/accounts/login/ajax/', req.url.searchParams.get('next') ?? undefined), {
          'set-cookie': visitorCookies(req),
        });
      case 'GET /api/v1/feed/text_post_app_timeline':
      case 'POST /api/v1/feed/text_post_app_timeline':
        return api(req, timeline);
      case 'GET /':
        return web(req, () => html(200, '<!DOCTYPE html>\n<html lang="en"><head><title>Threads</title></head><body><main role="main">For you</main></body></html>\n'));
      default:
        return html(404, '<!DOCTYPE html>\n<html><head><title>Threads</title></head><body><h2>Sorry, this page isn\'t available</h2></body></html>\n');
    }
  });
  return Object.assign(server, auth.control(), {
    webSessionLoss(mode: ThreadsWebSessionLoss) {
      sessionLoss = mode;
    },
  });
}
