/**
 * One step of a journey: render the request, send it (following redirects, collecting cookies),
 * then observe the answer (markers, JSON, expectations, extraction) and classify it.
 */
import { performance } from 'node:perf_hooks';
import type { CompiledCheck, CompiledStep, Markers } from '../config/types.js';
import { classify, type Observation } from '../classify.js';
import type { Reason } from '../reasons.js';
import { probe, ProbeError, type ProbeTrace, type ProbeResponse } from '../probe/http.js';
import { checkExpectations, extract, type Answer, type Unmet } from './expect.js';
import { getPath } from './json-path.js';
import { cookieHeader, storeCookies, type Session } from './session.js';
import { renderText, type Vars } from './template.js';

export interface StepResult {
  reason?: Reason;
  /** Short explanation of a failure, secret-free (paths only, no query strings or values). */
  message?: string;
  status: number;
  /** Login steps: the session created. */
  session?: Session;
}

export interface StepContext {
  check: CompiledCheck;
  session: Session | undefined;
  vars: Record<string, string>;
  /** A cookie jar for requests that do not carry the endpoint's session. */
  jar: Map<string, string>;
  deadline: number;
  trace: ProbeTrace;
  now: () => number;
  userAgent: string;
}

const ERROR_FIELDS = ['error', 'message', 'error_message', 'error_type', 'error_description', 'errors', 'detail', 'title', 'status'];
const MARKER_TEXT_LIMIT = 64 * 1024;
/** Request headers that may carry credentials: dropped on a redirect to another host. */
const CREDENTIAL_HEADER = /authorization|cookie|token|key|secret|session|password/i;

export async function runStep(step: CompiledStep, ctx: StepContext): Promise<StepResult> {
  const { check } = ctx;
  const endpoint = check.endpointRef;
  const vars: Vars = ctx.vars;
  const carriesSession = step.sendSession && ctx.session !== undefined;
  const loginSession = step.role === 'login' ? { cookies: new Map<string, string>(), createdAt: ctx.now(), worked: false } : undefined;
  const jar = loginSession?.cookies ?? (carriesSession ? ctx.session!.cookies : ctx.jar);

  let url = resolveUrl(endpoint.baseUrl, renderText(step.path, vars));
  const origin = url.origin;
  const headers: Record<string, string> = {
    'user-agent': ctx.userAgent,
    accept: step.expectJson ? 'application/json' : 'text/html,application/json;q=0.9,*/*;q=0.8',
  };
  for (const [k, t] of step.headers) headers[k.toLowerCase()] = renderText(t, vars);
  let body: string | undefined;
  if (step.body) {
    body = renderText(step.body.template, vars);
    if (step.body.kind === 'json') headers['content-type'] ??= 'application/json';
    if (step.body.kind === 'form') headers['content-type'] ??= 'application/x-www-form-urlencoded';
  }
  if (carriesSession && ctx.session!.token && headers.authorization === undefined) headers.authorization = `Bearer ${ctx.session!.token}`;

  const started = performance.now();
  let method = step.method;
  let res: ProbeResponse;
  let redirectedToLogin = false;
  /** `302 on /feed to /login`: the answer that sent the request to the login page, for the message. */
  let loginRedirect: string | undefined;
  let challengeUrl = false;
  const follow = step.role !== 'login';
  for (let hop = 0; ; hop++) {
    const reqHeaders = { ...headers };
    const sameOrigin = url.origin === origin;
    const cookie = sameOrigin ? cookieHeader(jar) : undefined;
    if (cookie) reqHeaders.cookie = cookie;
    if (!sameOrigin) {
      // Never hand credentials to another host: the session's and any configured one.
      for (const k of Object.keys(reqHeaders)) if (CREDENTIAL_HEADER.test(k)) delete reqHeaders[k];
    }
    try {
      res = await probe(
        { url, method, headers: reqHeaders, body, deadline: ctx.deadline, maxBodyBytes: check.maxBodyBytes, tls: endpoint.tls },
        ctx.trace,
      );
    } catch (err) {
      if (err instanceof ProbeError) return { reason: err.reason, message: `${method} ${url.pathname}: ${err.message}`, status: 0 };
      throw err;
    }
    if (url.origin === origin) storeCookies(jar, res.headers['set-cookie']);
    const location = header(res.headers.location);
    if (res.status >= 300 && res.status < 400 && location) {
      const next = safeUrl(location, url);
      if (next) {
        if (endpoint.markers.loginUrl.test(next.pathname) && !redirectedToLogin) {
          redirectedToLogin = true;
          loginRedirect = `${res.status} on ${url.pathname} to ${next.pathname}`;
        }
        if (anyMatch(endpoint.markers.challenge, next.pathname + next.search)) challengeUrl = true;
      }
      if (!follow) break;
      if (!next) break;
      if (hop >= check.maxRedirects) {
        return { reason: redirectedToLogin && carriesSession ? 'forced_logout' : 'assertion_failed', message: `more than ${check.maxRedirects} redirects`, status: res.status };
      }
      // 307/308 resend the body: a body (it may hold the password) is not sent to another host.
      if (body !== undefined && (res.status === 307 || res.status === 308) && next.origin !== origin) break;
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && method !== 'GET' && method !== 'HEAD')) {
        method = 'GET';
        body = undefined;
        delete headers['content-type'];
      }
      url = next;
      continue;
    }
    break;
  }
  const durationMs = performance.now() - started;
  return observe(step, ctx, res!, { durationMs, redirectedToLogin, loginRedirect, challengeUrl, carriesSession, loginSession, jar });
}

function observe(
  step: CompiledStep,
  ctx: StepContext,
  res: ProbeResponse,
  o: { durationMs: number; redirectedToLogin: boolean; loginRedirect?: string; challengeUrl: boolean; carriesSession: boolean; loginSession?: Session; jar: ReadonlyMap<string, string> },
): StepResult {
  const markers: Markers = ctx.check.endpointRef.markers;
  const text = res.body.toString('utf8');
  const contentType = header(res.headers['content-type'])?.toLowerCase() ?? '';
  const looksHtml = contentType.includes('html') || /^\s*</.test(text);
  let json: unknown;
  let jsonError = false;
  if (!looksHtml && text.trim() !== '') {
    try {
      json = JSON.parse(text);
    } catch {
      jsonError = true;
    }
  } else jsonError = true;
  const answer: Answer = {
    status: res.status,
    headers: res.headers,
    text,
    json,
    jsonError,
    finalUrl: res.url,
    cookies: o.jar,
    durationMs: o.durationMs,
  };
  const mText = markerText(text, json, jsonError);
  const redirectedToLogin = o.redirectedToLogin;
  const is2xx = res.status >= 200 && res.status < 300;

  const unmet: Unmet[] = [];
  let sessionIssued: boolean | undefined;
  if (step.role === 'login') {
    const s = o.loginSession!;
    if (step.issues?.token) {
      const t = getPath(json, step.issues.token);
      if (typeof t === 'string' && t !== '') s.token = t;
    }
    sessionIssued = step.issues?.token ? s.token !== undefined : step.issues?.cookie ? s.cookies.has(step.issues.cookie) : s.cookies.size > 0;
    if (step.issues?.token && step.issues.cookie) sessionIssued = s.token !== undefined || s.cookies.has(step.issues.cookie);
  }
  const htmlWhereJsonExpected = step.expectJson && looksHtml;
  const statusExpected = step.expect.status(res.status);
  if (is2xx || step.role === 'login' || statusExpected) {
    unmet.push(...checkExpectations(step.expect, answer, step.expectJson && !htmlWhereJsonExpected, ctx.now()));
    if (unmet.length === 0) unmet.push(...extract(step.extract, answer, ctx.vars));
  } else {
    unmet.push({ reason: 'assertion_failed', message: `status ${res.status}, expected ${step.expect.statusText}` });
  }

  const observation: Observation = {
    role: step.role,
    status: res.status,
    statusExpected,
    carriedSession: o.carriesSession,
    redirectedToLogin,
    // A login answer is read for challenge markers; any other request only counts a redirect to a
    // challenge page (a session sent to a checkpoint), not words in a page that may mention captchas.
    challenge: o.challengeUrl || (step.role === 'login' && anyMatch(markers.challenge, mText)),
    loginRejectedMarker: step.role === 'login' && anyMatch(markers.loginRejected, mText),
    logoutMarker: o.carriesSession && anyMatch(markers.logout, mText),
    errorMarker: is2xx && anyMatch(markers.error, mText),
    htmlWhereJsonExpected,
    sessionIssued,
    unmet: unmet.map((u) => u.reason),
  };
  const reason = classify(observation);
  if (!reason) return { status: res.status, session: o.loginSession };
  return { reason, status: res.status, message: explain(reason, res, unmet, o.loginRedirect) };
}

function explain(reason: Reason, res: ProbeResponse, unmet: Unmet[], loginRedirect: string | undefined): string {
  const where = `${res.status} on ${res.url.pathname}`;
  const first = unmet.find((u) => u.reason === reason) ?? unmet[0];
  switch (reason) {
    case 'forced_logout':
      return loginRedirect ? `${loginRedirect}: redirected to the login page` : `${where}: session rejected`;
    case 'login_rejected':
      return `${where}: login refused, no session issued`;
    case 'login_challenge':
      return `${where}: answered with a challenge (checkpoint, captcha or second factor)`;
    case 'error_page':
      return `${where}: error page instead of the expected answer`;
    default:
      return first ? `${where}: ${first.message}` : where;
  }
}

/** Where markers are looked for: the whole body unless it is JSON; then only its error-ish fields. */
function markerText(text: string, json: unknown, jsonError: boolean): string {
  if (jsonError || json === null || typeof json !== 'object' || Array.isArray(json)) return text.length > MARKER_TEXT_LIMIT ? text.slice(0, MARKER_TEXT_LIMIT) : text;
  const parts: string[] = [];
  for (const k of ERROR_FIELDS) {
    const v = (json as Record<string, unknown>)[k];
    if (v !== undefined && v !== null) parts.push(typeof v === 'string' ? v : JSON.stringify(v).slice(0, 4096));
  }
  return parts.join('\n');
}

function anyMatch(res: readonly RegExp[], text: string): boolean {
  for (const re of res) if (re.test(text)) return true;
  return false;
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function safeUrl(location: string, base: URL): URL | undefined {
  try {
    const u = new URL(location, base);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : undefined;
  } catch {
    return undefined;
  }
}

/** base `https://h/facebook` + `/feed` → `https://h/facebook/feed`; absolute URLs stay. */
export function resolveUrl(base: URL, path: string): URL {
  if (/^https?:\/\//i.test(path)) return new URL(path);
  const prefix = base.href.endsWith('/') ? base.href.slice(0, -1) : base.href;
  return new URL(prefix + (path.startsWith('/') ? path : `/${path}`));
}
