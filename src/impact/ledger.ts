/**
 * The accrual ledger: each priced bucket's share (held from one observation to the next) and the
 * time of the last accrual; advancing to t returns what each bucket accrued over [last, t) at its
 * profile's rates. The clock is the caller's (an injected `t`), so tests control time. The first
 * advance only starts the clock: time before it (a restart's gap) accrues nothing.
 */
import { accrueBetween } from './profile.js';
import type { ImpactBucket } from './types.js';

export function bucketKey(b: Pick<ImpactBucket, 'group' | 'endpoints' | 'unit'>): string {
  return `${b.group}|${b.endpoints.join(',')}|${b.unit}`;
}

export interface Ledger {
  /** What each bucket accrued since the last advance, at the shares set meanwhile (keyed by bucketKey). */
  advance(t: number): Map<string, number>;
  /** Shares (0..1) from now on, keyed by bucketKey; a bucket not named has share 0. */
  setShares(shares: ReadonlyMap<string, number>): void;
  setBuckets(buckets: readonly ImpactBucket[]): void;
  buckets(): readonly ImpactBucket[];
}

export function createLedger(initial: readonly ImpactBucket[]): Ledger {
  let buckets = [...initial];
  let shares = new Map<string, number>();
  let last: number | undefined;
  return {
    advance(t) {
      const out = new Map<string, number>();
      const from = last;
      if (last === undefined || t > last) last = t;
      if (from === undefined || !(t > from)) return out;
      for (const b of buckets) {
        const share = shares.get(bucketKey(b)) ?? 0;
        if (share > 0) out.set(bucketKey(b), share * accrueBetween(b, from, t));
      }
      return out;
    },
    setShares(next) {
      shares = new Map([...next].filter(([, s]) => s > 0).map(([k, s]) => [k, Math.min(1, s)]));
    },
    setBuckets(next) {
      buckets = [...next];
      const keys = new Set(buckets.map(bucketKey));
      for (const k of shares.keys()) if (!keys.has(k)) shares.delete(k);
    },
    buckets: () => buckets,
  };
}
