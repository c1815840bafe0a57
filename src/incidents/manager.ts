/**
 * The stateful side of incidents, as the daemon uses it: keeps the book, runs the engine after
 * every run, feeds the pager, owns the maintenance windows and records the incident, group
 * and maintenance metrics.
 */
import type { CompiledMaintenance, IncidentRules } from '../config/types.js';
import { removeGroupSeries, setGroupState, type Metrics } from '../metrics/registry.js';
import type { CheckState } from '../check-state.js';
import { cloneIncident, emptyBook, incidentId, isObject, restoreBook, serializeBook, type IncidentBook } from './book.js';
import { logoutSummary } from './summary.js';
import { createPager, type TimerHandle } from './paging.js';
import { evaluate } from './engine.js';
import { createMaintenance, type MaintenanceWindow } from './maintenance.js';
import type { ImpactTracker } from '../impact/tracker.js';
import type { HistoryRecorder } from '../persist/history.js';
import { INCIDENT_SCOPES, type CheckView, type GroupView, type Incident, type IncidentEvent } from './types.js';

export interface IncidentManagerOptions {
  rules: IncidentRules;
  location: string;
  metrics: Metrics;
  send: (e: IncidentEvent) => void;
  maintenance: readonly CompiledMaintenance[];
  logger?: { info(obj: object, msg: string): void };
  now?: () => number;
  /** For the pager's wake-ups (default: unref'd setTimeout). */
  setTimer?: (fn: () => void, ms: number) => TimerHandle;
  /** How often maintenance windows are re-evaluated; 0 disables the timer (tests). Default 5 s. */
  maintenanceTickMs?: number;
  /** Business impact accrued onto incidents and outpost_impact_estimated_total (src/impact/tracker.ts). */
  impact?: ImpactTracker;
  /** How often impact accrues between evaluations; 0 disables the timer (tests). Default 1 s. */
  impactTickMs?: number;
  /** Daily per-check time and resolved incidents for `outpost report` (src/persist/history.ts). */
  history?: HistoryRecorder;
}

/** A session rejected while logging in again worked (see run-check.ts). */
export interface SessionLostEvent {
  group: string;
  endpoint: string;
  check: string;
  at: number;
  recoveredAt: number;
  /** Older than the endpoint's usual session lifetime. */
  natural: boolean;
}

/** Forced logouts this close together are one event. */
const LOGOUT_EVENT_WINDOW_MS = 10 * 60_000;

export interface IncidentManager {
  /** After every run: cheap. */
  update(checks: readonly CheckView[], groups: readonly GroupView[]): void;
  /**
   * Users were logged out and logging in again works: a short incident, opened and resolved at
   * once, announced unless it is one account's natural session expiry, part of a wider open
   * incident, in maintenance, or a repeat of a logout told within LOGOUT_EVENT_WINDOW_MS.
   */
  sessionLost(e: SessionLostEvent): Incident;
  groupState(name: string): CheckState;
  snapshot(): { open: Incident[]; recent: Incident[] };
  maintenance: {
    /** Throws RangeError on a bad group or duration (map it to HTTP 400). */
    add(group: string, durationMs: number, note?: string): MaintenanceWindow;
    remove(group: string): boolean;
    list(): MaintenanceWindow[];
    activeGroups(): Set<string>;
  };
  reconfigure(rules: IncidentRules, maintenance: readonly CompiledMaintenance[]): void;
  serialize(): unknown;
  restore(data: unknown): void;
  close(): void;
}

export function createIncidentManager(opts: IncidentManagerOptions): IncidentManager {
  const now = opts.now ?? Date.now;
  const { metrics, location, logger } = opts;
  let rules = opts.rules;
  let book: IncidentBook = emptyBook();
  let groupStates = new Map<string, CheckState>();
  let checks: readonly CheckView[] | undefined;
  let groups: readonly GroupView[] = [];
  let lastActive = new Set<string>();
  const metricGroups = new Set<string>();

  const windows = createMaintenance({ now });
  const pager = createPager({
    rules,
    send: opts.send,
    now,
    ...(opts.setTimer ? { setTimer: opts.setTimer } : {}),
    onError: (err) => logger?.info({ err: err instanceof Error ? err.message : String(err) }, 'incident notification could not be queued'),
  });

  const setSchedules = (list: readonly CompiledMaintenance[]): void => {
    for (const schedule of windows.setSchedules(list)) logger?.info({ schedule }, 'maintenance schedule ignored: not a valid cron expression');
  };
  setSchedules(opts.maintenance);

  const recordMaintenance = (active: ReadonlySet<string>): void => {
    for (const g of groups) metrics.maintenanceActive.set({ group: g.name, location }, active.has(g.name) ? 1 : 0);
  };

  const recordOpen = (): void => {
    const counts = new Map<string, number>(INCIDENT_SCOPES.map((s) => [s, 0]));
    for (const i of book.open) counts.set(i.scope, (counts.get(i.scope) ?? 0) + 1);
    for (const [scope, n] of counts) metrics.incidentsOpen.set({ scope }, n);
  };

  const run = (): void => {
    const t = now();
    const active = windows.activeGroups(t);
    lastActive = active;
    if (!checks) {
      recordMaintenance(active);
      return;
    }
    if (opts.impact) book = opts.impact.advance(book, t);
    opts.history?.advance(t);
    const r = evaluate(book, { checks, groups, maintenance: active, now: t, location, rules });
    book = opts.impact ? opts.impact.observe(r.book, { checks, groupStates: r.groupStates, maintenance: active, events: r.events }) : r.book;
    opts.history?.observe(checks, active, r.events);
    groupStates = r.groupStates;
    for (const [name, state] of groupStates) {
      setGroupState(metrics, name, location, state);
      metricGroups.add(name);
    }
    for (const name of metricGroups) {
      if (groupStates.has(name)) continue;
      removeGroupSeries(metrics, name, location);
      metricGroups.delete(name);
    }
    recordMaintenance(active);
    recordOpen();
    for (const e of r.events) {
      const i = e.incident;
      if (e.event === 'incident.opened') metrics.incidentsTotal.inc({ scope: i.scope, reason: i.reason });
      logger?.info(
        { incident: i.id, scope: i.scope, reason: i.reason, group: i.group, groups: i.groups, summary: i.summary },
        e.event === 'incident.opened' ? 'incident opened' : 'incident resolved',
      );
    }
    pager.push(r.events, book.open, active);
  };

  const tickMs = opts.maintenanceTickMs ?? 5000;
  const tick =
    tickMs > 0
      ? setInterval(() => {
          const active = windows.activeGroups();
          if (active.size !== lastActive.size || [...active].some((g) => !lastActive.has(g))) run();
        }, tickMs)
      : undefined;
  tick?.unref();
  const impactTickMs = opts.impactTickMs ?? 1000;
  const impactTick =
    (opts.impact || opts.history) && impactTickMs > 0
      ? setInterval(() => {
          if (!checks) return;
          opts.history?.advance(now());
          if (!opts.impact?.priced()) return;
          book = opts.impact.advance(book, now());
          pager.push([], book.open, lastActive);
        }, impactTickMs)
      : undefined;
  impactTick?.unref();

  /** Recent forced logouts: which endpoints, when, and the incident that told the group's event. */
  const logouts: { key: string; group: string; at: number; told?: Incident }[] = [];

  const sessionLost = (e: SessionLostEvent): Incident => {
    const key = `${e.group}/${e.endpoint}`;
    while (logouts.length > 0 && e.at - logouts[0]!.at > LOGOUT_EVENT_WINDOW_MS) logouts.shift();
    const others = logouts.filter((l) => l.key !== key);
    const tellerOfGroup = logouts.find((l) => l.group === e.group && l.told)?.told;
    const subject = `check:${key}/${e.check}#logout`;
    const incident: Incident = {
      id: incidentId('check', subject, e.at),
      scope: 'check',
      status: 'resolved',
      group: e.group,
      endpoint: e.endpoint,
      check: e.check,
      groups: [e.group],
      reason: 'forced_logout',
      reasons: ['forced_logout'],
      summary: logoutSummary(e.group, e.endpoint, e.at),
      location,
      startedAt: e.at,
      resolvedAt: e.recoveredAt,
      lastResult: null,
      timeline: [
        { at: e.at, event: 'opened', note: 'session rejected' },
        { at: e.recoveredAt, event: 'resolved', note: 'logging in again works' },
      ],
    };
    if (opts.impact) incident.impact = opts.impact.base(incident);
    const entry: (typeof logouts)[number] = { key, group: e.group, at: e.at };
    logouts.push(entry);
    if (logouts.length > 1000) logouts.shift();
    let silent: string | undefined;
    if (e.natural && others.length === 0) silent = 'the session was older than the platform\'s usual lifetime: a natural expiry';
    else if (lastActive.has(e.group)) silent = 'maintenance';
    else if (book.open.some((i) => i.scope !== 'check' && i.groups.includes(e.group))) silent = 'part of an open incident';
    else if (tellerOfGroup) silent = `already told in incident ${tellerOfGroup.id}`;
    if (silent) incident.timeline.push({ at: e.recoveredAt, event: 'not announced', note: silent });
    book = { open: book.open, recent: [incident, ...book.recent].slice(0, Math.max(0, rules.keepResolved)) };
    metrics.incidentsTotal.inc({ scope: 'check', reason: 'forced_logout' });
    opts.history?.resolved(incident);
    logger?.info({ incident: incident.id, group: e.group, endpoint: e.endpoint, natural: e.natural, announced: !silent, why: silent }, 'users were logged out; logging in again works');
    if (!silent) {
      entry.told = incident;
      opts.send({ event: 'incident.opened', incident: { ...cloneIncident(incident), status: 'open', resolvedAt: null, timeline: incident.timeline.slice(0, 1) }, at: e.at });
      opts.send({ event: 'incident.resolved', incident: cloneIncident(incident), at: e.recoveredAt });
    }
    return cloneIncident(incident);
  };

  return {
    sessionLost,
    update(nextChecks, nextGroups) {
      checks = nextChecks;
      groups = nextGroups;
      run();
    },
    groupState(name) {
      return groupStates.get(name) ?? 'unknown';
    },
    snapshot() {
      return { open: book.open.map(cloneIncident), recent: book.recent.map(cloneIncident) };
    },
    maintenance: {
      add(group, durationMs, note) {
        if (checks && !groups.some((g) => g.name === group)) throw new RangeError(`group: no group named ${group}`);
        const w = windows.add(group, durationMs, note);
        logger?.info({ group, until: new Date(w.endsAt).toISOString(), note: w.note }, 'maintenance window opened');
        run();
        return w;
      },
      remove(group) {
        const removed = windows.remove(group);
        if (removed) {
          logger?.info({ group }, 'maintenance window closed');
          run();
        }
        return removed;
      },
      list: () => windows.list(),
      activeGroups: () => windows.activeGroups(),
    },
    reconfigure(nextRules, maintenance) {
      rules = nextRules;
      setSchedules(maintenance);
      pager.setRules(nextRules);
      run();
    },
    serialize() {
      // `dispatch` is the pager's key in state files already written.
      return { version: 1, book: serializeBook(book), dispatch: pager.serialize(), maintenance: windows.serialize() };
    },
    restore(data) {
      const d = isObject(data) ? data : {};
      book = restoreBook(d['book'], rules.keepResolved);
      windows.restore(d['maintenance']);
      pager.restore(d['dispatch']);
      const active = windows.activeGroups();
      lastActive = active;
      pager.push([], book.open, active);
      recordOpen();
      if (checks) run();
    },
    close() {
      if (impactTick) clearInterval(impactTick);
      if (tick) clearInterval(tick);
      pager.close();
    },
  };
}
