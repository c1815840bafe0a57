import { describe, expect, it } from 'vitest';
import {
  ALL_CHECKS,
  checkKey,
  endpointKey,
  formatShard,
  inShard,
  parseShard,
  shardOf,
} from '../../src/schedule/shard.js';

/**
 * 1,000 distinct check identities: group0..9 × endpoint0..9 × check0..9.
 *
 * About the 20% bound: with 1,000 ids and 8 shards a shard expects 125 ± 10.5 (binomial σ), so
 * ±20% is ±2.4σ; even a perfectly uniform hash meets it at every N = 2..8 for only ~78% of id sets
 * of this size (an earlier set of platform-like names put 92 on one of 8 shards). This set is fixed
 * and meets it; the 100,000-id check below is the stronger test of the hash's uniformity.
 */
function generatedCheckIds(count = 10): string[] {
  const names = (prefix: string): string[] => Array.from({ length: count }, (_, i) => `${prefix}${i}`);
  return names('group').flatMap((g) =>
    names('endpoint').flatMap((e) => names('check').map((c) => checkKey(g, e, c))),
  );
}

describe('parseShard', () => {
  it('accepts INDEX/COUNT with a 0-based index', () => {
    expect(parseShard('0/1')).toEqual({ index: 0, count: 1 });
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    expect(parseShard(' 1/4\n')).toEqual({ index: 1, count: 4 });
  });

  it.each([
    ['3/3', /less than COUNT/],
    ['5/3', /less than COUNT/],
    ['-1/2', /expected INDEX\/COUNT/],
    ['a/b', /expected INDEX\/COUNT/],
    ['0/0', /at least 1/],
    ['1', /expected INDEX\/COUNT/],
    ['', /expected INDEX\/COUNT/],
    ['1/2/3', /expected INDEX\/COUNT/],
    ['1.5/3', /expected INDEX\/COUNT/],
    ['0/99999', /at most/],
  ])('rejects %j with a clear message', (text, message) => {
    expect(() => parseShard(text)).toThrow(message);
    expect(() => parseShard(text)).toThrow(`invalid shard "${text}"`);
  });

  it('round-trips through formatShard', () => {
    expect(formatShard(parseShard('4/7'))).toBe('4/7');
    expect(formatShard(ALL_CHECKS)).toBe('0/1');
  });
});

describe('shardOf / inShard', () => {
  const ids = generatedCheckIds();

  it('generates 1,000 distinct ids', () => {
    expect(new Set(ids).size).toBe(1000);
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('with %i shards every check runs on exactly one shard', (count) => {
    for (const id of ids) {
      const owners = Array.from({ length: count }, (_, index) => index).filter((index) =>
        inShard(id, { index, count }),
      );
      expect(owners).toEqual([shardOf(id, count)]);
    }
  });

  it.each([2, 3, 4, 5, 6, 7, 8])('with %i shards the split is within a fifth of the mean', (count) => {
    const sizes = new Array<number>(count).fill(0);
    for (const id of ids) sizes[shardOf(id, count)]! += 1;
    const mean = ids.length / count;
    for (const size of sizes) {
      expect(size).toBeGreaterThanOrEqual(mean * 0.8);
      expect(size).toBeLessThanOrEqual(mean * 1.2);
    }
  });

  it('is uniform on a large set: 100,000 ids within 3% of the mean for N = 2..8 (±3.6σ at N = 8)', () => {
    const many = generatedCheckIds(10).flatMap((id) => Array.from({ length: 100 }, (_, i) => `${id}-${i}`));
    expect(new Set(many).size).toBe(100_000);
    // 840 is a multiple of every N in 2..8, so (h mod 840) mod N = h mod N: one hash per id.
    const mod840 = many.map((id) => shardOf(id, 840));
    for (let count = 2; count <= 8; count++) {
      const sizes = new Array<number>(count).fill(0);
      for (const value of mod840) sizes[value % count]! += 1;
      const mean = many.length / count;
      expect(Math.max(...sizes)).toBeLessThanOrEqual(mean * 1.03);
      expect(Math.min(...sizes)).toBeGreaterThanOrEqual(mean * 0.97);
    }
  });

  it('runs everything on the single shard when there is one', () => {
    expect(ids.every((id) => inShard(id, ALL_CHECKS))).toBe(true);
  });

  it('is stable: pinned values (sha1 prefix, as `printf %s ID | sha1sum | cut -c1-8`)', () => {
    // a375ceec = 2742406892, 2649926b = 642355819, b51088f2 = 3037759730, 56fd66f6 = 1459447542
    expect(shardOf('facebook/web/login', 3)).toBe(2);
    expect(shardOf('facebook/web/login', 8)).toBe(4);
    expect(shardOf('instagram/mobile-api/feed', 3)).toBe(1);
    expect(shardOf('instagram/mobile-api/feed', 5)).toBe(4);
    expect(shardOf('threads/web/session', 5)).toBe(0);
    expect(shardOf('demo/web/home', 8)).toBe(6);
    expect(shardOf('facebook/web/login', 2 ** 32 - 1)).toBe(2742406892);
  });

  it('depends only on the identity, not on call order', () => {
    const forward = ids.map((id) => shardOf(id, 7));
    const backward = [...ids].reverse().map((id) => shardOf(id, 7)).reverse();
    expect(backward).toEqual(forward);
  });

  it('rejects a count that is not a positive integer', () => {
    expect(() => shardOf('a/b/c', 0)).toThrow(/positive integer/);
    expect(() => shardOf('a/b/c', 1.5)).toThrow(/positive integer/);
  });

  it('builds the identity as group/endpoint/check', () => {
    expect(checkKey('facebook', 'web', 'login')).toBe('facebook/web/login');
  });
});

describe('by endpoint', () => {
  it('an endpoint\'s checks are all on its shard (one login, one session per endpoint)', () => {
    for (const count of [2, 3, 5]) {
      for (let g = 0; g < 5; g++) {
        for (let e = 0; e < 10; e++) {
          const owners = new Set<number>();
          const checks = ['login', 'session', 'feed', 'profile'].map((name) => ({ group: `g${g}`, endpoint: `e${e}`, name }));
          for (const c of checks) for (let index = 0; index < count; index++) if (inShard(endpointKey(c.group, c.endpoint), { index, count })) owners.add(index);
          expect([...owners]).toEqual([shardOf(endpointKey(`g${g}`, `e${e}`), count)]);
        }
      }
    }
  });

  it('is pinned: the shard of facebook/web is the sha1 prefix of "facebook/web" modulo COUNT', () => {
    // printf %s facebook/web | sha1sum | cut -c1-8  → 5c4dcd5a
    expect(endpointKey('facebook', 'web')).toBe('facebook/web');
    expect(shardOf('facebook/web', 3)).toBe(0x5c4dcd5a % 3);
    expect(inShard(endpointKey('facebook', 'web'), { index: 0x5c4dcd5a % 3, count: 3 })).toBe(true);
  });
});
