/**
 * One step of a journey: render the request, send it (following redirects, collecting cookies),
 * then observe the answer (markers, login forms, JSON errors, expectations, extraction) and hand
 * what was observed to the classifier, which alone names the reason.
 */
import { performance } from 'node:perf_hooks';
import type { CompiledCheck, CompiledStep, Markers } from '../config/types.js';
import { classify, type Observation } from '../classify.js';
import type { Reason } from '../reasons.js';
import { probe, ProbeError, type ProbeTrace, type ProbeResponse } from '../probe/http.js';
import { checkExpectations, extract, type Answer, type Unmet } from './expect.js';
import { getPath } from './json-path.js';
import { isIssued, type Session } from './session.js';
import { cookieHeaderFor, storeAnswerCookies } from './cookies.js';
import { renderText, type Vars } from './template.js';

export interface StepResult {
  reason?: Reason;
  /** Short explanation of a failure, secret-free (paths only, no query strings or values). */
  message?: string;
  status: number;
  /** A 429's Retry-After, in ms (uncapped; the caller caps it). */
  retryAfterMs?: number;
  /** A login step's answer asked for a challenge (the expected second factor, when it passed). */
  challenged?: boolean;
}

export interface StepContext {
  check: CompiledCheck;
  /** The session the request carries (the endpoint's, or the one a login is building). */
  session: Session | undefined;
  vars: Record<string, string>;
  /** A cookie jar for requests that carry no session. */
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
/** A password input: the page is a login form, whatever its URL. */
const PASSWORD_INPUT = /<input\b[^>]*\btype\s*=\s*["']?password\b/i;
/** Graph-API-style error codes that mean the token or session is no longer valid (190: access token; 102: API session). */
const SESSION_ERROR_CODES = new Set([190, 102]);

export async function runStep(step: CompiledStep, ctx: StepContext): Promise<StepResult> {
  const { check } = ctx;
  const endpoint = check.endpointRef;
  const vars: Vars = ctx.vars;
  const isLogin = step.role === 'login';
  const carriesSession = !isLogin && step.sendSession && ctx.session !== undefined;
  const jar = isLogin ? ctx.session!.cookies : carriesSession ? ctx.session!.cookies : ctx.jar;

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
  const hops: Hops = { redirectedToLogin: false, challengeUrl: false, tooMany: false };
  const follow = !isLogin;
  for (let hop = 0; ; hop++) {
    const reqHeaders = { ...headers };
    const sameOrigin = url.origin === origin;
    // The jar decides by domain, path, expiry, Secure and SameSite; never on a redirect to another host.
    const cookie = sameOrigin ? cookieHeaderFor(jar, url, endpoint.baseUrl) : undefined;
    if (cookie) reqHeaders.cookie = cookie;
    if (!sameOrigin) {
      // Never hand credentials to another host: the session's and any configured one.
      for (const k of Object.keys(reqHeaders)) if (CREDENTIAL_HEADER.test(k)) delete reqHeaders[k];
    }
    try {
      res = await probe(
        { url, method, headers: reqHeaders, body, deadline: ctx.deadline, maxBodyBytes: check.maxBodyBytes, tls: endpoint.tls, keepAlive: !check.freshConnection },
        ctx.trace,
      );
    } catch (err) {
      if (!(err instanceof ProbeError)) throw err;
      const transport = err.reason === 'invalid_response' ? undefined : err.reason;
      const reason = classify({ ...NOTHING_SEEN, role: step.role, carriedSession: carriesSession, transport, unmet: transport ? [] : [err.reason] })!;
      return { reason, message: `${method} ${url.pathname}: ${err.message}`, status: 0 };
    }
    // Cookies of the endpoint's site only (its subdomains included): a foreign host's never count as the session.
    await storeAnswerCookies(jar, res.headers['set-cookie'], url, endpoint.baseUrl);
    const location = header(res.headers.location);
    if (res.status >= 300 && res.status < 400 && location) {
      const next = safeUrl(location, url);
      if (next) {
        if (endpoint.markers.loginUrl.test(next.pathname) && !hops.redirectedToLogin) {
          hops.redirectedToLogin = true;
          hops.loginRedirect = `${res.status} on ${url.pathname} to ${next.pathname}`;
        }
        if (anyMatch(endpoint.markers.challenge, next.pathname + next.search)) hops.challengeUrl = true;
      }
      if (!follow || !next) break;
      if (hop >= check.maxRedirects) {
        hops.tooMany = true;
        break;
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
  return observe(step, ctx, res!, { durationMs, hops, carriesSession, jar });
}

interface Hops {
  redirectedToLogin: boolean;
  /** `302 on /feed to /login.php`: the answer that sent the request to the login page, for the message. */
  loginRedirect?: string;
  challengeUrl: boolean;
  tooMany: boolean;
}

const NOTHING_SEEN: Observation = {
  role: 'request',
  status: 0,
  carriedSession: false,
  redirectedToLogin: false,
  challenge: false,
  loginRejectedMarker: false,
  logoutMarker: false,
  errorMarker: false,
  htmlWhereJsonExpected: false,
  unmet: [],
};

function observe(
  step: CompiledStep,
  ctx: StepContext,
  res: ProbeResponse,
  o: { durationMs: number; hops: Hops; carriesSession: boolean; jar: ReadonlyMap<string, string> },
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
  const is2xx = res.status >= 200 && res.status < 300;
  const isLogin = step.role === 'login';
  const isRedirect = res.status >= 300 && res.status < 400;
  const loginForm = looksHtml && !isRedirect && PASSWORD_INPUT.test(text.length > MARKER_TEXT_LIMIT * 4 ? text.slice(0, MARKER_TEXT_LIMIT * 4) : text);

  const unmet: Unmet[] = [];
  let sessionIssued: boolean | undefined;
  if (isLogin && step.issues) {
    const s = ctx.session!;
    if (step.issues.token) {
      const t = getPath(json, step.issues.token);
      if (typeof t === 'string' && t !== '') s.token = t;
    }
    sessionIssued = isIssued(step.issues, s);
  }
  // A login answer is read for challenge markers; any other request only counts a redirect to a
  // challenge page (a session sent to a checkpoint), not words in a page that may mention captchas.
  const challenge = o.hops.challengeUrl || (isLogin && anyMatch(markers.challenge, mText));
  const expectedChallenge = challenge && step.challengeExpected === true;
  const htmlWhereJsonExpected = step.expectJson && looksHtml && !expectedChallenge;
  const statusExpected = step.expect.status(res.status) || expectedChallenge;
  if (expectedChallenge) {
    // The second factor is asked for, as configured: the next step answers it (with what is extracted here).
    unmet.push(...extract(step.extract, answer, ctx.vars));
  } else if (is2xx || isLogin || statusExpected) {
    unmet.push(...checkExpectations(step.expect, answer, step.expectJson && !htmlWhereJsonExpected, ctx.now()));
    // Before the second factor, what is extracted serves the code step: not asked for it, nothing to extract.
    if (unmet.length === 0 && !step.challengeExpected) unmet.push(...extract(step.extract, answer, ctx.vars));
  } else {
    unmet.push({ reason: 'assertion_failed', message: `status ${res.status}, expected ${step.expect.statusText}` });
  }

  const observation: Observation = {
    role: step.role,
    status: res.status,
    statusExpected,
    carriedSession: o.carriesSession,
    redirectedToLogin: o.hops.redirectedToLogin,
    challenge,
    challengeExpected: step.challengeExpected,
    loginRejectedMarker: isLogin && anyMatch(markers.loginRejected, mText),
    logoutMarker: o.carriesSession && anyMatch(markers.logout, mText),
    // A login that sent credentials and got the form back was refused; fetching the form first is no failure.
    loginForm: isLogin ? loginForm && step.method !== 'GET' : loginForm,
    sessionErrorCode: o.carriesSession && hasSessionErrorCode(json),
    errorMarker: is2xx && anyMatch(markers.error, mText),
    htmlWhereJsonExpected,
    sessionIssued,
    tooManyRedirects: o.hops.tooMany,
    unmet: unmet.map((u) => u.reason),
  };
  const reason = classify(observation);
  if (!reason) return observation.challenge ? { status: res.status, challenged: true } : { status: res.status };
  const out: StepResult = { reason, status: res.status, message: explain(reason, res, unmet, o.hops, observation, ctx.check.maxRedirects) };
  if (reason === 'rate_limited') out.retryAfterMs = retryAfterMs(header(res.headers['retry-after']), ctx.now());
  return out;
}

function explain(reason: Reason, res: ProbeResponse, unmet: Unmet[], hops: Hops, o: Observation, maxRedirects: number): string {
  const where = `${res.status} on ${res.url.pathname}`;
  const first = unmet.find((u) => u.reason === reason) ?? unmet[0];
  switch (reason) {
    case 'forced_logout':
      if (hops.loginRedirect) return `${hops.loginRedirect}: redirected to the login page`;
      if (o.sessionErrorCode) return `${where}: the platform says the session or token is no longer valid`;
      if (o.loginForm) return `${where}: answered with a login form`;
      return `${where}: session rejected`;
    case 'login_rejected':
      return o.loginForm ? `${where}: login refused, answered with the login form again` : `${where}: login refused, no session issued`;
    case 'login_challenge':
      return `${where}: answered with a challenge (checkpoint, captcha or second factor)`;
    case 'error_page':
      return `${where}: error page instead of the expected answer`;
    case 'assertion_failed':
      if (hops.tooMany) return `${where}: more than ${maxRedirects} redirects`;
      return first ? `${where}: ${first.message}` : where;
    default:
      return first ? `${where}: ${first.message}` : where;
  }
}

/** `{"error":{"code":190,…}}` (Graph API) or `{"error_code":190,…}` (the older REST API). */
function hasSessionErrorCode(json: unknown): boolean {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return false;
  const j = json as Record<string, unknown>;
  const err = j['error'];
  if (err && typeof err === 'object' && SESSION_ERROR_CODES.has(Number((err as Record<string, unknown>)['code']))) return true;
  return SESSION_ERROR_CODES.has(Number(j['error_code']));
}

/** Retry-After: seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  return Number.isFinite(t) ? Math.max(0, t - now) : undefined;
}

/** Where markers are looked for: the whole body unless it is JSON; then only its error-ish fields. */
function markerText(text: string, json: unknown, jsonError: boolean): string {
  if (jsonError || json === null || typeof json !== 'object' || Array.isArray(json)) return text.length > MARKER_TEXT_LIMIT ? text.slice(0, MARKER_TEXT_LIMIT) : text;
  const parts: string[] = [];
  for (const k of ERROR_FIELDS) {
    const v = (json as Record<string, unknown>)[k];
    if (v !== undefined && v !== null) parts.push(typeof v === 'string' ? v : JSON.stringify(v).slice(0, 4096));
  }
  // Instagram-style flags: {"two_factor_required": true}, {"checkpoint_url": …}
  for (const k of ['two_factor_required', 'checkpoint_url', 'challenge']) if ((json as Record<string, unknown>)[k]) parts.push(k);
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
function resolveUrl(base: URL, path: string): URL {
  if (/^https?:\/\//i.test(path)) return new URL(path);
  const prefix = base.href.endsWith('/') ? base.href.slice(0, -1) : base.href;
  return new URL(prefix + (path.startsWith('/') ? path : `/${path}`));
}
