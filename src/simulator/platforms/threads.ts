/** Threads-style: JSON login returning an `access_token`, OAuth-like error bodies. */
import { json, type Reply } from '../reply.js';
import type { Account } from '../types.js';
import {
  accountId,
  attemptLogin,
  currentFeed,
  itemId,
  sessionSecondsLeft,
  type PlatformDefinition,
  withBearer,
  type RequestContext,
} from './context.js';

const LOGIN_REQUIRED = json(401, { error: 'login_required', message: 'Please log in again' });

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
      handle: (ctx) => withBearer(ctx, LOGIN_REQUIRED, (account) => json(200, { id: accountId('threads', account.username), username: account.username })),
    },
    {
      method: 'GET',
      path: '/api/feed',
      route: 'feed',
      handle: (ctx) =>
        withBearer(ctx, LOGIN_REQUIRED, () =>
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
