/** Identical compiled pieces are shared between checks (one copy per config load), frozen, and behave the same. */
import { describe, expect, it } from 'vitest';
import { compiled, issuesOf, withChecks } from './helpers.js';
import { checkExpectations } from '../../src/journey/expect.js';

const SAME = "{ type: http, path: /data, headers: { x-a: '1' }, expect: { status: [200], json: [{ path: status, equals: ok }], bodyMatches: [fine] } }";

const byName = (text: string) => Object.fromEntries(compiled(text).checks.map((c) => [c.name, c]));

describe('shared compiled pieces', () => {
  it('checks with the same expect, path and headers hold one copy of each, frozen', () => {
    const k = byName(withChecks({ a: SAME, b: SAME, c: "{ type: http, path: /other, expect: { status: [201] } }" }, { auth: false }));
    const [a, b, c] = [k.a!.steps[0]!, k.b!.steps[0]!, k.c!.steps[0]!];
    expect(a).not.toBe(b);
    expect(a.expect).toBe(b.expect);
    expect(a.path).toBe(b.path);
    expect(a.headers).toBe(b.headers);
    expect(k.a!.info).toBe(k.b!.info);
    // Labels stay per check: the metrics memoise their text by that object.
    expect(k.a!.labels).not.toBe(k.b!.labels);
    expect(Object.isFrozen(a.expect)).toBe(true);
    expect(Object.isFrozen(a.expect.json[0]!.path)).toBe(true);
    expect(Object.isFrozen(a.path)).toBe(true);
    // Another expectation is its own.
    expect(c.expect).not.toBe(a.expect);
    expect(c.expect.status(201)).toBe(true);
    expect(c.expect.status(200)).toBe(false);
    // A shared piece works as a fresh one.
    expect(a.expect.status(200)).toBe(true);
    expect(a.expect.status(204)).toBe(false);
    expect(a.expect.bodyMatches[0]!.test('all FINE')).toBe(true);
    const answer = (status: number, json: unknown, text: string) => ({ status, json, text, jsonError: false, headers: {}, finalUrl: new URL('http://x/'), cookies: new Map(), durationMs: 1 });
    expect(checkExpectations(a.expect, answer(200, { status: 'ok' }, 'fine'), true, 0)).toEqual([]);
    expect(checkExpectations(b.expect, answer(500, { status: 'bad' }, 'nope'), true, 0).map((u) => u.message)).toEqual([
      'status 500, expected 200',
      'status is not "ok"',
      expect.stringContaining('fine'),
    ]);
  });

  it('two loads share nothing', () => {
    const text = withChecks({ a: SAME }, { auth: false });
    expect(compiled(text).checks[0]!.steps[0]!.expect).not.toBe(compiled(text).checks[0]!.steps[0]!.expect);
  });

  it('a bad piece is reported at every check that has it', () => {
    const bad = '{ type: http, path: /x, expect: { json: [{ path: "a..b" }] } }';
    const lines = issuesOf(withChecks({ a: bad, b: bad }, { auth: false }));
    expect(lines.filter((l) => l.includes('.checks.a.') && l.includes('json[0].path'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('.checks.b.') && l.includes('json[0].path'))).toHaveLength(1);
  });
});
