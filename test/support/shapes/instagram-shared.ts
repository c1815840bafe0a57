/**
 * The Instagram-backend answers that Instagram and Threads share (Threads logs in with Instagram accounts
 * and its app talks to the same private API): login JSON, two-factor JSON, `login_required`, cookies.
 */
import { AuthState, type PasswordOutcome } from './auth.js';
import { bearerToken, json, setCookie, type ShapeReply, type ShapeRequest } from './http.js';

/** Password from `password` or a browser/app `enc_password` (`#PWD_INSTAGRAM_BROWSER:0:<time>:<password>`). */
export function passwordOf(fields: Record<string, string>): string | undefined {
  if (fields.password !== undefined) return fields.password;
  const enc = fields.enc_password;
  if (enc === undefined) return undefined;
  const match = /^#PWD_[A-Z_]+:0:\d+:(.*)$/s.exec(enc);
  return match?.[1];
}

export function igUser(auth: AuthState) {
  return { pk: auth.userId(), pk_id: auth.userId(), username: auth.username, full_name: 'Test Seller', is_private: false };
}

/** `Set-Cookie` for a new session: `sessionid` (the session), `ds_user_id`, `csrftoken`. */
export function sessionCookies(auth: AuthState, token: string): string[] {
  return [
    setCookie('sessionid', token, { httpOnly: true, maxAgeSeconds: 31536000 }),
    setCookie('ds_user_id', auth.userId(), { maxAgeSeconds: 7776000 }),
    setCookie('csrftoken', `csrf${token.slice(0, 12)}`, { maxAgeSeconds: 31449600 }),
  ];
}

/** The app's `IGT:2:` bearer: base64 of `{"ds_user_id","sessionid"}`. */
export function igtBearer(auth: AuthState, token: string): string {
  return `Bearer IGT:2:${Buffer.from(JSON.stringify({ ds_user_id: auth.userId(), sessionid: token })).toString('base64')}`;
}

/** The session a request carries: `sessionid` cookie, or an `IGT:2:` bearer, or a plain bearer token. */
export function sessionOf(req: ShapeRequest): string | undefined {
  if (req.cookies.sessionid !== undefined) return req.cookies.sessionid;
  const bearer = bearerToken(req.headers);
  if (bearer === undefined) return undefined;
  const igt = /^IGT:2:(.+)$/.exec(bearer);
  if (igt?.[1] === undefined) return bearer;
  try {
    const value = JSON.parse(Buffer.from(igt[1], 'base64').toString('utf8')) as { sessionid?: unknown };
    return typeof value.sessionid === 'string' ? value.sessionid : undefined;
  } catch {
    return undefined;
  }
}

export function twoFactorRequired(auth: AuthState, identifier: string): ShapeReply {
  return json(400, {
    message: '',
    two_factor_required: true,
    two_factor_info: {
      username: auth.username,
      two_factor_identifier: identifier,
      totp_two_factor_on: true,
      sms_two_factor_on: false,
      whatsapp_two_factor_on: false,
      obfuscated_phone_number: '',
    },
    phone_verification_settings: null,
    status: 'fail',
    error_type: 'two_factor_required',
  });
}

export const BAD_CODE = { message: 'Please check the security code and try again.', status: 'fail', error_type: 'sms_code_validation_code_invalid' };

/** The private API's refused login (HTTP 400, `error_type: bad_password`). */
export function apiBadPassword(auth: AuthState): ShapeReply {
  return json(400, {
    message: 'The password you entered is incorrect. Please try again.',
    invalid_credentials: true,
    error_title: `Incorrect password for ${auth.username}`,
    buttons: [{ title: 'Try Again', action: 'dismiss' }],
    status: 'fail',
    error_type: 'bad_password',
  });
}

/** Private API login: `logged_in_user`, an `ig-set-authorization` header and the session cookies. */
export function apiLogin(auth: AuthState, outcome: PasswordOutcome): ShapeReply {
  if (outcome.kind === 'refused') return apiBadPassword(auth);
  if (outcome.kind === 'second_factor') return twoFactorRequired(auth, outcome.identifier);
  return json(200, { logged_in_user: igUser(auth), status: 'ok' }, {
    'ig-set-authorization': igtBearer(auth, outcome.token),
    'ig-set-ig-u-ds-user-id': auth.userId(),
    'set-cookie': sessionCookies(auth, outcome.token),
  });
}

/** Private API second step: `username`, `verification_code`, `two_factor_identifier`. */
export function apiTwoFactor(auth: AuthState, req: ShapeRequest): ShapeReply {
  const outcome = auth.checkCode(req.fields.two_factor_identifier, req.fields.verification_code);
  if (outcome.kind === 'unknown') return json(400, { message: 'Invalid parameters', status: 'fail', error_type: 'invalid_nonce' });
  if (outcome.kind === 'bad_code') return json(400, BAD_CODE);
  return apiLogin(auth, outcome);
}

/** Web login (`/accounts/login/ajax/`): 200 `authenticated` true/false, 400 for a second factor. */
export function webLogin(auth: AuthState, req: ShapeRequest): ShapeReply {
  const outcome = auth.checkPassword(req.fields.username, passwordOf(req.fields));
  if (outcome.kind === 'refused') {
    return json(200, { user: req.fields.username === auth.username, authenticated: false, status: 'ok' });
  }
  if (outcome.kind === 'second_factor') return twoFactorRequired(auth, outcome.identifier);
  return json(200, { user: true, userId: auth.userId(), authenticated: true, oneTapPrompt: true, status: 'ok' }, {
    'set-cookie': sessionCookies(auth, outcome.token),
  });
}

/** Web second step (`/accounts/login/ajax/two_factor/`): `username`, `verificationCode`, `identifier`. */
export function webTwoFactor(auth: AuthState, req: ShapeRequest): ShapeReply {
  const outcome = auth.checkCode(req.fields.identifier, req.fields.verificationCode);
  if (outcome.kind === 'unknown') return json(400, { message: 'Invalid parameters', status: 'fail' });
  if (outcome.kind === 'bad_code') return json(400, BAD_CODE);
  return json(200, { authenticated: true, userId: auth.userId(), oneTapPrompt: true, status: 'ok' }, {
    'set-cookie': sessionCookies(auth, outcome.token),
  });
}

/** Browser cookies Instagram sets before any login. */
export function visitorCookies(req: ShapeRequest): string[] {
  const out: string[] = [];
  if (req.cookies.csrftoken === undefined) out.push(setCookie('csrftoken', 'csrfShapeVisitor00000000', { maxAgeSeconds: 31449600 }));
  if (req.cookies.mid === undefined) out.push(setCookie('mid', 'ZeYshapeMid', { maxAgeSeconds: 63072000 }));
  if (req.cookies.ig_did === undefined) out.push(setCookie('ig_did', '00000000-SHAPE-IGDID', { httpOnly: true, maxAgeSeconds: 31536000 }));
  return out;
}

/** Route key with a trailing slash removed (`/api/v1/feed/timeline/` and `/api/v1/feed/timeline` match alike). */
export function routeKey(req: ShapeRequest): string {
  const path = req.path.length > 1 ? req.path.replace(/\/+$/, '') : req.path;
  return `${req.method} ${path}`;
}

export function loginPageHtml(title: string, action: string, next: string | undefined): string {
  const nextField = next === undefined ? '' : `<input type="hidden" name="next" value="${next.replace(/"/g, '&quot;')}">\n`;
  return (
    `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>\n<body>\n` +
    `<main><form id="loginForm" method="post" action="${action}">\n${nextField}` +
    `<input type="text" name="username" aria-label="Phone number, username, or email" autocomplete="username">\n` +
    `<input type="password" name="password" aria-label="Password" autocomplete="current-password">\n` +
    `<button type="submit">Log in</button>\n</form></main>\n</body></html>\n`
  );
}

/**
 * The account routes both apps share (web and app login, their second-factor steps, the current
 * user), or undefined for any other route. `api` guards a route that needs a live session.
 */
export function accountRoute(auth: AuthState, req: ShapeRequest, api: (req: ShapeRequest, ok: () => ShapeReply) => ShapeReply): ShapeReply | undefined {
  switch (routeKey(req)) {
    case 'POST /accounts/login/ajax':
    case 'POST /api/v1/web/accounts/login/ajax':
      return webLogin(auth, req);
    case 'POST /accounts/login/ajax/two_factor':
    case 'POST /api/v1/web/accounts/login/ajax/two_factor':
      return webTwoFactor(auth, req);
    case 'POST /api/v1/accounts/login':
      return apiLogin(auth, auth.checkPassword(req.fields.username, passwordOf(req.fields)));
    case 'POST /api/v1/accounts/two_factor_login':
      return apiTwoFactor(auth, req);
    case 'GET /api/v1/accounts/current_user':
      return api(req, () => json(200, { user: igUser(auth), status: 'ok' }));
    default:
      return undefined;
  }
}
