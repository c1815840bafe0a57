/**
 * Threads-style: JSON login returning an `access_token`. Threads runs on the Instagram backend, so a refused
 * login is 400 `error_type: bad_password`, a challenge is 400 `challenge_required`, and a dead session is
 * the Threads app's real answer: 403 `{"message":"login_required","error_title":"You've Been Logged Out",
 * "error_body":"Please log back in.","logout_reason":8,"status":"fail"}`.
 */
import { json, type Reply } from '../reply.js';
import { accountId, attemptLogin, bearerApiRoutes, itemId, sessionSecondsLeft, type PlatformDefinition, type RequestContext } from './context.js';
import { loginNotGranted } from './meta-api.js';

const LOGIN_REQUIRED = json(403, {
  message: 'login_required',
  error_title: "You've Been Logged Out",
  error_body: 'Please log back in.',
  logout_reason: 8,
  status: 'fail',
});

function login(ctx: RequestContext): Reply {
  const outcome = attemptLogin(ctx, ctx.fields.username, ctx.fields.password);
  if (outcome.kind !== 'ok') return loginNotGranted(outcome, 'threads');
  const { session } = outcome;
  return json(200, { access_token: session.token, token_type: 'bearer', expires_in: sessionSecondsLeft(session, ctx.now) });
}

export const threads: PlatformDefinition = {
  name: 'threads',
  routes: bearerApiRoutes({ login: '/api/login', me: '/api/me', feed: '/api/feed' }, LOGIN_REQUIRED, {
    login,
    me: (account) => json(200, { id: accountId('threads', account.username), username: account.username }),
    feed: (items) =>
      json(200, {
        threads: items.map((item) => ({ id: itemId('threads', item.seq), published_at: new Date(item.createdAt).toISOString(), text: item.text })),
      }),
  }),
};
