/**
 * Raw (validated) config → compiled config: per-type defaults applied, durations in ms, patterns
 * compiled, templates compiled, URLs resolved. Semantic errors (a feed without a path, a login
 * check on an endpoint without auth, a bad cron) are reported with their path like schema errors.
 */
import { compileImpact } from '../impact/config.js';
import { createHash } from 'node:crypto';
import { Secret } from 'otpauth';
import type { RawCheck, RawConfig, RawEndpoint } from './schema.js';
import type { CompiledCheck, CompiledConfig, CompiledEndpoint, ConfigIssue, Markers } from './types.js';
import { parseDuration, parseSize } from './units.js';
import { compileAuth, re } from './steps.js';
import { isTimeZone, parseCron } from '../schedule/cron.js';
import { CHECK_KINDS } from '../checks/index.js';
import { compileWebhook } from './webhooks.js';
import { shared, sharing } from './share.js';

export type { ConfigIssue };

/** Defaults for every check, overridable in `defaults:` and per check. */
const BUILTIN_DEFAULTS: Required<Omit<NonNullable<RawConfig['defaults']>, 'schedule' | 'interval' | 'timezone'>> & { interval?: string; timezone?: string } = {
  timeout: '10s',
  retries: 2,
  failureThreshold: 2,
  successThreshold: 1,
  degradedAfter: '3s',
  maxBodyBytes: '5MiB',
  maxRedirects: 5,
  freshConnection: true,
};
/** Logging in is what platforms rate-limit and challenge: login checks run less often unless told. */
const INTERVAL = { login: '5m', other: '20s' };
/** Sessions of the real platforms live for weeks or months; a rejected session older than this expired naturally. */
const DEFAULT_SESSION_LIFETIME = '30d';

export const DEFAULT_MARKERS = {
  error: [
    'something went wrong',
    'please try again later',
    'an error (has )?occurred',
    'temporarily unavailable',
    'service unavailable',
    '<title>[^<]*\\berror\\b',
  ],
  logout: [
    'log ?in again',
    'sign ?in again',
    'login_required',
    'logout_reason',
    'session (has )?expired',
    'not logged in',
    'please (log|sign) ?in',
    '(must|need to) (log|sign) ?in',
    '(log|sign) ?in to continue',
  ],
  challenge: [
    'checkpoint',
    'challenge_required',
    'captcha',
    'two[-_ ]?factor',
    'approvals_code',
    'verification code',
    'security code',
    'confirm (it.s you|your identity)',
  ],
  loginRejected: [
    'incorrect password',
    'password (that )?you.{0,4}(ve )?entered is incorrect',
    'invalid[_ ]credentials',
    'bad_password',
    'wrong password',
  ],
  // /login.php, /login/, /accounts/login/, /signin, /i/flow/login, /oauth/authorize, /v19.0/dialog/oauth (matched on the path; the query string does not count)
  loginUrl: '/(login|log_in|log-in|signin|sign_in|sign-in|accounts/login|i/flow/login|oauth2?/authorize|dialog/oauth)(\\.php)?(/|$)',
};


export function compileConfig(raw: RawConfig, env: NodeJS.ProcessEnv = process.env): { config?: CompiledConfig; issues: ConfigIssue[] } {
  // Checks with identical pieces (expectations, paths, headers) share one compiled copy (./share.ts).
  return sharing(() => compileAll(raw, env));
}

function compileAll(raw: RawConfig, env: NodeJS.ProcessEnv): { config?: CompiledConfig; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const location = env.OUTPOST_LOCATION || raw.location || 'default';
  if (!/^[a-z0-9_-]+$/.test(location)) issues.push({ path: 'location', message: 'OUTPOST_LOCATION must match [a-z0-9_-]+' });
  const d = { ...BUILTIN_DEFAULTS, ...raw.defaults };
  const secrets = new Set<string>();
  const addSecret = (s: string | undefined) => {
    if (s && s.length >= 3) secrets.add(s);
  };

  const [host, port] = splitListen(raw.listen);
  const endpoints: CompiledEndpoint[] = [];
  const checks: CompiledCheck[] = [];
  const groups: CompiledConfig['groups'] = [];
  const maintenance: CompiledConfig['maintenance'] = [];

  for (const [groupName, g] of Object.entries(raw.groups)) {
    const gp = `groups.${groupName}`;
    const markers = compileMarkers(g.markers);
    const group = { name: groupName, endpoints: [] as CompiledEndpoint[], checkIds: [] as string[] };
    for (const [i, m] of (g.maintenance ?? []).entries()) {
      const c = parseCron(m.schedule, m.timezone);
      if ('errors' in c) issues.push({ path: `${gp}.maintenance[${i}].${m.timezone && !isTimeZone(m.timezone) ? 'timezone' : 'schedule'}`, message: c.errors.join('; ') });
      maintenance.push({ group: groupName, schedule: m.schedule, ...(m.timezone ? { timezone: m.timezone } : {}), durationMs: parseDuration(m.duration)! });
    }
    for (const [epName, ep] of Object.entries(g.endpoints)) {
      const ep_path = `${gp}.endpoints.${epName}`;
      const endpoint = compileEndpoint(groupName, epName, ep, markers, ep_path, issues);
      addSecret(ep.account?.password);
      addSecret(ep.account?.totp);
      addSecret(ep.auth?.bearer);
      for (const v of Object.values(ep.auth?.cookies ?? {})) addSecret(v);
      for (const [k, v] of Object.entries(ep.variables ?? {})) if (/pass|secret|token|key|cookie/i.test(k)) addSecret(v);
      for (const [k, v] of Object.entries(ep.headers ?? {})) if (/authorization|cookie|token|key/i.test(k)) addSecret(v.replace(/^(Bearer|Basic)\s+/i, ''));
      endpoints.push(endpoint);
      group.endpoints.push(endpoint);
      for (const [checkName, c] of Object.entries(ep.checks)) {
        const cp = `${ep_path}.checks.${checkName}`;
        const check = compileCheck(c, cp, { group: groupName, endpoint: epName, name: checkName, location }, endpoint, ep, d, issues);
        if (check) {
          check.metricsDetail = c.metrics?.detail ?? g.metrics?.detail ?? raw.metrics?.detail ?? 'default';
          checks.push(check);
          group.checkIds.push(check.id);
        }
      }
    }
    groups.push(group);
  }

  const webhooks = (raw.webhooks ?? []).map((w, i) => {
    if (raw.webhooks!.findIndex((x) => x.name === w.name) !== i) issues.push({ path: `webhooks[${i}].name`, message: `duplicate webhook name ${w.name}` });
    return compileWebhook(w, `webhooks[${i}]`, issues, addSecret);
  });
  for (const [i, w] of (raw.webhooks ?? []).entries()) {
    for (const gname of w.groups ?? []) if (!(gname in raw.groups)) issues.push({ path: `webhooks[${i}].groups`, message: `unknown group ${gname}` });
  }

  const auth = raw.server.auth;
  if (auth && 'basic' in auth) addSecret(auth.basic.password);
  if (auth && 'bearer' in auth) addSecret(auth.bearer);

  if (issues.length) return { issues };
  return {
    issues,
    config: {
      location,
      server: { host, port, reload: raw.server.reload, api: raw.server.api, auth, authStatusPage: raw.server.authStatusPage, tls: raw.server.tls },
      stateDir: env.OUTPOST_STATE_DIR || raw.stateDir || './data',
      logLevel: raw.logLevel,
      concurrency: raw.scheduler.concurrency,
      incidents: {
        groupDownRatio: raw.incidents.groupDownRatio,
        multiPlatformMinGroups: raw.incidents.multiPlatformMinGroups,
        groupWaitMs: parseDuration(raw.incidents.groupWait)!,
        remindEveryMs: raw.incidents.remindEvery ? parseDuration(raw.incidents.remindEvery) : undefined,
        keepResolved: raw.incidents.keepResolved,
      },
      webhooks,
      groups,
      endpoints,
      checks,
      maintenance,
      impact: compileImpact(raw.groups),
      secrets: [...secrets].sort((a, b) => b.length - a.length),
    },
  };
}

function splitListen(listen: string): [string, number] {
  const i = listen.lastIndexOf(':');
  let host = listen.slice(0, i);
  if (host.startsWith('[')) host = host.slice(1, -1);
  return [host, Number(listen.slice(i + 1))];
}

function compileMarkers(m: RawConfig['groups'][string]['markers']): Markers {
  return {
    error: (m?.error ?? DEFAULT_MARKERS.error).map(re),
    logout: (m?.logout ?? DEFAULT_MARKERS.logout).map(re),
    challenge: (m?.challenge ?? DEFAULT_MARKERS.challenge).map(re),
    loginRejected: (m?.loginRejected ?? DEFAULT_MARKERS.loginRejected).map(re),
    loginUrl: re(m?.loginUrl ?? DEFAULT_MARKERS.loginUrl),
  };
}

function compileEndpoint(group: string, name: string, ep: RawEndpoint, markers: Markers, path: string, issues: ConfigIssue[]): CompiledEndpoint {
  const variables: Record<string, string> = { ...(ep.variables ?? {}) };
  if (ep.account) {
    variables.username = ep.account.username;
    variables.password = ep.account.password;
  }
  const totp = ep.account?.totp?.replace(/[\s-]/g, '').toUpperCase();
  if (totp !== undefined) {
    let ok = totp.length >= 16;
    try {
      if (Secret.fromBase32(totp).bytes.length < 10) ok = false;
    } catch {
      ok = false;
    }
    if (!ok) issues.push({ path: `${path}.account.totp`, message: 'expected the base32 secret of the second factor (at least 16 characters A-Z and 2-7)' });
  }
  const endpoint: CompiledEndpoint = {
    key: `${group}/${name}`,
    group,
    name,
    baseUrl: new URL(ep.baseUrl),
    variables,
    tls: { insecureSkipVerify: ep.tls?.insecureSkipVerify ?? false, ca: ep.tls?.ca, serverName: ep.tls?.serverName },
    sessionLifetimeMs: parseDuration(ep.sessionLifetime ?? DEFAULT_SESSION_LIFETIME)!,
    identity: '',
    markers,
  };
  if (totp !== undefined) endpoint.totp = totp;
  if (ep.auth) Object.assign(endpoint, compileAuth(ep.auth, ep.headers ?? {}, `${path}.auth`, issues, totp !== undefined));
  // What a saved session belongs to: the platform, the account and how it logs in (never the password itself in clear).
  endpoint.identity = createHash('sha256')
    .update(JSON.stringify([ep.baseUrl, ep.account?.username ?? '', ep.account?.password ?? '', ep.auth ?? null]))
    .digest('hex')
    .slice(0, 32);
  return endpoint;
}

type Defaults = typeof BUILTIN_DEFAULTS;

function compileCheck(
  c: RawCheck,
  path: string,
  names: { group: string; endpoint: string; name: string; location: string },
  endpoint: CompiledEndpoint,
  ep: RawEndpoint,
  d: Defaults,
  issues: ConfigIssue[],
): CompiledCheck | undefined {
  const { steps, usesSession } = CHECK_KINDS[c.type].compile(c, { path, endpoint, endpointHeaders: ep.headers ?? {}, issues });
  if (c.interval && c.schedule) issues.push({ path: `${path}.schedule`, message: 'use either interval or schedule, not both' });
  const timezone = c.timezone ?? d.timezone;
  if (timezone && !isTimeZone(timezone)) issues.push({ path: `${path}.timezone`, message: `unknown time zone ${JSON.stringify(timezone)}: use an IANA name such as UTC or Europe/Berlin` });
  else if (c.schedule) {
    const cr = parseCron(c.schedule, timezone);
    if ('errors' in cr) issues.push({ path: `${path}.schedule`, message: cr.errors.join('; ') });
  }
  const intervalText = c.schedule ? undefined : (c.interval ?? d.interval ?? (c.type === 'login' ? INTERVAL.login : INTERVAL.other));
  const intervalMs = intervalText ? parseDuration(intervalText)! : undefined;
  const timeoutMs = parseDuration(c.timeout ?? d.timeout)!;
  if (intervalMs !== undefined && intervalMs < 1000) issues.push({ path: `${path}.interval`, message: 'the interval must be at least 1s' });
  if (intervalMs !== undefined && timeoutMs > intervalMs) issues.push({ path: `${path}.timeout`, message: `timeout (${timeoutMs}ms) must not exceed the interval (${intervalMs}ms)` });
  const id = `${names.group}/${names.endpoint}/${names.name}`;
  return {
    id,
    group: names.group,
    endpoint: names.endpoint,
    name: names.name,
    type: c.type,
    labels: { group: names.group, endpoint: names.endpoint, check: names.name, location: names.location },
    info: shared('info', `${c.type} ${intervalMs}`, () => ({ type: c.type, interval_seconds: intervalMs !== undefined ? String(intervalMs / 1000) : '0' })),
    intervalMs,
    schedule: c.schedule,
    ...(c.schedule && timezone ? { timezone } : {}),
    timeoutMs,
    retries: c.retries ?? d.retries,
    failureThreshold: c.failureThreshold ?? d.failureThreshold,
    successThreshold: c.successThreshold ?? d.successThreshold,
    degradedAfterMs: parseDuration(c.degradedAfter ?? d.degradedAfter)!,
    maxBodyBytes: parseSize(c.maxBodyBytes ?? d.maxBodyBytes)!,
    maxRedirects: c.maxRedirects ?? d.maxRedirects,
    freshConnection: c.freshConnection ?? d.freshConnection,
    steps,
    usesSession,
    endpointRef: endpoint,
  };
}

