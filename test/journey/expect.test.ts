/** Expectations on one answer and extraction of variables (src/journey/expect.ts): data in, data out. */
import { describe, expect, it } from 'vitest';
import type { Expectations, Extractor } from '../../src/config/types.js';
import { checkExpectations, extract, type Answer } from '../../src/journey/expect.js';

const NOW = Date.parse('2024-03-05T15:30:00Z');

function answer(over: Partial<Answer> = {}): Answer {
  const json = over.json ?? { data: [] };
  return {
    status: 200,
    headers: {},
    text: JSON.stringify(json),
    json,
    jsonError: false,
    finalUrl: new URL('http://127.0.0.1/feed'),
    cookies: new Map(),
    durationMs: 10,
    ...over,
  };
}

function expectations(over: Partial<Expectations> = {}): Expectations {
  return { status: (s) => s >= 200 && s < 300, statusText: '2xx', json: [], bodyMatches: [], bodyNotMatches: [], ...over };
}

const reasons = (e: Expectations, a: Answer, expectJson = true) => checkExpectations(e, a, expectJson, NOW).map((u) => u.reason);

describe('checkExpectations', () => {
  it('an answer meeting every expectation leaves nothing unmet', () => {
    expect(checkExpectations(expectations(), answer(), true, NOW)).toEqual([]);
  });

  it('a status outside the expected set is assertion_failed, and says what was expected', () => {
    const [u] = checkExpectations(expectations(), answer({ status: 302 }), false, NOW);
    expect(u).toEqual({ reason: 'assertion_failed', message: 'status 302, expected 2xx' });
  });

  it('a body that is not JSON where JSON is expected is invalid_response, and nothing further is checked', () => {
    const e = expectations({ bodyMatches: [/never/] });
    expect(reasons(e, answer({ jsonError: true, json: undefined, text: '<html>' }))).toEqual(['invalid_response']);
  });

  it('JSON paths: missing is invalid_response; exists: false, equals and minCount are assertion_failed', () => {
    const path = (p: string[]) => ({ path: p, pathText: p.join('.') });
    const a = answer({ json: { status: 'fail', user: { id: 1 }, list: [1] } });
    expect(reasons(expectations({ json: [path(['viewer'])] }), a)).toEqual(['invalid_response']);
    expect(reasons(expectations({ json: [{ ...path(['user']), exists: false }] }), a)).toEqual(['assertion_failed']);
    expect(reasons(expectations({ json: [{ ...path(['status']), equals: 'ok' }] }), a)).toEqual(['assertion_failed']);
    expect(reasons(expectations({ json: [{ ...path(['list']), minCount: 2 }] }), a)).toEqual(['assertion_failed']);
    expect(reasons(expectations({ json: [{ ...path(['status']), equals: 'fail' }, { ...path(['list']), minCount: 1 }] }), a)).toEqual([]);
  });

  describe('feed items', () => {
    const items = (minItems: number, maxAgeMs?: number) => ({ path: ['data'], pathText: 'data', minItems, timestamp: ['created_time'], maxAgeMs });
    const feed = (...times: unknown[]) => answer({ json: { data: times.map((t) => ({ created_time: t })) } });

    it('fewer items than required is feed_empty', () => {
      expect(reasons(expectations({ items: items(1) }), feed())).toEqual(['feed_empty']);
    });

    it('items that are not a list is invalid_response', () => {
      expect(reasons(expectations({ items: items(1) }), answer({ json: { data: { a: 1 } } }))).toEqual(['invalid_response']);
    });

    it('the newest item decides staleness, whatever the order', () => {
      const e = expectations({ items: items(1, 120_000) });
      const fresh = new Date(NOW - 60_000).toISOString();
      const old = new Date(NOW - 3_600_000).toISOString();
      expect(reasons(e, feed(old, fresh))).toEqual([]);
      const [u] = checkExpectations(e, feed(old), true, NOW);
      expect(u).toEqual({ reason: 'feed_stale', message: 'newest item is 60m old, allowed 2m' });
    });

    it('timestamps as ISO text, unix seconds and milliseconds, numbers or numeric strings', () => {
      const e = expectations({ items: items(1, 120_000) });
      const t = NOW - 30_000;
      for (const v of [new Date(t).toISOString(), t / 1000, t, String(t / 1000), String(t)]) expect(reasons(e, feed(v)), String(v)).toEqual([]);
    });

    it('no readable timestamp on any item is invalid_response, not a stale feed', () => {
      expect(reasons(expectations({ items: items(1, 120_000) }), feed('yesterday', null))).toEqual(['invalid_response']);
    });
  });

  it('body patterns and the response time are assertions', () => {
    const a = answer({ text: 'Please log in again', json: undefined, durationMs: 900 });
    expect(reasons(expectations({ bodyMatches: [/Welcome/] }), a, false)).toEqual(['assertion_failed']);
    expect(reasons(expectations({ bodyNotMatches: [/log in/] }), a, false)).toEqual(['assertion_failed']);
    expect(reasons(expectations({ maxDurationMs: 500 }), a, false)).toEqual(['assertion_failed']);
  });
});

describe('extract', () => {
  const a = answer({
    json: { auth: { token: 'tok-1', expires: 3600 } },
    headers: { 'x-csrf': ['c1', 'c2'], location: '/next' },
    cookies: new Map([['sid', 's-1']]),
    finalUrl: new URL('http://127.0.0.1/home?code=42'),
    text: 'fb_dtsg":"dt-9"',
  });

  it('from JSON (non-strings JSON-encoded), a header (its first value), a cookie, the final URL and a regex group', () => {
    const xs: Extractor[] = [
      { name: 'token', from: 'json', path: ['auth', 'token'] },
      { name: 'exp', from: 'json', path: ['auth', 'expires'] },
      { name: 'csrf', from: 'header', header: 'x-csrf' },
      { name: 'sid', from: 'cookie', cookie: 'sid' },
      { name: 'url', from: 'url' },
      { name: 'dtsg', from: 'regex', regex: /fb_dtsg":"([^"]+)"/ },
    ];
    const vars: Record<string, string> = {};
    expect(extract(xs, a, vars)).toEqual([]);
    expect(vars).toEqual({ token: 'tok-1', exp: '3600', csrf: 'c1', sid: 's-1', url: 'http://127.0.0.1/home?code=42', dtsg: 'dt-9' });
  });

  it('a value that is not there is invalid_response naming the variable, and sets nothing', () => {
    const vars: Record<string, string> = {};
    const unmet = extract([{ name: 'token', from: 'json', path: ['nope'] }, { name: 'sid', from: 'cookie', cookie: 'other' }], a, vars);
    expect(unmet).toEqual([
      { reason: 'invalid_response', message: 'could not extract token' },
      { reason: 'invalid_response', message: 'could not extract sid' },
    ]);
    expect(vars).toEqual({});
  });
});
