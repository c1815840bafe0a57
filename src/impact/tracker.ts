/**
 * Impact on incidents, as the incident manager uses it: before each evaluation (and on a short
 * tick) it accrues the time passed onto the open incidents and the counter
 * outpost_impact_estimated_total; after it, it takes the new check and group states as the shares
 * from then on and gives incidents just opened their `impact`. An incident's estimate is what the
 * priced buckets it covers accrued while it was open: a check incident its endpoint's bucket, a
 * group or multi_platform incident every bucket of its groups (in the unit of the first; buckets in
 * another unit are left to their own group's incidents).
 */
import type { CheckType } from '../config/types.js';
import type { IncidentBook } from '../incidents/book.js';
import type { CheckView, Incident, IncidentEvent } from '../incidents/types.js';
import type { CheckState } from '../check-state.js';
import { bucketKey, createLedger } from './ledger.js';
import { bucketShare } from './share.js';
import type { ImpactBucket, IncidentImpact } from './types.js';

export interface ImpactCounter {
  inc(labels: { group: string; unit: string; location: string }, value: number): void;
  remove(labels: { group: string; unit: string; location: string }): void;
}

export interface ObserveInput {
  checks: readonly CheckView[];
  groupStates: ReadonlyMap<string, CheckState>;
  maintenance: ReadonlySet<string>;
  events: readonly IncidentEvent[];
}

export interface ImpactTracker {
  advance(book: IncidentBook, t: number): IncidentBook;
  observe(book: IncidentBook, input: ObserveInput): IncidentBook;
  /** The impact an incident that accrued nothing carries (null when none of its groups is priced). */
  base(i: Pick<Incident, 'scope' | 'group' | 'endpoint' | 'groups'>): IncidentImpact | null;
  configure(buckets: readonly ImpactBucket[], checkTypes: ReadonlyMap<string, CheckType>, location: string): void;
  /** Whether any group is priced (else there is nothing to accrue between evaluations). */
  priced(): boolean;
}

export interface ImpactTrackerOptions {
  buckets: readonly ImpactBucket[];
  checkTypes: ReadonlyMap<string, CheckType>;
  location: string;
  counter?: ImpactCounter;
  /** Told what each group accrued (for the daily history). */
  onAccrued?: (group: string, unit: string, amount: number, t: number) => void;
  /** Accrue this many seconds per second (the demo's compressed replay counts in 5 March time); default 1. */
  timeScale?: number;
}

export function createImpactTracker(opts: ImpactTrackerOptions): ImpactTracker {
  const scale = opts.timeScale !== undefined && opts.timeScale > 0 ? opts.timeScale : 1;
  const ledger = createLedger(opts.buckets);
  let checkTypes = opts.checkTypes;
  let location = opts.location;
  const counted = new Map<string, { group: string; unit: string; location: string }>();

  const relevant = (i: Pick<Incident, 'scope' | 'group' | 'endpoint' | 'groups'>): ImpactBucket[] => {
    const all = ledger.buckets().filter((b) => (i.scope === 'check' ? b.group === i.group && i.endpoint !== null && b.endpoints.includes(i.endpoint) : i.groups.includes(b.group)));
    const unit = all[0]?.unit;
    return all.filter((b) => b.unit === unit);
  };
  const base = (i: Pick<Incident, 'scope' | 'group' | 'endpoint' | 'groups'>): IncidentImpact | null => {
    const list = relevant(i);
    if (list.length === 0) return null;
    return { unit: list[0]!.unit, perMinute: round(list.reduce((s, b) => s + b.perMinute, 0)), estimated: 0 };
  };
  const withImpact = (i: Incident, add: number): Incident => {
    const b = base(i);
    if (!b) return i.impact === null ? i : { ...i, impact: null };
    const before = i.impact && i.impact.unit === b.unit ? i.impact.estimated : 0;
    return { ...i, impact: { ...b, estimated: before + add } };
  };

  /** Every priced group's series exists from the start (at 0), so increase() sees its first accrual. */
  const declare = (): void => {
    for (const b of ledger.buckets()) {
      const labels = { group: b.group, unit: b.unit, location };
      opts.counter?.inc(labels, 0);
      counted.set(`${b.group}|${b.unit}`, labels);
    }
  };
  declare();

  // Resolved incidents keep what they had: an estimate is never changed after the fact.
  return {
    base,
    priced: () => ledger.buckets().length > 0,
    advance(book, t) {
      const amounts = ledger.advance(t);
      if (scale !== 1) for (const [k, a] of amounts) amounts.set(k, a * scale);
      for (const b of ledger.buckets()) {
        const a = amounts.get(bucketKey(b));
        if (!a) continue;
        const labels = { group: b.group, unit: b.unit, location };
        opts.counter?.inc(labels, a);
        opts.onAccrued?.(b.group, b.unit, a, t);
        counted.set(`${b.group}|${b.unit}`, labels);
      }
      if (amounts.size === 0) return book;
      const open = book.open.map((i) => withImpact(i, relevant(i).reduce((s, b) => s + (amounts.get(bucketKey(b)) ?? 0), 0)));
      return { open, recent: book.recent };
    },
    observe(book, input) {
      const shareChecks = input.checks.map((c) => ({ group: c.group, endpoint: c.endpoint, state: c.state, type: checkTypes.get(c.id) ?? 'http' }));
      const shares = new Map<string, number>();
      for (const b of ledger.buckets()) {
        shares.set(bucketKey(b), bucketShare(b, shareChecks, input.groupStates.get(b.group) ?? 'unknown', input.maintenance.has(b.group)));
      }
      ledger.setShares(shares);
      const open = book.open.map((i) => withImpact(i, 0));
      const byId = new Map(open.map((i) => [i.id, i]));
      for (const i of book.recent) byId.set(i.id, i);
      for (const e of input.events) {
        const now = byId.get(e.incident.id);
        e.incident.impact = now?.impact ? { ...now.impact } : base(e.incident);
      }
      return { open, recent: book.recent };
    },
    configure(buckets, types, loc) {
      ledger.setBuckets(buckets);
      checkTypes = types;
      const keep = new Set(buckets.map((b) => `${b.group}|${b.unit}`));
      for (const [k, labels] of counted) {
        if (keep.has(k) && labels.location === loc) continue;
        opts.counter?.remove(labels);
        counted.delete(k);
      }
      location = loc;
      declare();
    },
  };
}

/** Money-like figures to the cent: no float dust in payloads. */
function round(n: number): number {
  return Math.round(n * 100) / 100;
}
