/**
 * The incident book: open incidents and the most recent resolved ones, as plain JSON data.
 * Also the stable incident id and the shape checks used when restoring persisted data.
 */
import { createHash } from 'node:crypto';
import { isReason, type Reason } from '../reasons.js';
import { INCIDENT_SCOPES, type Incident, type IncidentEvent, type IncidentScope } from './types.js';

export interface IncidentBook {
  open: Incident[];
  /** Resolved incidents, newest first, at most `keepResolved`. */
  recent: Incident[];
}

export function emptyBook(): IncidentBook {
  return { open: [], recent: [] };
}

/** Deterministic for scope, subject and start, so a restored book keeps its ids. */
export function incidentId(scope: IncidentScope, subject: string, startedAt: number): string {
  return createHash('sha256').update(`${scope}|${subject}|${startedAt}`).digest('hex').slice(0, 16);
}

/** A deep copy (incidents are plain data). */
export function cloneIncident(i: Incident): Incident {
  return {
    ...i,
    groups: [...i.groups],
    reasons: [...i.reasons],
    ...(i.groupReasons ? { groupReasons: Object.fromEntries(Object.entries(i.groupReasons).map(([g, r]) => [g, [...r]])) } : {}),
    lastResult: i.lastResult ? { ...i.lastResult } : null,
    timeline: i.timeline.map((t) => ({ ...t })),
  };
}

export function serializeBook(book: IncidentBook): unknown {
  return { version: 1, open: book.open.map(cloneIncident), recent: book.recent.map(cloneIncident) };
}

/** Restore a persisted book: anything that is not a well-formed incident is dropped, never thrown. */
export function restoreBook(data: unknown, keepResolved = Infinity): IncidentBook {
  if (!isObject(data)) return emptyBook();
  const seen = new Set<string>();
  const pick = (list: unknown, status: Incident['status']): Incident[] => {
    if (!Array.isArray(list)) return [];
    const out: Incident[] = [];
    for (const raw of list) {
      const i = parseIncident(raw);
      if (i && i.status === status && !seen.has(i.id)) {
        seen.add(i.id);
        out.push(i);
      }
    }
    return out;
  };
  const open = pick(data['open'], 'open');
  const recent = pick(data['recent'], 'resolved').slice(0, Math.max(0, keepResolved));
  return { open, recent };
}

/** A well-formed incident rebuilt from unknown data, or null. */
export function parseIncident(raw: unknown): Incident | null {
  if (!isObject(raw)) return null;
  const { id, scope, status, group, endpoint, check, groups, reason, reasons, summary, location, startedAt, resolvedAt, lastResult, timeline, inMaintenance, partOf } = raw;
  if (typeof id !== 'string' || !/^[0-9a-f]{1,64}$/.test(id)) return null;
  if (!INCIDENT_SCOPES.includes(scope as IncidentScope)) return null;
  if (status !== 'open' && status !== 'resolved') return null;
  if (!isNullableString(group) || !isNullableString(endpoint) || !isNullableString(check)) return null;
  if (!Array.isArray(groups) || !groups.every((g) => typeof g === 'string')) return null;
  if (!isReason(reason) || typeof summary !== 'string' || typeof location !== 'string') return null;
  if (!isTime(startedAt) || !(resolvedAt === null || isTime(resolvedAt))) return null;
  if ((status === 'resolved') !== (resolvedAt !== null)) return null;
  let result: Incident['lastResult'] = null;
  if (lastResult !== null && lastResult !== undefined) {
    if (!isObject(lastResult)) return null;
    const { httpStatus, durationMs, error } = lastResult;
    if (typeof httpStatus !== 'number' || typeof durationMs !== 'number' || !isNullableString(error)) return null;
    result = { httpStatus, durationMs, error };
  }
  const events: Incident['timeline'] = [];
  if (Array.isArray(timeline)) {
    for (const t of timeline) {
      if (!isObject(t) || !isTime(t['at']) || typeof t['event'] !== 'string') continue;
      events.push(typeof t['note'] === 'string' ? { at: t['at'], event: t['event'], note: t['note'] } : { at: t['at'], event: t['event'] });
    }
  }
  const incident: Incident = {
    id,
    scope: scope as IncidentScope,
    status,
    group,
    endpoint,
    check,
    groups: [...(groups as string[])],
    reason,
    // Saved before incidents kept their reasons: the current one is all that is known.
    reasons: Array.isArray(reasons) && reasons.length > 0 && reasons.every(isReason) ? [...reasons] : [reason],
    summary,
    location,
    startedAt,
    resolvedAt,
    lastResult: result,
    timeline: events,
  };
  if (inMaintenance === true) incident.inMaintenance = true;
  if (typeof partOf === 'string' && /^[0-9a-f]{1,64}$/.test(partOf)) incident.partOf = partOf;
  const gr = raw['groupReasons'];
  if (isObject(gr)) {
    const out: Record<string, Reason[]> = {};
    for (const [g, list] of Object.entries(gr)) if (Array.isArray(list) && list.every(isReason)) out[g] = [...list];
    incident.groupReasons = out;
  }
  const impact = parseImpact(raw['impact']);
  if (impact) incident.impact = impact;
  return incident;
}

function parseImpact(raw: unknown): Incident['impact'] {
  if (!isObject(raw)) return null;
  const { unit, perMinute, estimated } = raw;
  if (typeof unit !== 'string' || typeof perMinute !== 'number' || !isTime(estimated) || !Number.isFinite(perMinute)) return null;
  return { unit, perMinute, estimated };
}

const EVENT_NAMES = new Set<string>(['incident.opened', 'incident.resolved', 'incident.reminder']);

export function parseEvent(raw: unknown): IncidentEvent | null {
  if (!isObject(raw) || typeof raw['event'] !== 'string' || !EVENT_NAMES.has(raw['event']) || !isTime(raw['at'])) return null;
  const incident = parseIncident(raw['incident']);
  return incident ? { event: raw['event'] as IncidentEvent['event'], incident, at: raw['at'] } : null;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isTime(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}

function isNullableString(v: unknown): v is string | null {
  return v === null || typeof v === 'string';
}
