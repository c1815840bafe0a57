/**
 * The incident engine: pure. From the current check states, the groups and the groups in
 * maintenance, it opens and resolves incidents of the three scopes (check ⊂ group ⊂
 * multi_platform) and says what happened as events. Notification policy lives in dispatch.ts.
 */
import type { IncidentRules } from '../config/types.js';
import type { Reason } from '../reasons.js';
import type { CheckState } from '../check-state.js';
import { cloneIncident, incidentId, type IncidentBook } from './book.js';
import { checkSummary, dominantReason, groupSummary, mergeReasons, multiSummary } from './summary.js';
import type { CheckView, GroupView, Incident, IncidentEvent, IncidentScope } from './types.js';

export interface EvaluateInput {
  checks: readonly CheckView[];
  groups: readonly GroupView[];
  /** Groups in maintenance: no incident opens for them. */
  maintenance: ReadonlySet<string>;
  now: number;
  location: string;
  rules: IncidentRules;
}

export interface Evaluation {
  book: IncidentBook;
  events: IncidentEvent[];
  groupStates: Map<string, CheckState>;
}

const MULTI_SUBJECT = 'multi_platform';
const MAX_TIMELINE = 100;

/** Group state from its checks' states (`outpost_group_state`). */
export function groupStateOf(states: readonly CheckState[], downRatio: number): CheckState {
  if (states.length === 0) return 'unknown';
  const down = states.filter((s) => s === 'down').length;
  if (down > 0 && down / states.length >= downRatio) return 'down';
  if (down > 0 || states.includes('degraded')) return 'degraded';
  if (states.every((s) => s === 'unknown')) return 'unknown';
  return 'up';
}

function subjectOf(i: Pick<Incident, 'scope' | 'group' | 'endpoint' | 'check'>): string {
  if (i.scope === 'check') return `check:${i.group}/${i.endpoint}/${i.check}`;
  if (i.scope === 'group') return `group:${i.group}`;
  return MULTI_SUBJECT;
}

interface GroupInfo {
  name: string;
  state: CheckState;
  total: number;
  down: CheckView[];
}

/**
 * The present checks of each group, in the group's order. The daemon lists checks group by group
 * in the config's order, so one pass that buckets them by group gives the same lists as looking
 * each id up, without a map of every check; any other order falls back to the lookup.
 */
function membersOf(groups: readonly GroupView[], checks: readonly CheckView[]): CheckView[][] {
  const byGroup = new Map<string, CheckView[]>();
  for (const c of checks) {
    const list = byGroup.get(c.group);
    if (list) list.push(c);
    else byGroup.set(c.group, [c]);
  }
  let byId: Map<string, CheckView> | undefined;
  return groups.map((g) => {
    const list = byGroup.get(g.name) ?? [];
    if (list.length === g.checkIds.length && list.every((c, i) => c.id === g.checkIds[i])) return list;
    if (!byId) {
      byId = new Map();
      for (const c of checks) byId.set(c.id, c);
    }
    const lookup = byId;
    return g.checkIds.map((id) => lookup.get(id)).filter((c): c is CheckView => c !== undefined);
  });
}

export function evaluate(book: IncidentBook, input: EvaluateInput): Evaluation {
  const { now, location, rules, maintenance } = input;
  const ratio = rules.groupDownRatio > 0 && rules.groupDownRatio <= 1 ? rules.groupDownRatio : 0.5;
  const minGroups = Number.isInteger(rules.multiPlatformMinGroups) && rules.multiPlatformMinGroups >= 1 ? rules.multiPlatformMinGroups : 2;

  const open = new Map<string, Incident>();
  for (const i of book.open) open.set(subjectOf(i), cloneIncident(i));
  const usedIds = new Set<string>([...book.open, ...book.recent].map((i) => i.id));
  const events: IncidentEvent[] = [];
  const resolved: Incident[] = [];

  const openIncident = (fields: Omit<Incident, 'id' | 'status' | 'location' | 'resolvedAt' | 'timeline' | 'startedAt'>, startedAt: number): void => {
    const subject = subjectOf(fields);
    let id = incidentId(fields.scope, subject, startedAt);
    for (let n = 1; usedIds.has(id); n++) id = incidentId(fields.scope, `${subject}#${n}`, startedAt);
    usedIds.add(id);
    const incident: Incident = { id, status: 'open', location, startedAt, resolvedAt: null, timeline: [{ at: now, event: 'opened' }], ...fields };
    open.set(subject, incident);
    events.push({ event: 'incident.opened', incident: cloneIncident(incident), at: now });
  };
  const resolve = (subject: string, incident: Incident): void => {
    open.delete(subject);
    incident.status = 'resolved';
    incident.resolvedAt = now;
    delete incident.inMaintenance;
    note(incident, now, 'resolved');
    resolved.push(incident);
    events.push({ event: 'incident.resolved', incident: cloneIncident(incident), at: now });
  };
  const setReason = (incident: Incident, reason: Reason, reasons: readonly Reason[], summary: (all: Reason[]) => string): void => {
    if (incident.reason !== reason) note(incident, now, 'reason changed', `${incident.reason} → ${reason}`);
    incident.reason = reason;
    incident.reasons = mergeReasons(incident.reasons, reasons, [reason]);
    incident.summary = summary(incident.reasons);
  };

  // Only a check that is down, or one that may have an incident open, needs its subject: at
  // 10,000 checks making and hashing every subject on every evaluation was most of its cost.
  let openChecks = false;
  for (const i of open.values()) if (i.scope === 'check') openChecks = true;
  // A check not yet run since a restart keeps its last known state while its incident is open.
  const checks = openChecks
    ? input.checks.map((c) => (c.state === 'unknown' && open.has(subjectOf({ scope: 'check', group: c.group, endpoint: c.endpoint, check: c.check })) ? { ...c, state: 'down' as const } : c))
    : input.checks;

  // scope check
  const checkSubjects = new Set<string>();
  for (const c of checks) {
    if (c.state !== 'down' && !openChecks) continue;
    const subject = subjectOf({ scope: 'check', group: c.group, endpoint: c.endpoint, check: c.check });
    checkSubjects.add(subject);
    const existing = open.get(subject);
    if (c.state === 'down') {
      const reason = reasonOf(c, existing);
      const summary = (all: Reason[]) => checkSummary(c.group, c.endpoint, all);
      if (existing) {
        setReason(existing, reason, reasonsOf(c), summary);
        if (c.lastResult && !c.lastResult.ok) existing.lastResult = resultOf(c);
      } else if (!maintenance.has(c.group)) {
        const startedAt = Number.isFinite(c.since) && c.since > 0 && c.since <= now ? c.since : now;
        const reasons = mergeReasons(reasonsOf(c), [reason]);
        openIncident(
          { scope: 'check', group: c.group, endpoint: c.endpoint, check: c.check, groups: [c.group], reason, reasons, summary: summary(reasons), lastResult: resultOf(c) },
          startedAt,
        );
      }
    } else if (existing && c.state !== 'unknown') {
      resolve(subject, existing);
    }
  }
  // The incident of a check that is gone (a reload removed it) resolves.
  for (const [subject, i] of open) if (i.scope === 'check' && !checkSubjects.has(subject)) resolve(subject, i);

  // scope group
  const infos: GroupInfo[] = membersOf(input.groups, checks).map((members, k) => ({
    name: input.groups[k]!.name,
    state: groupStateOf(members.map((c) => c.state), ratio),
    total: members.length,
    down: members.filter((c) => c.state === 'down'),
  }));
  const groupSubjects = new Set<string>();
  for (const g of infos) {
    const subject = subjectOf({ scope: 'group', group: g.name, endpoint: null, check: null });
    groupSubjects.add(subject);
    const existing = open.get(subject);
    if (g.state === 'down') {
      const reason = dominantReason(g.down.map((c) => reasonOf(c))) ?? 'internal';
      const summary = (all: Reason[]) => groupSummary(g.name, g.down.length, g.total, all);
      const lastResult = latestResult(g.down, reason);
      if (existing) {
        setReason(existing, reason, groupReasons(g), summary);
        if (lastResult) existing.lastResult = lastResult;
      } else if (!maintenance.has(g.name)) {
        const reasons = mergeReasons(groupReasons(g), [reason]);
        openIncident({ scope: 'group', group: g.name, endpoint: null, check: null, groups: [g.name], reason, reasons, summary: summary(reasons), lastResult }, now);
      }
    } else if (existing && (g.state !== 'unknown' || g.total === 0)) {
      resolve(subject, existing);
    }
  }
  for (const [subject, i] of open) if (i.scope === 'group' && !groupSubjects.has(subject)) resolve(subject, i);

  // scope multi_platform
  // It opens when at least minGroups groups are down; while it holds, every other group with a
  // check down is part of the same event (5 March: Instagram's feed alone failed) and joins it, so
  // that its own incidents are absorbed rather than paged separately. The event ends when every
  // platform in it has recovered (they recover one at a time): one page, one resolution.
  const multi = open.get(MULTI_SUBJECT);
  const counts = (g: GroupInfo) => !maintenance.has(g.name) || multi?.groups.includes(g.name);
  const downGroups = infos.filter((g) => g.state === 'down' && counts(g));
  const involved = infos
    .filter((g) => g.down.length > 0 && counts(g))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (downGroups.length >= minGroups) {
    const reason = dominantReason(involved.flatMap((g) => g.down.map((c) => reasonOf(c)))) ?? 'internal';
    // Each platform's story from its own reasons, remembered across the event (a platform's cause is not forgotten when its checks' reasons change).
    const perGroup = new Map<string, Reason[]>(Object.entries(multi?.groupReasons ?? {}));
    for (const g of involved) perGroup.set(g.name, mergeReasons(perGroup.get(g.name) ?? [], groupReasons(g)));
    const summary = () => multiSummary(involved.map((g) => ({ name: g.name, reasons: perGroup.get(g.name)! })));
    const all = mergeReasons(...involved.map((g) => perGroup.get(g.name)!));
    if (multi) {
      setReason(multi, reason, all, summary);
      for (const g of involved) {
        if (multi.groups.includes(g.name)) continue;
        multi.groups.push(g.name);
        note(multi, now, 'group joined', g.name);
      }
      multi.groupReasons = Object.fromEntries(perGroup);
    } else {
      const reasons = mergeReasons(all, [reason]);
      openIncident(
        { scope: 'multi_platform', group: null, endpoint: null, check: null, groups: involved.map((g) => g.name), reason, reasons, summary: summary(), lastResult: null, groupReasons: Object.fromEntries(perGroup) },
        now,
      );
    }
  } else if (multi && !involved.some((g) => multi.groups.includes(g.name))) {
    resolve(MULTI_SUBJECT, multi);
  }

  // one event, one entry: the incidents of the platforms in an open multi_platform incident are part of it
  const event = open.get(MULTI_SUBJECT);
  for (const i of open.values()) {
    if (i.scope !== 'multi_platform' && event && i.group !== null && event.groups.includes(i.group)) i.partOf = event.id;
    else delete i.partOf;
  }

  // mark incidents whose groups are in maintenance: nothing is sent for them meanwhile
  for (const i of open.values()) {
    const held = i.groups.length > 0 && i.groups.every((g) => maintenance.has(g));
    if (held && !i.inMaintenance) {
      i.inMaintenance = true;
      note(i, now, 'maintenance started');
    } else if (!held && i.inMaintenance) {
      delete i.inMaintenance;
      note(i, now, 'maintenance ended');
    }
  }

  const keep = Math.max(0, rules.keepResolved);
  const recent = [...resolved.reverse(), ...book.recent].slice(0, keep);
  const groupStates = new Map(infos.map((g) => [g.name, g.state]));
  return { book: { open: [...open.values()], recent }, events, groupStates };
}

function reasonOf(c: CheckView, existing?: Incident): Reason {
  return c.reason ?? c.lastResult?.reason ?? existing?.reason ?? 'internal';
}

function reasonsOf(c: CheckView): readonly Reason[] {
  return c.reasons.length > 0 ? c.reasons : [reasonOf(c)];
}

/** The reasons of a group's down checks, the longest-failing check first. */
function groupReasons(g: GroupInfo): Reason[] {
  const down = [...g.down].sort((a, b) => a.since - b.since);
  return mergeReasons(...down.map(reasonsOf));
}

function resultOf(c: CheckView): Incident['lastResult'] {
  const r = c.lastResult;
  return r ? { httpStatus: r.httpStatus, durationMs: r.durationMs, error: r.error } : null;
}

/** The most recent result among the down checks that failed for `reason`. */
function latestResult(down: readonly CheckView[], reason: Reason): Incident['lastResult'] {
  let best: CheckView | undefined;
  for (const c of down) {
    if (!c.lastResult || reasonOf(c) !== reason) continue;
    if (!best || c.lastResult.at > best.lastResult!.at) best = c;
  }
  return best ? resultOf(best) : null;
}

function note(i: Incident, at: number, event: string, text?: string): void {
  i.timeline.push(text === undefined ? { at, event } : { at, event, note: text });
  // Bounded: the first entry (opened) and the latest ones.
  if (i.timeline.length > MAX_TIMELINE) i.timeline.splice(1, i.timeline.length - MAX_TIMELINE);
}

export type { IncidentScope };
