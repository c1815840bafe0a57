/** Threads-style: JSON login returning an `access_token`, OAuth-like error bodies. */
import { bearer, json, type Reply } from '../reply.js';
import type { Account } from '../types.js';
import {
  accountId,
  attemptLogin,
  authenticate,
  currentFeed,
  itemId,
  sessionSecondsLeft,
  type PlatformDefinition,
  type RequestContext,
} from './context.js';

const LOGIN_REQUIRED = json(401, { error: 'login_required', message: 'Please log in again' });

function withToken(ctx: RequestContext, ok: (account: Account) => Reply): Reply {
  const session = authenticate(ctx, bearer(ctx.req));
  return session === undefined ? LOGIN_REQUIRED : ok(session.account);
}

function login(ctx: RequestContext): Reply {
  const outcome = attemptLogin(ctx, ctx.fields.username, ctx.fields.password);
  if (outcome.kind === 'refused') return json(401, { error: 'invalid_credentials' });
  if (outcome.kind === 'challenge') return json(403, { error: 'challenge_required', checkpoint_url: '/threads/challenge/' });
  const { session } = outcome;
  return json(200, { access_token: session.token, token_type: 'bearer', expires_in: sessionSecondsLeft(session, ctx.now) });
}

export const threads: PlatformDefinition = {
  name: 'threads',
  routes: [
    { method: 'POST', path: '/api/login', route: 'login', handle: login },
    {
      method: 'GET',
      path: '/api/me',
      route: 'me',
      handle: (ctx) => withToken(ctx, (account) => json(200, { id: accountId('threads', account.username), username: account.username })),
    },
    {
      method: 'GET',
      path: '/api/feed',
      route: 'feed',
      handle: (ctx) =>
        withToken(ctx, () =>
          json(200, {
            threads: currentFeed(ctx).map((item) => ({
              id: itemId('threads', item.seq),
              published_at: new Date(item.createdAt).toISOString(),
              text: item.text,
            })),
          }),
        ),
    },
  ],
};
