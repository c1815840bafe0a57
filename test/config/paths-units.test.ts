/** Nothing silently misread: durations with units out of order or repeated, and JSON paths this does not support, are refused. */
import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/config/units.js';
import { getPath, jsonPathProblem, parseJsonPath } from '../../src/journey/json-path.js';

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['1m30s', 90_000],
    ['1h5m10s250ms', 3_910_250],
    ['1d', 86_400_000],
  ])('%s = %i ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['30s1m', '1m1m', '1s1h', '5ms1s', '1m30s30s', '10', 'm', ''])('refuses %j', (text) => expect(parseDuration(text)).toBeUndefined());
});

describe('JSON paths', () => {
  it.each([
    ['data.items[0].id', ['data', 'items', 0, 'id']],
    ['$.items', ['items']],
    ['items.0', ['items', 0]],
    ['a["odd key"].b', ['a', 'odd key', 'b']],
    ["a['x.y']", ['a', 'x.y']],
    ['$', []],
  ])('%s', (text, path) => expect(parseJsonPath(text)).toEqual(path));

  it.each([
    ['items[*].id', /wildcard/],
    ['items.*', /wildcard/],
    ['a..b', /recursive descent/],
    ['$..id', /recursive descent/],
    ['items[?(@.id)]', /filters/],
    ['items[0:2]', /slices/],
    ['a.', /end with a dot/],
    ['.a', /unexpected/],
    ['a[0]b', /must follow a dot/],
  ])('refuses %s, saying why', (text, why) => {
    expect(parseJsonPath(text)).toBeUndefined();
    expect(jsonPathProblem(text)).toMatch(why);
  });

  it('reads what it parses', () => {
    expect(getPath({ data: { items: [{ id: 7 }] } }, parseJsonPath('data.items[0].id')!)).toBe(7);
  });
});

describe('validation messages', () => {
  it('say what is not supported', async () => {
    const { badJsonPath } = await import('../../src/journey/json-path.js');
    expect(badJsonPath('items[*].id')).toBe('wildcards ([*], .*) are not supported: name one item by its index, e.g. items[0].id; write a path such as data.items[0].id');
    expect(badJsonPath('a[x')).toBe('not a JSON path such as data.items[0].id');
  });
});
