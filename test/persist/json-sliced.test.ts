import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { stringifySliced } from '../../src/persist/json-sliced.js';

describe('stringifySliced', () => {
  it('gives JSON.stringify\'s text for any JSON-like value', async () => {
    await fc.assert(
      fc.asyncProperty(fc.anything({ withObjectString: true, withNullPrototype: false, maxDepth: 4 }), async (v) => {
        expect(await stringifySliced(v, 3, async () => undefined)).toBe(JSON.stringify(v));
      }),
      { numRuns: 300 },
    );
  });

  it('leaves out what JSON leaves out, and keeps toJSON, dates and arrays as JSON.stringify does', async () => {
    const v = { a: undefined, b: () => 1, c: new Date(0), d: [undefined, 1], e: { toJSON: () => 'x' }, f: NaN, g: { h: { i: undefined } }, 'k"\n': 1 };
    expect(await stringifySliced(v)).toBe(JSON.stringify(v));
    expect(await stringifySliced(undefined)).toBe(undefined);
    expect(await stringifySliced([1, { a: 2 }])).toBe(JSON.stringify([1, { a: 2 }]));
  });

  it('writes a large object (the state of 10,000 checks) a slice at a time, yielding between slices', async () => {
    const checks: Record<string, unknown> = {};
    for (let i = 0; i < 10_000; i++) checks[`g/e/c${i}`] = { state: 'up', reason: null, since: i, lastResult: { ok: true, at: i } };
    const doc = { version: 1, savedAt: 'now', data: { checks, incidents: { open: [], recent: [] }, journalSeq: 3 } };
    let yields = 0;
    const text = await stringifySliced(doc, 500, async () => void yields++);
    expect(text).toBe(JSON.stringify(doc));
    expect(yields).toBeGreaterThanOrEqual(20);
  });
});
