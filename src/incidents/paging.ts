/**
 * The paging policy between the engine and the notifier: one real-world event pages once.
 *
 * - A new `opened` is held for `groupWaitMs` (like Alertmanager's group_wait). An incident that
 *   resolves within the wait sends nothing.
 * - When it is due, an `opened` covered by a wider open incident that is (or will be) announced —
 *   check ⊂ its group's incident ⊂ a multi_platform incident holding the group — is absorbed: not
 *   sent, and its `resolved` is not sent either. If the wider incident resolves while the absorbed
 *   one is still open, the absorbed one is held again for `groupWaitMs` and announced if it lasts.
 * - An incident whose `opened` was sent always gets its `resolved`, never before the `opened`.
 * - Reminders every `remindEveryMs` for every announced open incident.
 * - Nothing is sent for a group in maintenance (an `opened` waits until the window ends; no
 *   reminders); a `resolved` whose `opened` was sent still goes out.
 */
import type { IncidentRules } from '../config/types.js';
import { cloneIncident, isObject, isTime, parseEvent } from './book.js';
import type { Incident, IncidentEvent, IncidentScope } from './types.js';

export interface TimerHandle {
  cancel(): void;
}

export interface PagerOptions {
  rules: Pick<IncidentRules, 'groupWaitMs' | 'remindEveryMs'>;
  send: (e: IncidentEvent) => void;
  now?: () => number;
  /** Schedules the internal flush; the default is an unref'd setTimeout. */
  setTimer?: (fn: () => void, ms: number) => TimerHandle;
  /** Called when `send` throws; the pager carries on. */
  onError?: (err: unknown, e: IncidentEvent) => void;
}

export interface Pager {
  /** Events of one evaluation, the open incidents after it and the groups in maintenance now. */
  push(events: readonly IncidentEvent[], openIncidents: readonly Incident[], maintenance: ReadonlySet<string>): void;
  /** Send what is due at `now` (defaults to the injected clock). */
  flush(now?: number): void;
  setRules(rules: Pick<IncidentRules, 'groupWaitMs' | 'remindEveryMs'>): void;
  serialize(): unknown;
  /** Replace the state with persisted data; garbage is dropped. Call push() with the open incidents next. */
  restore(data: unknown): void;
  close(): void;
}

interface Pending {
  event: IncidentEvent;
  dueAt: number;
}

const WIDTH: Record<IncidentScope, number> = { check: 0, group: 1, multi_platform: 2 };

function defaultTimer(fn: () => void, ms: number): TimerHandle {
  const t = setTimeout(fn, ms);
  t.unref();
  return { cancel: () => clearTimeout(t) };
}

export function createPager(opts: PagerOptions): Pager {
  const now = opts.now ?? Date.now;
  const setTimer = opts.setTimer ?? defaultTimer;
  let rules = opts.rules;
  const pending = new Map<string, Pending>();
  /** Incidents whose `opened` was sent, with when the last opened/reminder went out. */
  const notified = new Map<string, number>();
  const absorbed = new Set<string>();
  let open = new Map<string, Incident>();
  let maintenance: ReadonlySet<string> = new Set();
  /** False until the first push after creation or restore: the open list is not known yet. */
  let synced = false;
  let timer: TimerHandle | undefined;
  let closed = false;

  const wait = (): number => Math.max(0, rules.groupWaitMs);
  const remind = (): number => (rules.remindEveryMs && rules.remindEveryMs > 0 ? rules.remindEveryMs : 0);

  const send = (e: IncidentEvent): void => {
    try {
      opts.send(e);
    } catch (err) {
      opts.onError?.(err, e);
    }
  };

  const held = (i: Incident): boolean => i.groups.length > 0 && i.groups.every((g) => maintenance.has(g));

  /** Open incidents wider than `i` that contain it. */
  const coversOf = (i: Incident): Incident[] => {
    const out: Incident[] = [];
    for (const c of open.values()) {
      if (WIDTH[c.scope] <= WIDTH[i.scope] || i.group === null) continue;
      if (c.scope === 'group' ? c.group === i.group : c.groups.includes(i.group)) out.push(c);
    }
    return out;
  };
  const announcedCover = (i: Incident): boolean => coversOf(i).some((c) => notified.has(c.id) || absorbed.has(c.id));

  const flush = (t: number = now()): void => {
    if (closed) return;
    // An absorbed incident whose wider incident is gone is held again, and announced if it lasts.
    for (const id of absorbed) {
      const i = open.get(id);
      if (!i) {
        if (synced) absorbed.delete(id);
        continue;
      }
      if (announcedCover(i)) continue;
      absorbed.delete(id);
      pending.set(id, { event: { event: 'incident.opened', incident: cloneIncident(i), at: t }, dueAt: t + wait() });
    }
    const due = [...pending.entries()]
      .filter(([, p]) => p.dueAt <= t)
      .sort(([, a], [, b]) => WIDTH[b.event.incident.scope] - WIDTH[a.event.incident.scope] || a.dueAt - b.dueAt);
    for (const [id, p] of due) {
      const current = open.get(id);
      if (!current && synced) {
        pending.delete(id);
        continue;
      }
      const incident = current ?? p.event.incident;
      if (held(incident)) continue;
      if (announcedCover(incident)) {
        pending.delete(id);
        absorbed.add(id);
        continue;
      }
      // A wider incident that will be announced decides first.
      if (coversOf(incident).some((c) => pending.has(c.id))) continue;
      pending.delete(id);
      notified.set(id, t);
      send({ event: 'incident.opened', incident: cloneIncident(incident), at: p.event.at });
    }
    const every = remind();
    if (every > 0) {
      for (const [id, last] of notified) {
        const i = open.get(id);
        if (!i || held(i) || t - last < every) continue;
        notified.set(id, t);
        send({ event: 'incident.reminder', incident: cloneIncident(i), at: t });
      }
    }
    schedule(t);
  };

  /** Wake up at the next due `opened` or reminder; held items wait for the next push. */
  const schedule = (t: number): void => {
    timer?.cancel();
    timer = undefined;
    if (closed) return;
    let next = Infinity;
    for (const p of pending.values()) if (p.dueAt > t) next = Math.min(next, p.dueAt);
    const every = remind();
    if (every > 0) {
      for (const [id, last] of notified) {
        const i = open.get(id);
        if (i && !held(i)) next = Math.min(next, last + every);
      }
    }
    if (next === Infinity) return;
    timer = setTimer(() => flush(), Math.max(1, next - t));
  };

  return {
    push(events, openIncidents, inMaintenance) {
      open = new Map(openIncidents.map((i) => [i.id, i]));
      maintenance = new Set(inMaintenance);
      synced = true;
      for (const e of events) {
        const id = e.incident.id;
        if (e.event === 'incident.opened') {
          if (!notified.has(id) && !absorbed.has(id) && !pending.has(id)) pending.set(id, { event: e, dueAt: e.at + wait() });
        } else if (e.event === 'incident.resolved') {
          if (pending.delete(id) || absorbed.delete(id)) continue;
          if (notified.delete(id)) send(e);
        }
      }
      flush();
    },
    flush,
    setRules(next) {
      rules = next;
      flush();
    },
    serialize() {
      return {
        version: 1,
        pending: [...pending.values()].map((p) => ({ event: { ...p.event, incident: cloneIncident(p.event.incident) }, dueAt: p.dueAt })),
        notified: [...notified.entries()].map(([id, lastSentAt]) => ({ id, lastSentAt })),
        absorbed: [...absorbed],
      };
    },
    restore(data) {
      pending.clear();
      notified.clear();
      absorbed.clear();
      open = new Map();
      synced = false;
      if (isObject(data)) {
        if (Array.isArray(data['pending'])) {
          for (const raw of data['pending']) {
            if (!isObject(raw) || !isTime(raw['dueAt'])) continue;
            const event = parseEvent(raw['event']);
            if (event && event.event === 'incident.opened') pending.set(event.incident.id, { event, dueAt: raw['dueAt'] });
          }
        }
        if (Array.isArray(data['notified'])) {
          for (const raw of data['notified']) {
            if (isObject(raw) && typeof raw['id'] === 'string' && isTime(raw['lastSentAt'])) notified.set(raw['id'], raw['lastSentAt']);
          }
        }
        if (Array.isArray(data['absorbed'])) for (const id of data['absorbed']) if (typeof id === 'string' && !notified.has(id)) absorbed.add(id);
        for (const id of notified.keys()) pending.delete(id);
      }
      schedule(now());
    },
    close() {
      closed = true;
      timer?.cancel();
      timer = undefined;
    },
  };
}
