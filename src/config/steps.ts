/**
 * Compiling requests: the steps every check type is made of, their expectations, and the login
 * journey of an endpoint's `auth`. Shared by config/compile.ts and the check types in src/checks/.
 */
import type { RawAuth, RawExpect, RawStep } from './schema.js';
import type { CompiledStep, ConfigIssue, Expectations, Extractor, StatusMatcher } from './types.js';
import { parseDuration } from './units.js';
import { compileForm, compileJson, compileText, templateVariables, type Template } from '../journey/template.js';
import { badJsonPath, parseJsonPath } from '../journey/json-path.js';
import { NONE, shared } from './share.js';

export const re = (s: string) => new RegExp(s, 'i');

// Identical pieces are compiled once per config load and shared between checks (./share.ts).
/** A `{{variable}}` text, shared by every step that has the same text. */
const text = (t: string): Template => shared('text', t, () => compileText(t));
/** A JSON path, shared; undefined when it does not parse (never kept: the issue names its place). */
const jsonPathOf = (p: string) => shared('path', p, () => parseJsonPath(p), (x) => x !== undefined);
/** A step's headers: the same endpoint headers give the same list in every check of the endpoint. */
function headerList(headers: Record<string, string>): [string, Template][] {
  const entries = Object.entries(headers);
  if (entries.length === 0) return NONE as never;
  return shared('headers', JSON.stringify(entries), () => entries.map(([k, v]) => [k, text(v)] as [string, Template]));
}

/**
 * An endpoint's `auth`: a login journey (`path`: one request; `steps`: several, e.g. the password
 * then a `{{totp}}` code) or a preset session (`bearer`, `cookies`) that no login issues.
 */
export function compileAuth(
  a: RawAuth,
  endpointHeaders: Record<string, string>,
  path: string,
  issues: ConfigIssue[],
  hasTotp: boolean,
): { login?: CompiledStep[]; preset?: { token?: string; cookies: [string, string][] } } {
  const kinds = [a.path !== undefined, a.steps !== undefined, a.bearer !== undefined || a.cookies !== undefined].filter(Boolean).length;
  if (kinds !== 1) {
    issues.push({ path, message: 'auth needs exactly one of: path (a login request), steps (a login journey), bearer or cookies (a preset session)' });
    return {};
  }
  if (a.bearer !== undefined || a.cookies !== undefined) {
    for (const k of ['body', 'token', 'cookie', 'status'] as const) {
      if (a[k] !== undefined) issues.push({ path: `${path}.${k}`, message: 'a preset session (bearer or cookies) has no login: remove this field' });
    }
    return { preset: { token: a.bearer, cookies: Object.entries(a.cookies ?? {}) } };
  }
  const issuesAt = { token: a.token ? jsonPathOf(a.token) : undefined, cookie: a.cookie };
  if (a.token && !issuesAt.token) issues.push({ path: `${path}.token`, message: badJsonPath(a.token) });
  const finalStatus = a.status ?? ['2xx', '3xx'];
  if (a.path !== undefined) {
    const fields = a.body ?? { username: '{{username}}', password: '{{password}}' };
    const body: CompiledStep['body'] =
      a.format === 'form' ? { kind: 'form', template: compileForm(fields) } : { kind: 'json', template: compileJson(fields) };
    const headers = { ...endpointHeaders, ...(a.headers ?? {}) };
    if (a.format === 'form') headers['content-type'] ??= 'application/x-www-form-urlencoded';
    const step: CompiledStep = {
      name: 'login',
      role: 'login',
      method: a.method ?? 'POST',
      path: text(a.path),
      headers: headerList(headers),
      body,
      sendSession: false,
      expectJson: a.token !== undefined,
      extract: NONE as never,
      expect: compileExpect(undefined, finalStatus),
      issues: issuesAt,
    };
    if (usesVariable(step, 'totp') && !hasTotp) issues.push({ path: `${path}.body`, message: '{{totp}} needs account.totp (the base32 secret of the second factor)' });
    return { login: [step] };
  }
  for (const k of ['body', 'method'] as const) {
    if (a[k] !== undefined) issues.push({ path: `${path}.${k}`, message: 'with steps, each step has its own request: move this field into a step' });
  }
  const steps = a.steps!.map((raw, i) => {
    const at = `${path}.steps[${i}]`;
    const last = i === a.steps!.length - 1;
    const step = requestStep(raw.name ?? `login${i + 1}`, { ...raw, session: false }, false, { ...endpointHeaders, ...(a.headers ?? {}) }, at, issues);
    step.role = 'login';
    if (raw.expect === undefined) step.expect = compileExpect(undefined, last ? finalStatus : ['2xx', '3xx']);
    if (last) {
      step.issues = issuesAt;
      if (a.token) step.expectJson = true;
    }
    return step;
  });
  const firstTotp = steps.findIndex((s) => usesVariable(s, 'totp'));
  if (firstTotp >= 0 && !hasTotp) issues.push({ path: `${path}.steps[${firstTotp}]`, message: '{{totp}} needs account.totp (the base32 secret of the second factor)' });
  // The step before the second factor is answered with the challenge: that is expected.
  if (firstTotp > 0) steps[firstTotp - 1]!.challengeExpected = true;
  return { login: steps };
}

function usesVariable(step: CompiledStep, name: string): boolean {
  const templates: Template[] = [step.path, ...step.headers.map(([, t]) => t)];
  if (step.body) templates.push(step.body.template);
  return templates.some((t) => templateVariables(t).includes(name));
}

export function requestStep(
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
  else if (s.body !== undefined) body = { kind: 'raw', template: text(s.body) };
  const headers = { ...endpointHeaders, ...(s.headers ?? {}) };
  if (s.form !== undefined) headers['content-type'] ??= 'application/x-www-form-urlencoded';
  const extract: Extractor[] = [];
  for (const [varName, x] of Object.entries(s.extract ?? {})) {
    if ('json' in x) {
      const p = jsonPathOf(x.json);
      if (!p) issues.push({ path: `${path}.extract.${varName}.json`, message: badJsonPath(x.json) });
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
    path: text(s.path),
    headers: headerList(headers),
    body,
    sendSession: s.session ?? hasAuth,
    expectJson: s.expectJson ?? readsJson,
    extract: extract.length ? extract : (NONE as never),
    expect: compileExpect(s.expect, undefined, `${path}.expect`, issues),
  };
}

/**
 * A step's expectations, shared by every step with the same `expect` (and default status): most
 * checks of a large config expect the same status and the same JSON fields.
 */
function compileExpect(e: RawExpect | undefined, defaultStatus?: RawExpect['status'], path = '', issues: ConfigIssue[] = []): Expectations {
  const before = issues.length;
  return shared('expect', JSON.stringify([e ?? null, defaultStatus ?? null]), () => buildExpect(e, defaultStatus, path, issues), () => issues.length === before);
}

function buildExpect(e: RawExpect | undefined, defaultStatus: RawExpect['status'] | undefined, path: string, issues: ConfigIssue[]): Expectations {
  const status = e?.status ?? defaultStatus ?? ['2xx'];
  const jsonPath = (p: string, at: string) => {
    const parsed = jsonPathOf(p);
    if (!parsed) issues.push({ path: at, message: badJsonPath(p) });
    return parsed ?? [];
  };
  const statusText = status.join(', ');
  return {
    status: shared('status', statusText, () => statusMatcher(status)),
    statusText,
    // Every field named, in one order: one hidden class for all of them (a spread of the parsed
    // object gave each its own).
    json: (e?.json ?? []).map((j, i) => ({
      path: jsonPath(j.path, `${path}.json[${i}].path`),
      pathText: j.path,
      exists: j.exists,
      equals: j.equals,
      minCount: j.minCount,
    })),
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
