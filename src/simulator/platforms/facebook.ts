/**
 * Facebook-style, in the real web shape: form login at `/login.php` (fields `email`, `pass`), session
 * cookies `fb_session` (the session) and `c_user` (the user id); browser cookies `datr`, `sb`, `fr` before
 * any login; a request without a live session is redirected to `/login.php?next=<url-encoded URL>`, whose
 * page is the 200 login form; a refused login answers the login form again with the error text; a
 * checkpoint is `/checkpoint/?next=…` with an `approvals_code` input.
 */
import { FACEBOOK_BAD_CODE, FACEBOOK_BAD_PASSWORD, facebookCheckpointPage, facebookHomePage, facebookLoginPage } from '../pages.js';
import { cookie, html, json, redirect, type Reply } from '../reply.js';
import { accountId, attemptLogin, authenticate, currentFeed, itemId, type PlatformDefinition, type RequestContext } from './context.js';

const FACEBOOK_COOKIE = 'fb_session';

const CLEAR = 'deleted; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:01 GMT';
const CLEAR_SESSION = [`${FACEBOOK_COOKIE}=${CLEAR}; HttpOnly`, `c_user=${CLEAR}`];

/** The absolute URL of this request, as Facebook puts it in `next`. */
function selfUrl(ctx: RequestContext): string {
  return `http://${ctx.req.headers.host ?? '127.0.0.1'}${ctx.url.pathname}${ctx.url.search}`;
}

/** `datr`/`sb` (browser ids, set once) and `fr`: what the login page and a refused login set. */
function browserCookies(ctx: RequestContext): string[] {
  const out: string[] = [];
  if (cookie(ctx.req, 'datr') === undefined) out.push('datr=simDatr0000000000000000; Path=/; Max-Age=63072000; HttpOnly');
  if (cookie(ctx.req, 'sb') === undefined) out.push('sb=simSb000000000000000000; Path=/; Max-Age=63072000; HttpOnly');
  out.push(`fr=0simFr.${ctx.now}; Path=/; Max-Age=7776000; HttpOnly`);
  return out;
}

function toLogin(ctx: RequestContext, hadCookie: boolean): Reply {
  return redirect(`/facebook/login.php?next=${encodeURIComponent(selfUrl(ctx))}`, hadCookie ? { 'set-cookie': CLEAR_SESSION } : {});
}

/** Runs `ok` with the request's live session, or sends the browser to the login page. */
function withSession(ctx: RequestContext, ok: (name: string, username: string) => Reply): Reply {
  const token = cookie(ctx.req, FACEBOOK_COOKIE);
  const session = authenticate(ctx, token);
  if (session === undefined) return toLogin(ctx, token !== undefined);
  return ok(displayName(session.account.username), session.account.username);
}

function displayName(username: string): string {
  const local = username.split('@')[0] ?? username;
  return `Test ${local.charAt(0).toUpperCase()}${local.slice(1)}`;
}

function nextParam(ctx: RequestContext): string | undefined {
  return ctx.url.searchParams.get('next') ?? undefined;
}

/** A same-host `next` (absolute or relative), else the home page. */
function afterLogin(ctx: RequestContext): string {
  const next = nextParam(ctx);
  if (next !== undefined) {
    try {
      const host = ctx.req.headers.host ?? '127.0.0.1';
      const target = new URL(next, `http://${host}`);
      if (target.host === host && target.pathname.startsWith('/facebook/')) return target.pathname + target.search;
    } catch {
      // a malformed next goes home
    }
  }
  return '/facebook/home';
}

function loginPage(ctx: RequestContext): Reply {
  return html(200, facebookLoginPage(undefined, nextParam(ctx)), { 'set-cookie': browserCookies(ctx) });
}

function login(ctx: RequestContext): Reply {
  const outcome = attemptLogin(ctx, ctx.fields.email, ctx.fields.pass);
  if (outcome.kind === 'refused') {
    return html(200, facebookLoginPage(FACEBOOK_BAD_PASSWORD, nextParam(ctx)), { 'set-cookie': browserCookies(ctx) });
  }
  if (outcome.kind === 'challenge') {
    const next = `http://${ctx.req.headers.host ?? '127.0.0.1'}${afterLogin(ctx)}`;
    return redirect(`/facebook/checkpoint/?next=${encodeURIComponent(next)}`, { 'set-cookie': browserCookies(ctx) });
  }
  const { session } = outcome;
  return redirect(afterLogin(ctx), {
    'set-cookie': [
      `${FACEBOOK_COOKIE}=${session.token}; Path=/; HttpOnly`,
      `c_user=${accountId('facebook', session.account.username)}; Path=/; Max-Age=31536000`,
    ],
  });
}

const checkpoint = (ctx: RequestContext) => html(200, facebookCheckpointPage(nextParam(ctx)));
/** The simulator issues no codes, so every submitted code is refused (the page again, with the error). */
const checkpointCode = (ctx: RequestContext) => html(200, facebookCheckpointPage(nextParam(ctx), FACEBOOK_BAD_CODE));

export const facebook: PlatformDefinition = {
  name: 'facebook',
  routes: [
    { method: 'GET', path: '/login.php', route: null, handle: loginPage },
    { method: 'POST', path: '/login.php', route: 'login', handle: login },
    // `/login` and `/login/` are Facebook's other login URLs; kept so older configs keep working.
    { method: 'GET', path: '/login', route: null, handle: loginPage },
    { method: 'GET', path: '/login/', route: null, handle: loginPage },
    { method: 'POST', path: '/login', route: 'login', handle: login },
    { method: 'GET', path: '/checkpoint/', route: null, handle: checkpoint },
    { method: 'GET', path: '/checkpoint', route: null, handle: checkpoint },
    { method: 'POST', path: '/checkpoint/', route: null, handle: checkpointCode },
    { method: 'POST', path: '/checkpoint', route: null, handle: checkpointCode },
    {
      method: 'GET',
      path: '/home',
      route: null,
      handle: (ctx) => withSession({ ...ctx, hits: [] }, (name) => html(200, facebookHomePage(name))),
    },
    {
      method: 'GET',
      path: '/me',
      route: 'me',
      handle: (ctx) => withSession(ctx, (name, username) => json(200, { id: accountId('facebook', username), name })),
    },
    {
      method: 'GET',
      path: '/feed',
      route: 'feed',
      handle: (ctx) =>
        withSession(ctx, () =>
          json(200, {
            data: currentFeed(ctx).map((item) => ({
              id: itemId('facebook', item.seq),
              created_time: new Date(item.createdAt).toISOString(),
              message: item.text,
            })),
          }),
        ),
    },
  ],
};
