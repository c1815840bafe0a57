/**
 * Raw (validated) config → compiled config: per-type defaults applied, durations in ms, patterns
 * compiled, templates compiled, URLs resolved. Semantic errors (a feed without a path, a login
 * check on an endpoint without auth, a bad cron) are reported with their path like schema errors.
 */
import type { RawAuth, RawCheck, RawConfig, RawEndpoint, RawExpect, RawStep } from './schema.js';
import type {
  CompiledCheck,
  CompiledConfig,
  CompiledEndpoint,
  CompiledStep,
  Expectations,
  Extractor,
  Markers,
  StatusMatcher,
} from './types.js';
import { parseDuration, parseSize } from './units.js';
import { compileForm, compileJson, compileText, type Template } from '../journey/template.js';
import { parseJsonPath } from '../journey/json-path.js';
import { parseCron } from '../schedule/cron.js';

export interface ConfigIssue {
  path: string;
  message: string;
}

/** Defaults for every check, overridable in `defaults:` and per check. */
export const BUILTIN_DEFAULTS: Required<Omit<NonNullable<RawConfig['defaults']>, 'schedule' | 'interval'>> & { interval?: string } = {
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

export const DEFAULT_MARKERS = {
  error: [
    'something went wrong',
    'please try again later',
    'an error (has )?occurred',
    'temporarily unavailable',
    'service unavailable',
    '<title>[^<]*\\berror\\b',
  ],
  logout: ['log ?in again', 'sign ?in again', 'login_required', 'session (has )?expired', 'not logged in', 'please (log|sign) ?in'],
  challenge: ['checkpoint', 'challenge_required', 'captcha', 'two[- ]factor', 'verification code', 'confirm (it.s you|your identity)'],
  loginRejected: [
    'incorrect password',
    'password (that )?you.{0,4}(ve )?entered is incorrect',
    'invalid[_ ]credentials',
    'bad_password',
    'wrong password',
  ],
  loginUrl: '/(login|signin|sign_in|sign-in|accounts/login)(/|$)',
};

const re = (s: string) => new RegExp(s, 'i');

export function compileConfig(raw: RawConfig, env: NodeJS.ProcessEnv = process.env): { config?: CompiledConfig; issues: ConfigIssue[] } {
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
      const c = parseCron(m.schedule);
      if ('errors' in c) issues.push({ path: `${gp}.maintenance[${i}].schedule`, message: c.errors.join('; ') });
      maintenance.push({ group: groupName, schedule: m.schedule, durationMs: parseDuration(m.duration)! });
    }
    for (const [epName, ep] of Object.entries(g.endpoints)) {
      const ep_path = `${gp}.endpoints.${epName}`;
      const endpoint = compileEndpoint(groupName, epName, ep, markers);
      addSecret(ep.account?.password);
      for (const [k, v] of Object.entries(ep.variables ?? {})) if (/pass|secret|token|key|cookie/i.test(k)) addSecret(v);
      for (const [k, v] of Object.entries(ep.headers ?? {})) if (/authorization|cookie|token|key/i.test(k)) addSecret(v.replace(/^(Bearer|Basic)\s+/i, ''));
      endpoints.push(endpoint);
      group.endpoints.push(endpoint);
      for (const [checkName, c] of Object.entries(ep.checks)) {
        const cp = `${ep_path}.checks.${checkName}`;
        const check = compileCheck(c, cp, { group: groupName, endpoint: epName, name: checkName, location }, endpoint, ep, d, issues);
        if (check) {
          checks.push(check);
          group.checkIds.push(check.id);
        }
      }
    }
    groups.push(group);
  }

  const webhooks = (raw.webhooks ?? []).map((w, i) => {
    addSecret(w.secret);
    for (const [k, v] of Object.entries(w.headers ?? {})) if (/authorization|token|key|secret/i.test(k)) addSecret(v.replace(/^(Bearer|Basic)\s+/i, ''));
    const url = new URL(w.url);
    if (url.username || url.password) addSecret(decodeURIComponent(url.password));
    if (raw.webhooks!.findIndex((x) => x.name === w.name) !== i) issues.push({ path: `webhooks[${i}].name`, message: `duplicate webhook name ${w.name}` });
    return {
      name: w.name,
      url,
      secret: w.secret,
      format: w.format,
      events: w.events ? new Set(w.events) : undefined,
      groups: w.groups ? new Set(w.groups) : undefined,
      scopes: w.scopes ? new Set(w.scopes) : undefined,
      timeoutMs: parseDuration(w.timeout ?? '10s')!,
      retries: w.retries ?? 12,
      queueSize: w.queueSize ?? 1000,
      headers: w.headers ?? {},
    };
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

function compileEndpoint(group: string, name: string, ep: RawEndpoint, markers: Markers): CompiledEndpoint {
  const variables: Record<string, string> = { ...(ep.variables ?? {}) };
  if (ep.account) {
    variables.username = ep.account.username;
    variables.password = ep.account.password;
  }
  const endpoint: CompiledEndpoint = {
    key: `${group}/${name}`,
    group,
    name,
    baseUrl: new URL(ep.baseUrl),
    variables,
    tls: { insecureSkipVerify: ep.tls?.insecureSkipVerify ?? false, ca: ep.tls?.ca, serverName: ep.tls?.serverName },
    markers,
  };
  if (ep.auth) endpoint.login = compileLogin(ep.auth, ep.headers ?? {});
  return endpoint;
}

function compileLogin(a: RawAuth, endpointHeaders: Record<string, string>): CompiledStep {
  const fields = a.body ?? { username: '{{username}}', password: '{{password}}' };
  const body: CompiledStep['body'] =
    a.format === 'form'
      ? { kind: 'form', template: compileForm(fields) }
      : { kind: 'json', template: compileJson(fields) };
  const headers = { ...endpointHeaders, ...(a.headers ?? {}) };
  if (a.format === 'form') headers['content-type'] ??= 'application/x-www-form-urlencoded';
  return {
    name: 'login',
    role: 'login',
    method: a.method ?? 'POST',
    path: compileText(a.path),
    headers: Object.entries(headers).map(([k, v]) => [k, compileText(v)] as [string, Template]),
    body,
    sendSession: false,
    expectJson: a.token !== undefined,
    extract: [],
    expect: compileExpect(undefined, a.status ?? ['2xx', '3xx']),
    issues: { token: a.token ? parseJsonPath(a.token) : undefined, cookie: a.cookie },
  };
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
  const hasAuth = endpoint.login !== undefined;
  const endpointHeaders = ep.headers ?? {};
  let steps: CompiledStep[] = [];
  switch (c.type) {
    case 'login':
      if (!hasAuth) issues.push({ path: `${path}.type`, message: 'a login check needs the endpoint to have an auth block' });
      steps = [];
      break;
    case 'feed': {
      if (!c.path) issues.push({ path: `${path}.path`, message: 'a feed check needs the path of the feed' });
      if (!c.items) issues.push({ path: `${path}.items`, message: 'a feed check needs items: the JSON path of the list of items' });
      if (c.maxAge && !c.timestamp) issues.push({ path: `${path}.timestamp`, message: 'maxAge needs timestamp: the field of an item holding its time' });
      const expect: RawExpect = {
        ...c.expect,
        items: { path: c.items ?? '$', minItems: c.minItems ?? 1, timestamp: c.timestamp, maxAge: c.maxAge },
      };
      steps = [requestStep('feed', { method: c.method, path: c.path ?? '/', headers: c.headers, expect, expectJson: true }, hasAuth, endpointHeaders, path, issues)];
      break;
    }
    case 'session':
      if (!c.path) issues.push({ path: `${path}.path`, message: 'a session check needs the path of a page that requires the session, e.g. /me' });
      if (!hasAuth) issues.push({ path: `${path}.type`, message: 'a session check needs the endpoint to have an auth block' });
      steps = [requestStep('session', { method: c.method, path: c.path ?? '/', headers: c.headers, expect: c.expect }, hasAuth, endpointHeaders, path, issues)];
      break;
    case 'http':
      if (!c.steps && !c.path) issues.push({ path: `${path}.steps`, message: 'an http check needs steps (or a path)' });
      steps = (c.steps ?? [{ path: c.path ?? '/', method: c.method, headers: c.headers, expect: c.expect }]).map((s, i) =>
        requestStep(s.name ?? `step${i + 1}`, s, hasAuth, endpointHeaders, `${path}.steps[${i}]`, issues),
      );
      break;
  }
  if (c.interval && c.schedule) issues.push({ path: `${path}.schedule`, message: 'use either interval or schedule, not both' });
  if (c.schedule) {
    const cr = parseCron(c.schedule);
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
    info: { type: c.type, interval_seconds: intervalMs !== undefined ? String(intervalMs / 1000) : '0' },
    intervalMs,
    schedule: c.schedule,
    timeoutMs,
    retries: c.retries ?? d.retries,
    failureThreshold: c.failureThreshold ?? d.failureThreshold,
    successThreshold: c.successThreshold ?? d.successThreshold,
    degradedAfterMs: parseDuration(c.degradedAfter ?? d.degradedAfter)!,
    maxBodyBytes: parseSize(c.maxBodyBytes ?? d.maxBodyBytes)!,
    maxRedirects: c.maxRedirects ?? d.maxRedirects,
    freshConnection: c.freshConnection ?? d.freshConnection,
    steps,
    usesSession: c.type === 'feed' || c.type === 'session' || (c.type === 'http' && hasAuth && steps.some((s) => s.sendSession)),
    endpointRef: endpoint,
  };
}

function requestStep(
  name: string,
  s: Partial<RawStep> & { path: string },
  hasAuth: boolean,
  endpointHeaders: Record<string, string>,
  path: string,
  issues: ConfigIssue[],
): CompiledStep {
  const readsJson = !!(s.expect?.json?.length || s.expect?.items || Object.values(s.extract ?? {}).some((x) => 'json' in x));
  const bodies = [s.json !== undefined, s.form !== undefined, s.body !== undefined].filter(Boolean).length;
  if (bodies > 1) issues.push({ path, message: 'use only one of json, form and body' });
  let body: CompiledStep['body'];
  if (s.json !== undefined) body = { kind: 'json', template: compileJson(s.json) };
  else if (s.form !== undefined) body = { kind: 'form', template: compileForm(s.form) };
  else if (s.body !== undefined) body = { kind: 'raw', template: compileText(s.body) };
  const headers = { ...endpointHeaders, ...(s.headers ?? {}) };
  if (s.form !== undefined) headers['content-type'] ??= 'application/x-www-form-urlencoded';
  const extract: Extractor[] = [];
  for (const [varName, x] of Object.entries(s.extract ?? {})) {
    if ('json' in x) {
      const p = parseJsonPath(x.json);
      if (!p) issues.push({ path: `${path}.extract.${varName}.json`, message: 'not a JSON path such as data.items[0].id' });
      else extract.push({ name: varName, from: 'json', path: p });
    } else if ('header' in x) extract.push({ name: varName, from: 'header', header: x.header.toLowerCase() });
    else if ('cookie' in x) extract.push({ name: varName, from: 'cookie', cookie: x.cookie });
    else if ('url' in x) extract.push({ name: varName, from: 'url' });
    else extract.push({ name: varName, from: 'regex', regex: re(x.regex) });
  }
  return {
    name,
    role: 'request',
    method: s.method ?? (body ? 'POST' : 'GET'),
    path: compileText(s.path),
    headers: Object.entries(headers).map(([k, v]) => [k, compileText(v)] as [string, Template]),
    body,
    sendSession: s.session ?? hasAuth,
    expectJson: s.expectJson ?? readsJson,
    extract,
    expect: compileExpect(s.expect, undefined, `${path}.expect`, issues),
  };
}

function compileExpect(e: RawExpect | undefined, defaultStatus?: RawExpect['status'], path = '', issues: ConfigIssue[] = []): Expectations {
  const status = e?.status ?? defaultStatus ?? ['2xx'];
  const jsonPath = (p: string, at: string) => {
    const parsed = parseJsonPath(p);
    if (!parsed) issues.push({ path: at, message: 'not a JSON path such as data.items[0].id' });
    return parsed ?? [];
  };
  return {
    status: statusMatcher(status),
    statusText: status.join(', '),
    json: (e?.json ?? []).map((j, i) => ({ ...j, path: jsonPath(j.path, `${path}.json[${i}].path`), pathText: j.path })),
    bodyMatches: (e?.bodyMatches ?? []).map(re),
    bodyNotMatches: (e?.bodyNotMatches ?? []).map(re),
    maxDurationMs: e?.maxDuration ? parseDuration(e.maxDuration) : undefined,
    items: e?.items
      ? {
          path: jsonPath(e.items.path, `${path}.items.path`),
          pathText: e.items.path,
          minItems: e.items.minItems,
          timestamp: e.items.timestamp ? jsonPath(e.items.timestamp, `${path}.items.timestamp`) : undefined,
          maxAgeMs: e.items.maxAge ? parseDuration(e.items.maxAge) : undefined,
        }
      : undefined,
  };
}

function statusMatcher(list: NonNullable<RawExpect['status']>): StatusMatcher {
  const exact = new Set<number>();
  const classes = new Set<number>();
  for (const s of list) {
    if (typeof s === 'number') exact.add(s);
    else classes.add(Number(s[0]));
  }
  return (status) => exact.has(status) || classes.has(Math.floor(status / 100));
}
