/** Facebook-style: form login, a `fb_session` cookie, redirects to the login page when the session is gone. */
import { FACEBOOK_BAD_PASSWORD, facebookCheckpointPage, facebookHomePage, facebookLoginPage } from '../pages.js';
import { cookie, html, json, redirect, type Reply } from '../reply.js';
import { accountId, attemptLogin, authenticate, currentFeed, itemId, type PlatformDefinition, type RequestContext } from './context.js';

export const FACEBOOK_COOKIE = 'fb_session';

const CLEAR_COOKIE = `${FACEBOOK_COOKIE}=deleted; Path=/; Max-Age=0; HttpOnly`;

function toLogin(next: string, hadCookie: boolean): Reply {
  return redirect(`/facebook/login?next=${encodeURIComponent(next)}`, hadCookie ? { 'set-cookie': CLEAR_COOKIE } : {});
}

/** Runs `ok` with the request's live session, or sends the browser back to the login page. */
function withSession(ctx: RequestContext, next: string, ok: (name: string, username: string) => Reply): Reply {
  const token = cookie(ctx.req, FACEBOOK_COOKIE);
  const session = authenticate(ctx, token);
  if (session === undefined) return toLogin(next, token !== undefined);
  return ok(displayName(session.account.username), session.account.username);
}

function displayName(username: string): string {
  const local = username.split('@')[0] ?? username;
  return `Test ${local.charAt(0).toUpperCase()}${local.slice(1)}`;
}

function login(ctx: RequestContext): Reply {
  const outcome = attemptLogin(ctx, ctx.fields.email, ctx.fields.pass);
  if (outcome.kind === 'refused') return html(200, facebookLoginPage(FACEBOOK_BAD_PASSWORD));
  if (outcome.kind === 'challenge') return redirect('/facebook/checkpoint/');
  return redirect('/facebook/home', {
    'set-cookie': `${FACEBOOK_COOKIE}=${outcome.session.token}; Path=/; HttpOnly`,
  });
}

export const facebook: PlatformDefinition = {
  name: 'facebook',
  routes: [
    { method: 'GET', path: '/login', route: null, handle: () => html(200, facebookLoginPage()) },
    { method: 'POST', path: '/login', route: 'login', handle: login },
    { method: 'GET', path: '/checkpoint/', route: null, handle: () => html(200, facebookCheckpointPage()) },
    { method: 'GET', path: '/checkpoint', route: null, handle: () => html(200, facebookCheckpointPage()) },
    {
      method: 'GET',
      path: '/home',
      route: null,
      handle: (ctx) => withSession({ ...ctx, hits: [] }, '/home', (name) => html(200, facebookHomePage(name))),
    },
    {
      method: 'GET',
      path: '/me',
      route: 'me',
      handle: (ctx) => withSession(ctx, '/me', (name, username) => json(200, { id: accountId('facebook', username), name })),
    },
    {
      method: 'GET',
      path: '/feed',
      route: 'feed',
      handle: (ctx) =>
        withSession(ctx, '/feed', () =>
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
