/**
 * What `outpost report` reads (docs/impact.md#outpost-report): resolved incidents and, per UTC day,
 * each check's time up, degraded, down (by reason) and in maintenance, and each group's accrued
 * impact. Days that are over never change, so the recorder keeps only the current day in memory,
 * compactly (a few numbers per check in typed arrays indexed by the check's slot), and hands a
 * finished day and each resolved incident to its owner once (src/persist/history-file.ts writes
 * them). The clock is the caller's.
 */
import type { CheckView, Incident, IncidentEvent } from '../incidents/types.js';
import { isReason, REASONS, type Reason } from '../reasons.js';
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

/** The history as `outpost report` reads it (and as the single `history.json` of old held it). */
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
  /** The current day so far, or null before anything was recorded. A fresh object on each call. */
  current(): { date: string; day: HistoryDay } | null;
  /** Continue a day saved earlier (after a restart); call before anything is recorded. */
  restoreDay(date: string, day: HistoryDay): void;
}

export interface HistoryOptions {
  /** Something was recorded (the current day changed or an incident resolved). */
  onChange?: () => void;
  /** A day is over (`next` is the day now current): called once per day, with what it holds. */
  onDayDone?: (date: string, day: HistoryDay, next: string) => void;
  /** A resolved incident, without its timeline: called once per incident. */
  onResolved?: (i: Incident) => void;
}

export function dayOf(t: number): string {
  return new Date(t).toISOString().slice(0, 10);
}

export function emptyHistory(): HistoryData {
  return { version: 1, days: {}, incidents: [] };
}

// A check's state as one byte; 0 is "not observed this evaluation or unknown": no time credited.
const UNKNOWN = 0;
const UP = 1;
const DEGRADED = 2;
const DOWN = 3;
const STATE_CODE: Record<CheckView['state'], number> = { unknown: UNKNOWN, up: UP, degraded: DEGRADED, down: DOWN };
const NR = REASONS.length;
const REASON_CODE = new Map<Reason, number>(REASONS.map((r, i) => [r, i]));
const INTERNAL = REASON_CODE.get('internal')!;

export function createHistory(opts: HistoryOptions = {}): HistoryRecorder {
  // The current day: [dayStart, dayEnd) in ms, `date` its YYYY-MM-DD; undefined before the first record.
  let date: string | undefined;
  let dayStart = 0;
  let dayEnd = 0;
  let last: number | undefined;
  // Something was recorded in the current day since it began or was restored: a restored day that
  // nothing changed is already on disk as it is, so it is not handed over again when it ends.
  let dirty = false;

  // Per check slot: its id, the state last observed, and the current day's seconds.
  const slotOf = new Map<string, number>();
  let ids: string[] = [];
  let cap = 0;
  let state = new Uint8Array(0);
  let reason = new Uint8Array(0);
  let inMaint = new Uint8Array(0);
  let seen = new Uint8Array(0); // credited at least once today: the check is in the day's record
  let up = new Float64Array(0);
  let degraded = new Float64Array(0);
  let down = new Float64Array(0);
  let maint = new Float64Array(0);
  let byReason = new Float64Array(0); // slot * NR + reason code
  // The slots of the checks last observed, in their order; only these accrue time.
  let active = new Int32Array(0);
  let nActive = 0;

  let impact = new Map<string, number>();
  // Impact accrued at a time past the current day before the day has been entered (the impact
  // tracker runs just before the history in an evaluation that crosses midnight).
  const ahead = new Map<string, Map<string, number>>();

  const grow = (need: number): void => {
    if (need <= cap) return;
    const n = Math.max(need, cap * 2, 64);
    const u8 = (a: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> => {
      const b = new Uint8Array(n);
      b.set(a);
      return b;
    };
    const f64 = (a: Float64Array<ArrayBuffer>, k = 1): Float64Array<ArrayBuffer> => {
      const b = new Float64Array(n * k);
      b.set(a);
      return b;
    };
    state = u8(state);
    reason = u8(reason);
    inMaint = u8(inMaint);
    seen = u8(seen);
    up = f64(up);
    degraded = f64(degraded);
    down = f64(down);
    maint = f64(maint);
    byReason = f64(byReason, NR);
    cap = n;
  };

  const slot = (id: string): number => {
    let s = slotOf.get(id);
    if (s === undefined) {
      s = ids.length;
      grow(s + 1);
      ids.push(id);
      slotOf.set(id, s);
    }
    return s;
  };

  /** Drop the slots of checks no longer observed (removed by config reloads): once a day at most. */
  const compact = (): void => {
    const keep: [string, number, number, number][] = [];
    for (let i = 0; i < nActive; i++) {
      const s = active[i]!;
      keep.push([ids[s]!, state[s]!, reason[s]!, inMaint[s]!]);
    }
    slotOf.clear();
    ids = [];
    cap = 0;
    state = new Uint8Array(0);
    reason = new Uint8Array(0);
    inMaint = new Uint8Array(0);
    seen = new Uint8Array(0);
    up = new Float64Array(0);
    degraded = new Float64Array(0);
    down = new Float64Array(0);
    maint = new Float64Array(0);
    byReason = new Float64Array(0);
    keep.forEach(([id, st, r, m], i) => {
      const n = slot(id);
      state[n] = st;
      reason[n] = r;
      inMaint[n] = m;
      active[i] = n;
    });
  };

  /** A new day: zero the counters, and take any impact that arrived for it early. */
  const resetDay = (t: number): void => {
    dayStart = Math.floor(t / DAY_MS) * DAY_MS;
    dayEnd = dayStart + DAY_MS;
    date = dayOf(dayStart);
    impact = new Map();
    dirty = false;
    if (ids.length > nActive * 2 + 64) compact();
    else {
      seen.fill(0);
      up.fill(0);
      degraded.fill(0);
      down.fill(0);
      maint.fill(0);
      byReason.fill(0);
    }
    for (const [d, m] of [...ahead]) {
      if (d > date) continue;
      ahead.delete(d);
      if (d === date) {
        impact = m;
        dirty = true;
      }
      else opts.onDayDone?.(d, { checks: {}, impact: Object.fromEntries(m) }, date);
    }
  };

  /** Make the day of t current, handing the day that is over to its owner. */
  const enter = (t: number): void => {
    if (date === undefined) {
      resetDay(t);
      return;
    }
    // Time before the current day (a clock set back, a restored day newer than the clock) counts in the current day.
    if (t < dayEnd) return;
    const done = dirty ? snapshot() : null;
    const doneDate = date;
    resetDay(t);
    if (done) opts.onDayDone?.(doneDate, done, date);
  };

  const credit = (from: number, to: number): void => {
    // Split at UTC midnights; bounded by HISTORY_DAYS + 1 days.
    let t = Math.max(from, to - HISTORY_DAYS * DAY_MS);
    while (t < to) {
      enter(t);
      dirty = true;
      const next = Math.min(to, dayEnd);
      const secs = (next - t) / 1000;
      for (let i = 0; i < nActive; i++) {
        const s = active[i]!;
        const st = state[s]!;
        if (st === UNKNOWN) continue;
        seen[s] = 1;
        if (inMaint[s]) maint[s]! += secs;
        else if (st === DOWN) {
          down[s]! += secs;
          byReason[s * NR + reason[s]!]! += secs;
        } else if (st === UP) up[s]! += secs;
        else degraded[s]! += secs;
      }
      t = next;
    }
  };

  /** The current day as plain data, or null when it holds nothing. */
  const snapshot = (): HistoryDay | null => {
    if (date === undefined) return null;
    const checks: Record<string, CheckDay> = {};
    let any = impact.size > 0;
    for (let s = 0; s < ids.length; s++) {
      if (!seen[s]) continue;
      any = true;
      const reasons: CheckDay['reasons'] = {};
      for (let r = 0; r < NR; r++) {
        const v = byReason[s * NR + r]!;
        if (v > 0) reasons[REASONS[r]!] = v;
      }
      checks[ids[s]!] = { up: up[s]!, degraded: degraded[s]!, down: down[s]!, maintenance: maint[s]!, reasons };
    }
    return any ? { checks, impact: Object.fromEntries(impact) } : null;
  };

  const recorder: HistoryRecorder = {
    advance(t) {
      const from = last;
      if (last === undefined || t > last) last = t;
      if (from === undefined || !(t > from)) return;
      if (nActive === 0) {
        // Nothing to credit; still move to t's day so a finished day is handed over.
        if (date !== undefined) enter(t);
        return;
      }
      credit(from, t);
      opts.onChange?.();
    },
    observe(checks, maintenanceGroups, events) {
      if (active.length < checks.length) active = new Int32Array(Math.max(checks.length, active.length * 2));
      nActive = 0;
      for (let i = 0; i < checks.length; i++) {
        const c = checks[i]!;
        const s = slot(c.id);
        state[s] = STATE_CODE[c.state];
        const r = c.reason ?? c.lastResult?.reason ?? null;
        reason[s] = r === null ? INTERNAL : (REASON_CODE.get(r) ?? INTERNAL);
        inMaint[s] = maintenanceGroups.has(c.group) ? 1 : 0;
        active[nActive++] = s;
      }
      for (const e of events) if (e.event === 'incident.resolved') recorder.resolved(e.incident);
    },
    resolved(i) {
      opts.onResolved?.({ ...i, timeline: [] });
      opts.onChange?.();
    },
    addImpact(group, unit, amount, t) {
      if (!(amount > 0)) return;
      if (date === undefined) enter(t);
      const key = `${group}|${unit}`;
      let m = impact;
      if (t >= dayEnd) {
        const d = dayOf(t);
        m = ahead.get(d) ?? new Map();
        ahead.set(d, m);
      }
      m.set(key, (m.get(key) ?? 0) + amount);
      if (m === impact) dirty = true;
      opts.onChange?.();
    },
    current() {
      const day = snapshot();
      return day && date !== undefined ? { date, day } : null;
    },
    restoreDay(d, day) {
      const t = Date.parse(`${d}T00:00:00Z`);
      if (!Number.isFinite(t)) return;
      if (date === undefined) resetDay(t);
      for (const [id, c] of Object.entries(day.checks)) {
        const s = slot(id);
        seen[s] = 1;
        up[s] = c.up;
        degraded[s] = c.degraded;
        down[s] = c.down;
        maint[s] = c.maintenance;
        for (const [r, v] of Object.entries(c.reasons) as [Reason, number][]) byReason[s * NR + REASON_CODE.get(r)!] = v;
      }
      for (const [k, v] of Object.entries(day.impact)) impact.set(k, v);
    },
  };
  return recorder;
}

/** One day from unknown data (a day file, or a day of the old single file): anything malformed is dropped, never thrown. */
export function parseDay(d: unknown): HistoryDay {
  const out: HistoryDay = { checks: {}, impact: {} };
  if (!isObject(d)) return out;
  if (isObject(d['checks'])) {
    for (const [id, c] of Object.entries(d['checks'])) {
      if (!isObject(c)) continue;
      const reasons: CheckDay['reasons'] = {};
      if (isObject(c['reasons'])) for (const [r, s] of Object.entries(c['reasons'])) if (isReason(r) && num(s) > 0) reasons[r] = num(s);
      out.checks[id] = { up: num(c['up']), degraded: num(c['degraded']), down: num(c['down']), maintenance: num(c['maintenance']), reasons };
    }
  }
  if (isObject(d['impact'])) for (const [k, v] of Object.entries(d['impact'])) if (num(v) > 0) out.impact[k] = num(v);
  return out;
}

export const isDate = (key: string): boolean => /^\d{4}-\d{2}-\d{2}$/.test(key);

/** History from unknown data (the single `history.json` of old): anything malformed is dropped, never thrown. */
export function parseHistory(raw: unknown): HistoryData {
  const h = emptyHistory();
  if (!isObject(raw)) return h;
  const days = raw['days'];
  if (isObject(days)) {
    for (const [key, d] of Object.entries(days)) {
      if (!isDate(key) || !isObject(d)) continue;
      h.days[key] = parseDay(d);
    }
  }
  if (Array.isArray(raw['incidents'])) h.incidents = parseIncidents(raw['incidents']);
  return h;
}

/** The resolved incidents among the last MAX_INCIDENTS entries. */
export function parseIncidents(list: readonly unknown[]): Incident[] {
  const out: Incident[] = [];
  for (const i of list.slice(-MAX_INCIDENTS)) {
    const inc = parseIncident(i);
    if (inc && inc.status === 'resolved') out.push(inc);
  }
  return out;
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0;
}
