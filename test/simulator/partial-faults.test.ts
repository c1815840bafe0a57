import { afterEach, describe, expect, it } from 'vitest';
import { replaceFaults, selectHits } from '../../src/simulator/fault-state.js';
import { normalizeFault } from '../../src/simulator/faults.js';
import { mulberry32 } from '../../src/simulator/prng.js';
import type { Simulator } from '../../src/simulator/index.js';
import { bearer, loginInstagram, req, start } from './helpers.js';

const sims: Simulator[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

/** Status codes of `n` sequential timeline reads with a 30% http_5xx fault on. */
async function statusSequence(seed: number, n: number): Promise<number[]> {
  const sim = await start({ seed, latencyMs: [0, 3] });
  sims.push(sim);
  const token = await loginInstagram(sim);
  sim.setFaults('instagram', [{ type: 'http_5xx', ratio: 0.3, routes: ['feed'] }]);
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) {
    const res = await req(`${sim.baseUrl('instagram')}/api/v1/feed/timeline`, bearer(token));
    await res.arrayBuffer();
    statuses.push(res.status);
  }
  return statuses;
}

describe('partial faults', () => {
  it('are deterministic for a seed and respect the ratio over 200 requests', async () => {
    const a = await statusSequence(42, 200);
    const b = await statusSequence(42, 200);
    expect(b).toEqual(a);
    expect(new Set(a)).toEqual(new Set([200, 503]));
    const failures = a.filter((s) => s === 503).length;
    expect(failures).toBeGreaterThanOrEqual(40);
    expect(failures).toBeLessThanOrEqual(80);
    const c = await statusSequence(43, 200);
    expect(c).not.toEqual(a);
  });

  it('roll the PRNG only for partial faults', () => {
    let calls = 0;
    const rng = () => {
      calls++;
      return 0.5;
    };
    const active = [
      { fault: normalizeFault({ type: 'hang' }), setAt: 0 },
      { fault: normalizeFault({ type: 'slow', ratio: 0 }), setAt: 0 },
      { fault: normalizeFault({ type: 'reset', ratio: 0.6 }), setAt: 0 },
      { fault: normalizeFault({ type: 'invalid_json', ratio: 0.4 }), setAt: 0 },
      { fault: normalizeFault({ type: 'feed_empty', ratio: 0.9 }), setAt: 0 },
    ];
    const hits = selectHits(active, 'me', rng).map((h) => h.fault.type);
    expect(hits).toEqual(['hang', 'reset']);
    expect(calls).toBe(2); // feed_empty does not target `me`, full and zero ratios need no roll
  });

  it('mulberry32 repeats for a seed and stays in [0, 1)', () => {
    const a = mulberry32(9);
    const b = mulberry32(9);
    for (let i = 0; i < 1000; i++) {
      const x = a();
      expect(b()).toBe(x);
      expect(x >= 0 && x < 1).toBe(true);
    }
  });

  it('keep the set time of a fault that is set again unchanged', () => {
    const first = replaceFaults([], [normalizeFault({ type: 'feed_stale' })], 1000);
    const again = replaceFaults(first.active, [normalizeFault({ type: 'feed_stale' }), normalizeFault({ type: 'slow' })], 5000);
    expect(again.active.map((a) => a.setAt)).toEqual([1000, 5000]);
    expect(again.added.map((a) => a.fault.type)).toEqual(['slow']);
  });
});
