/**
 * One request of a journey (src/journey/step.ts), run through runCheck against loopback targets:
 * what redirects carry, expected statuses, logout and error markers, redirect limits and timings,
 * and how a Retry-After is read.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseConfigText } from '../../src/config/load.js';
import { runCheckType as runCheck } from '../../src/checks/index.js';
import { retryAfterMs } from '../../src/journey/step.js';
import { closeTargets, reply, startTarget } from '../support/targets.js';
import { compileChecks, RUN_ENV } from './compile.js';

afterEach(closeTargets);

const ACCOUNT = { username: 'seller', password: 'pw-secret-1' };

describe('cross-host redirects carry no credentials', () => {
  it('static Cookie, Authorization and key headers from the config stay on the endpoint\'s host', async () => {
    const other = await startTarget({ routes: { '/there': reply.json(200, {}) } });
    const t = await startTarget({ routes: { '/x': reply.redirect(302, `${other.url}/there`) } });
    const { c } = compileChecks({
      baseUrl: t.url,
      headers: { cookie: 'sid=static-secret', authorization: 'Bearer static-token', 'x-api-key': 'key-secret', 'x-client': 'outpost' },
      checks: { c: { type: 'http', path: '/x' } },
    });
    const out = await runCheck(c!, undefined, RUN_ENV);
    expect(out.ok, out.message ?? '').toBe(true);
    const h = other.hits('/there')[0]!.headers;
    expect(h.cookie).toBeUndefined();
    expect(h.authorization).toBeUndefined();
    expect(h['x-api-key']).toBeUndefined();
    expect(h['x-client']).toBe('outpost');
    // The endpoint's own host got them.
    expect(t.hits('/x')[0]!.headers.cookie).toBe('sid=static-secret');
  });

  it('a 307 to another host is not followed with a body holding the password', async () => {
    const other = await startTarget({ routes: { '/there': reply.json(200, {}) } });
    const t = await startTarget({ routes: { '/x': reply.redirect(307, `${other.url}/there`) } });
    const { c } = compileChecks({
      baseUrl: t.url,
      account: ACCOUNT,
      checks: { c: { type: 'http', steps: [{ path: '/x', form: { pass: '{{password}}' } }] } },
    });
    const out = await runCheck(c!, undefined, RUN_ENV);
    expect(other.requests).toHaveLength(0);
    expect(out.ok).toBe(false);
  });

  it('a 307 on the same host is followed with its body', async () => {
    const t = await startTarget({ routes: { '/x': reply.redirect(307, '/y'), '/y': reply.json(200, { ok: true }) } });
    const { c } = compileChecks({ baseUrl: t.url, checks: { c: { type: 'http', steps: [{ path: '/x', json: { a: 1 } }] } } });
    const out = await runCheck(c!, undefined, RUN_ENV);
    expect(out.ok, out.message ?? '').toBe(true);
    expect(t.hits('/y')[0]).toMatchObject({ method: 'POST', body: '{"a":1}' });
  });
});

describe('expected statuses', () => {
  it('an expected 404 is a success, not http_4xx', async () => {
    const t = await startTarget({ routes: { '/gone': reply.json(404, { error: 'not found' }) } });
    const { c } = compileChecks({ baseUrl: t.url, checks: { c: { type: 'http', path: '/gone', expect: { status: [404] } } } });
    const out = await runCheck(c!, undefined, RUN_ENV);
    expect(out.reason).toBeNull();
    expect(out.httpStatus).toBe(404);
  });

  it('an expected non-2xx status still has its other expectations checked', async () => {
    const t = await startTarget({ routes: { '/gone': reply.text(410, 'bye') } });
    const { c } = compileChecks({ baseUrl: t.url, checks: { c: { type: 'http', path: '/gone', expect: { status: [410], bodyMatches: ['^gone for good$'] } } } });
    expect((await runCheck(c!, undefined, RUN_ENV)).reason).toBe('assertion_failed');
  });

  it('an unexpected 200 where 404 was expected is assertion_failed', async () => {
    const t = await startTarget({ routes: { '/x': reply.json(200, {}) } });
    const { c } = compileChecks({ baseUrl: t.url, checks: { c: { type: 'http', path: '/x', expect: { status: [404] } } } });
    expect((await runCheck(c!, undefined, RUN_ENV)).reason).toBe('assertion_failed');
  });

  it('an unexpected 404 is http_4xx', async () => {
    const t = await startTarget();
    const { c } = compileChecks({ baseUrl: t.url, checks: { c: { type: 'http', path: '/x', expect: { status: [200] } } } });
    expect((await runCheck(c!, undefined, RUN_ENV)).reason).toBe('http_4xx');
  });
});

describe('markers and redirects', () => {
  const session = { baseUrl: '', account: ACCOUNT, auth: { path: '/login', cookie: 'sid' } };
  const loginRoute = { 'POST /login': reply.json(200, { ok: true }, { 'set-cookie': 'sid=s1' }) };

  it('a 200 page saying "log in again" to a request with a session is forced_logout', async () => {
    const t = await startTarget({ routes: { ...loginRoute, '/me': reply.html(200, '<p>Your session has expired. Please log in again.</p>') } });
    const { me } = compileChecks({ ...session, baseUrl: t.url, checks: { me: { type: 'session', path: '/me' } } });
    expect((await runCheck(me!, undefined, RUN_ENV)).reason).toBe('forced_logout');
  });

  it('the same page to a request without a session is no logout', async () => {
    const t = await startTarget({ routes: { '/me': reply.html(200, '<p>Please log in again.</p>') } });
    const { c } = compileChecks({ baseUrl: t.url, checks: { c: { type: 'http', path: '/me' } } });
    expect((await runCheck(c!, undefined, RUN_ENV)).reason).toBeNull();
  });

  it('group markers replace the defaults', async () => {
    const t = await startTarget({ routes: { '/x': reply.json(200, { message: 'Oops, the hamsters stopped' }) } });
    const { c } = compileChecks({ baseUrl: t.url, checks: { c: { type: 'http', path: '/x' } } });
    expect((await runCheck(c!, undefined, RUN_ENV)).reason).toBeNull();
    const text = stringify({
      location: 'test',
      groups: { t: { markers: { error: ['hamsters stopped'] }, endpoints: { ep: { baseUrl: t.url, checks: { c: { type: 'http', path: '/x', timeout: '2s' } } } } } },
    });
    const loaded = parseConfigText(text, {});
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
    expect((await runCheck(loaded.config.checks[0]!, undefined, RUN_ENV)).reason).toBe('error_page');
  });

  it('a redirect loop is assertion_failed after maxRedirects hops', async () => {
    const t = await startTarget({ routes: { '/a': reply.redirect(302, '/b'), '/b': reply.redirect(302, '/a') } });
    const { c } = compileChecks({ baseUrl: t.url, checks: { c: { type: 'http', path: '/a', maxRedirects: 3 } } });
    const out = await runCheck(c!, undefined, RUN_ENV);
    expect(out.reason).toBe('assertion_failed');
    expect(t.requests).toHaveLength(4);
    expect(out.trace.attempts).toBe(4);
  });

  it('timings are summed over redirects', async () => {
    const t = await startTarget({ routes: { '/a': reply.redirect(302, '/b'), '/b': reply.json(200, {}) } });
    const { c } = compileChecks({ baseUrl: t.url, checks: { c: { type: 'http', path: '/a' } } });
    const out = await runCheck(c!, undefined, RUN_ENV);
    expect(out.ok).toBe(true);
    expect(out.trace.attempts).toBe(2);
    expect(out.trace.timings.connect).toBeGreaterThan(0);
  });
});

describe('Retry-After', () => {
  const now = Date.parse('2024-03-05T15:30:00Z');
  it('seconds, or an HTTP date from now; nothing usable is undefined', () => {
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs(new Date(now + 90_000).toUTCString(), now)).toBe(90_000);
    expect(retryAfterMs(undefined, now)).toBeUndefined();
    expect(retryAfterMs('soon', now)).toBeUndefined();
  });
});
