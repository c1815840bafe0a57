/** The faults switched on per platform, when each was set, and which of them hit a request. */
import type { Fault, FaultType, Platform, Route } from './types.js';
import { PLATFORMS } from './types.js';

export interface ActiveFault {
  fault: Fault;
  /** Clock time (ms) the fault was switched on; `feed_stale` freezes the feed here. */
  setAt: number;
}

export type FaultTable = Record<Platform, ActiveFault[]>;

export function emptyFaultTable(): FaultTable {
  return { facebook: [], instagram: [], threads: [] };
}

/**
 * Replaces a platform's faults. A fault identical to one already on keeps its original `setAt`
 * (re-applying a scenario step does not restart a stale feed's clock or log everybody out again).
 * Returns the new list and the faults that were newly switched on.
 */
export function replaceFaults(
  current: readonly ActiveFault[],
  next: readonly Fault[],
  now: number,
): { active: ActiveFault[]; added: ActiveFault[] } {
  const remaining = [...current];
  const active: ActiveFault[] = [];
  const added: ActiveFault[] = [];
  for (const fault of next) {
    const key = JSON.stringify(fault);
    const i = remaining.findIndex((a) => JSON.stringify(a.fault) === key);
    if (i >= 0) {
      active.push(remaining.splice(i, 1)[0]!);
    } else {
      const entry = { fault, setAt: now };
      active.push(entry);
      added.push(entry);
    }
  }
  return { active, added };
}

/**
 * The faults that hit one request: those targeting the route that win their ratio roll. The
 * PRNG is consulted only for partial faults, so full faults never shift the random sequence.
 */
export function selectHits(active: readonly ActiveFault[], route: Route, rng: () => number): ActiveFault[] {
  return active.filter((a) => {
    if (!(a.fault.routes ?? []).includes(route)) return false;
    const ratio = a.fault.ratio ?? 1;
    if (ratio >= 1) return true;
    if (ratio <= 0) return false;
    return rng() < ratio;
  });
}

export function findHit(hits: readonly ActiveFault[], type: FaultType): ActiveFault | undefined {
  return hits.find((h) => h.fault.type === type);
}

export function snapshotFaults(table: FaultTable): Record<Platform, Fault[]> {
  const out = {} as Record<Platform, Fault[]>;
  for (const p of PLATFORMS) out[p] = table[p].map((a) => structuredClone(a.fault));
  return out;
}
