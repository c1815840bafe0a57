/**
 * Instagram-style, in the private API's real shape: JSON login returning a bearer token, `status: ok|fail`
 * envelopes; a refused login is 400 `error_type: bad_password`; a dead session is 403
 * `{"message":"login_required","logout_reason":2,"status":"fail"}`.
 */
import { json, type Reply } from '../reply.js';
import type { Account } from '../types.js';
import { accountId, attemptLogin, bearerApiRoutes, itemId, type PlatformDefinition, type RequestContext } from './context.js';
import { loginNotGranted } from './meta-api.js';

const LOGIN_REQUIRED = json(403, { message: 'login_required', logout_reason: 2, status: 'fail' });

function user(account: Account) {
  return { pk: accountId('instagram', account.username), username: account.username, full_name: `Test ${account.username}` };
}

function login(ctx: RequestContext): Reply {
  const outcome = attemptLogin(ctx, ctx.fields.username, ctx.fields.password);
  if (outcome.kind !== 'ok') return loginNotGranted(outcome, 'instagram', { error_title: 'Incorrect Password' });
  return json(200, { status: 'ok', token: outcome.session.token, user: user(outcome.session.account) });
}

export const instagram: PlatformDefinition = {
  name: 'instagram',
  routes: bearerApiRoutes({ login: '/api/v1/accounts/login', me: '/api/v1/accounts/current_user', feed: '/api/v1/feed/timeline' }, LOGIN_REQUIRED, {
    login,
    me: (account) => json(200, { status: 'ok', user: user(account) }),
    feed: (items) =>
      json(200, {
        status: 'ok',
        items: items.map((item) => ({ id: itemId('instagram', item.seq), taken_at: Math.floor(item.createdAt / 1000), caption: item.text })),
      }),
  }),
};
