/**
 * One notification waiting for delivery to one webhook, as kept in memory and in the state file,
 * and the lenient reading of entries restored from a state file (anything malformed is skipped).
 */
import type { IncidentEvent, IncidentEventName } from '../incidents/types.js';
import { isReason } from '../reasons.js';

export interface OutboxEntry {
  /** The webhook's `name`. */
  webhook: string;
  /** UUID given at enqueue, the same on every retry and across restarts. */
  deliveryId: string;
  /** A snapshot of the event (the incident without its timeline), taken at enqueue. */
  event: IncidentEvent;
  /** Attempts already made, so a restart does not reset the retry budget. */
  attempts: number;
  enqueuedAt: number;
}

const EVENTS: ReadonlySet<string> = new Set<IncidentEventName>(['incident.opened', 'incident.resolved', 'incident.reminder']);
const SCOPES: ReadonlySet<string> = new Set(['check', 'group', 'multi_platform']);

/** Copy of the event that later changes to the engine's incident object cannot reach. */
export function snapshot(e: IncidentEvent): IncidentEvent {
  const i = e.incident;
  return {
    event: e.event,
    at: e.at,
    incident: {
      ...i,
      groups: [...i.groups],
      lastResult: i.lastResult ? { ...i.lastResult } : null,
      timeline: [],
    },
  };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const strOrNull = (v: unknown): v is string | null => v === null || isStr(v);

function parseLastResult(v: unknown): IncidentEvent['incident']['lastResult'] | undefined {
  if (v === null || v === undefined) return null;
  if (!isObj(v) || !isNum(v.httpStatus) || !isNum(v.durationMs) || !strOrNull(v.error ?? null)) return undefined;
  return { httpStatus: v.httpStatus, durationMs: v.durationMs, error: (v.error as string | null | undefined) ?? null };
}

function parseEvent(v: unknown): IncidentEvent | undefined {
  if (!isObj(v) || !isStr(v.event) || !EVENTS.has(v.event) || !isNum(v.at) || !isObj(v.incident)) return undefined;
  const i = v.incident;
  if (!isStr(i.id) || !isStr(i.scope) || !SCOPES.has(i.scope) || (i.status !== 'open' && i.status !== 'resolved')) return undefined;
  if (!strOrNull(i.group) || !strOrNull(i.endpoint) || !strOrNull(i.check)) return undefined;
  if (!Array.isArray(i.groups) || !i.groups.every(isStr) || !isReason(i.reason) || !isStr(i.summary) || !isStr(i.location)) return undefined;
  if (!isNum(i.startedAt) || !(i.resolvedAt === null || isNum(i.resolvedAt))) return undefined;
  const lastResult = parseLastResult(i.lastResult);
  if (lastResult === undefined) return undefined;
  return {
    event: v.event as IncidentEventName,
    at: v.at,
    incident: {
      id: i.id,
      scope: i.scope as IncidentEvent['incident']['scope'],
      status: i.status,
      group: i.group,
      endpoint: i.endpoint,
      check: i.check,
      groups: [...(i.groups as string[])],
      reason: i.reason,
      reasons: Array.isArray(i.reasons) && i.reasons.length > 0 && i.reasons.every(isReason) ? [...i.reasons] : [i.reason],
      summary: i.summary,
      location: i.location,
      startedAt: i.startedAt,
      resolvedAt: i.resolvedAt,
      lastResult,
      timeline: [],
    },
  };
}

/** The well-formed entries of a restored outbox, in their order; counts what was skipped. */
export function parseOutbox(raw: unknown): { entries: OutboxEntry[]; skipped: number } {
  if (!Array.isArray(raw)) return { entries: [], skipped: raw === null || raw === undefined ? 0 : 1 };
  const entries: OutboxEntry[] = [];
  let skipped = 0;
  for (const v of raw) {
    const event = isObj(v) ? parseEvent(v.event) : undefined;
    if (!isObj(v) || !event || !isStr(v.webhook) || !isStr(v.deliveryId) || v.deliveryId.length === 0) {
      skipped++;
      continue;
    }
    const attempts = isNum(v.attempts) && v.attempts >= 0 ? Math.floor(v.attempts) : 0;
    const enqueuedAt = isNum(v.enqueuedAt) ? v.enqueuedAt : event.at;
    entries.push({ webhook: v.webhook, deliveryId: v.deliveryId, event, attempts, enqueuedAt });
  }
  return { entries, skipped };
}
