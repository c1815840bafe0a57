/**
 * What `outpost report` reads (docs/report.md): resolved incidents and, per UTC day, each check's
 * time up, degraded, down (by reason) and in maintenance, and each group's accrued impact. Kept in
 * memory, written to `history.json` in the state directory (atomically, at most every 30 s and on
 * shutdown), and bounded: HISTORY_DAYS days, MAX_INCIDENTS incidents. The clock is the caller's.
 */
import type { CheckView, Incident, IncidentEvent } from '../incidents/types.js';
import { isReason, type Reason } from '../reasons.js';
import { isObject, parseIncident } from '../incidents/book.js';

export const HISTORY_DAYS = 400;
export const MAX_INCIDENTS = 20_000;
const DAY_MS = 86_400_000;

export interface CheckDay {
  up: number;
  degraded: number;
  down: number;
  maintenance: number;
  /** Seconds down by the check's reason. */
  reasons: Partial<Record<Reason, number>>;
}

export interface HistoryDay {
  /** By check id (group/endpoint/check): seconds. */
  checks: Record<string, CheckDay>;
  /** By `group|unit`: impact accrued that day. */
  impact: Record<string, number>;
}

export interface HistoryData {
  version: 1;
  /** By UTC date, YYYY-MM-DD. */
  days: Record<string, HistoryDay>;
  /** Resolved incidents, oldest first (no timeline). */
  incidents: Incident[];
}

export interface HistoryRecorder {
  /** Time passed until t, at the states last observed. */
  advance(t: number): void;
  observe(checks: readonly CheckView[], maintenance: ReadonlySet<string>, events: readonly IncidentEvent[]): void;
  addImpact(group: string, unit: string, amount: number, t: number): void;
  /** A resolved incident that no evaluation reported (a forced logout that logging in again ended). */
  resolved(i: Incident): void;
  data(): HistoryData;
  restore(raw: unknown): void;
}

export function dayOf(t: number): string {
  return new Date(t).toISOString().slice(0, 10);
}

export function emptyHistory(): HistoryData {
  return { version: 1, days: {}, incidents: [] };
}

export function createHistory(opts: { onChange?: () => void } = {}): HistoryRecorder {
  let h = emptyHistory();
  let last: number | undefined;
  let states: { id: string; state: CheckView['state']; reason: Reason | null; maintenance: boolean }[] = [];

  const day = (t: number): HistoryDay => {
    const key = dayOf(t);
    let d = h.days[key];
    if (!d) {
      d = { checks: {}, impact: {} };
      h.days[key] = d;
      prune(t);
    }
    return d;
  };
  const prune = (t: number): void => {
    const oldest = dayOf(t - HISTORY_DAYS * DAY_MS);
    for (const k of Object.keys(h.days)) if (k < oldest) delete h.days[k];
    const cut = t - HISTORY_DAYS * DAY_MS;
    h.incidents = h.incidents.filter((i) => (i.resolvedAt ?? 0) >= cut).slice(-MAX_INCIDENTS);
  };
  const credit = (from: number, to: number): void => {
    // Split at UTC midnights; bounded by HISTORY_DAYS + 1 days.
    let t = Math.max(from, to - HISTORY_DAYS * DAY_MS);
    while (t < to) {
      const next = Math.min(to, (Math.floor(t / DAY_MS) + 1) * DAY_MS);
      const secs = (next - t) / 1000;
      const d = day(t);
      for (const s of states) {
        if (s.state === 'unknown') continue;
        const c = (d.checks[s.id] ??= { up: 0, degraded: 0, down: 0, maintenance: 0, reasons: {} });
        if (s.maintenance) c.maintenance += secs;
        else if (s.state === 'down') {
          c.down += secs;
          const r = s.reason ?? 'internal';
          c.reasons[r] = (c.reasons[r] ?? 0) + secs;
        } else c[s.state] += secs;
      }
      t = next;
    }
  };

  return {
    advance(t) {
      const from = last;
      if (last === undefined || t > last) last = t;
      if (from === undefined || !(t > from) || states.length === 0) return;
      credit(from, t);
      opts.onChange?.();
    },
    observe(checks, maintenance, events) {
      states = checks.map((c) => ({ id: c.id, state: c.state, reason: c.reason ?? c.lastResult?.reason ?? null, maintenance: maintenance.has(c.group) }));
      for (const e of events) if (e.event === 'incident.resolved') this.resolved(e.incident);
    },
    resolved(i) {
      h.incidents.push({ ...i, timeline: [] });
      if (h.incidents.length > MAX_INCIDENTS) h.incidents.splice(0, h.incidents.length - MAX_INCIDENTS);
      opts.onChange?.();
    },
    addImpact(group, unit, amount, t) {
      if (!(amount > 0)) return;
      const d = day(t);
      const key = `${group}|${unit}`;
      d.impact[key] = (d.impact[key] ?? 0) + amount;
    },
    data: () => h,
    restore(raw) {
      h = parseHistory(raw);
    },
  };
}

/** History from unknown data (the file): anything malformed is dropped, never thrown. */
export function parseHistory(raw: unknown): HistoryData {
  const h = emptyHistory();
  if (!isObject(raw)) return h;
  const days = raw['days'];
  if (isObject(days)) {
    for (const [key, d] of Object.entries(days)) {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(key) || !isObject(d)) continue;
      const out: HistoryDay = { checks: {}, impact: {} };
      if (isObject(d['checks'])) {
        for (const [id, c] of Object.entries(d['checks'])) {
          if (!isObject(c)) continue;
          const reasons: CheckDay['reasons'] = {};
          if (isObject(c['reasons'])) for (const [r, s] of Object.entries(c['reasons'])) if (isReason(r) && num(s) > 0) reasons[r] = num(s);
          out.checks[id] = { up: num(c['up']), degraded: num(c['degraded']), down: num(c['down']), maintenance: num(c['maintenance']), reasons };
        }
      }
      if (isObject(d['impact'])) for (const [k, v] of Object.entries(d['impact'])) if (num(v) > 0) out.impact[k] = num(v);
      h.days[key] = out;
    }
  }
  if (Array.isArray(raw['incidents'])) {
    for (const i of raw['incidents'].slice(-MAX_INCIDENTS)) {
      const inc = parseIncident(i);
      if (inc && inc.status === 'resolved') h.incidents.push(inc);
    }
  }
  return h;
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0;
}
