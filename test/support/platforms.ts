/**
 * The shared fixture of the simulator's three platforms as config `groups`, in the real shapes
 * config/demo.yaml uses (Facebook's form login at /login.php with its session cookie, Instagram's
 * and Threads' JSON logins returning a token), with the simulator's first test account of each.
 */

export type PlatformCheck = 'login' | 'session' | 'feed';
export type Platform = 'facebook' | 'instagram' | 'threads';

export interface PlatformsOptions {
  /** Which checks each endpoint has, each merged over its default (default: all three). */
  checks?: Partial<Record<PlatformCheck, object>>;
  /** Only these platforms (default: all three). */
  only?: readonly string[];
  /** The feed checks' maxAge (default 2m). */
  feedMaxAge?: string;
}

type Json = Record<string, unknown>;

const PLATFORMS: Record<Platform, (simUrl: string, maxAge: string) => { name: string; endpoint: Json; checks: Record<PlatformCheck, Json> }> = {
  facebook: (simUrl, maxAge) => ({
    name: 'web',
    endpoint: {
      baseUrl: `${simUrl}/facebook`,
      account: { username: 'seller1@example.test', password: 'fb-pass-1' },
      auth: { path: '/login.php', format: 'form', body: { email: '{{username}}', pass: '{{password}}' }, cookie: 'fb_session' },
    },
    checks: {
      login: { type: 'login' },
      session: { type: 'session', path: '/me' },
      feed: { type: 'feed', path: '/feed', items: 'data', timestamp: 'created_time', maxAge },
    },
  }),
  instagram: (simUrl, maxAge) => ({
    name: 'mobile-api',
    endpoint: {
      baseUrl: `${simUrl}/instagram`,
      account: { username: 'seller_one', password: 'ig-pass-1' },
      auth: { path: '/api/v1/accounts/login', token: 'token' },
    },
    checks: {
      login: { type: 'login' },
      session: { type: 'session', path: '/api/v1/accounts/current_user' },
      feed: { type: 'feed', path: '/api/v1/feed/timeline', items: 'items', timestamp: 'taken_at', maxAge },
    },
  }),
  threads: (simUrl, maxAge) => ({
    name: 'web',
    endpoint: {
      baseUrl: `${simUrl}/threads`,
      account: { username: 'seller.one', password: 'th-pass-1' },
      auth: { path: '/api/login', token: 'access_token' },
    },
    checks: {
      login: { type: 'login' },
      session: { type: 'session', path: '/api/me' },
      feed: { type: 'feed', path: '/api/feed', items: 'threads', timestamp: 'published_at', maxAge },
    },
  }),
};

/** The simulator's platforms at `simUrl` as config groups. */
export function simulatorPlatforms(simUrl: string, opts: PlatformsOptions = {}): Json {
  const wanted = opts.checks ?? { login: {}, session: {}, feed: {} };
  const groups: Json = {};
  for (const [group, make] of Object.entries(PLATFORMS)) {
    if (opts.only && !opts.only.includes(group)) continue;
    const p = make(simUrl, opts.feedMaxAge ?? '2m');
    const checks: Json = {};
    for (const [c, extra] of Object.entries(wanted)) if (extra) checks[c] = { ...p.checks[c as PlatformCheck], ...extra };
    groups[group] = { endpoints: { [p.name]: { ...p.endpoint, checks } } };
  }
  return groups;
}
