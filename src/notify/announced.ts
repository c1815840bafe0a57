/**
 * What sending a notification means for its incident, as the journal keeps it: the incident as
 * announced, when, and the states of its checks at that moment. After a crash, the announcements
 * newer than the state file are laid over it, so the restarted daemon knows the incident was told
 * (no second `opened` under a new id) and its checks do not reopen or resolve it by mistake. Pure.
 */
import { cloneIncident, isObject, parseIncident } from '../incidents/book.js';
import type { Incident, IncidentEvent, IncidentEventName } from '../incidents/types.js';
import type { CheckStatus } from '../check-state.js';

export interface Announcement {
  event: IncidentEventName;
  /** When the dispatcher sent it (its `lastSentAt`). */
  sentAt: number;
  incident: Incident;
  /** The states of the incident's checks (by check id) when it was sent. */
  checks: Record<string, CheckStatus>;
}

export function announcement(e: IncidentEvent, sentAt: number, checks: Record<string, CheckStatus>): Announcement {
  return { event: e.event, sentAt, incident: cloneIncident(e.incident), checks };
}

type Obj = Record<string, unknown>;
const list = (v: unknown): unknown[] => (Array.isArray(v) ? [...(v as unknown[])] : []);

const idOf = (v: unknown): string | undefined => (isObject(v) && typeof v['id'] === 'string' ? v['id'] : undefined);
const pendingId = (v: unknown): string | undefined => (isObject(v) ? idOf(v['event'] && isObject(v['event']) ? v['event']['incident'] : undefined) : undefined);

/**
 * The incident manager's saved data (manager.serialize()) and check states with `announcements`
 * (in journal order) laid over them. Malformed announcements are skipped.
 */
export function applyAnnouncements(
  incidents: unknown,
  checks: Record<string, CheckStatus> | undefined,
  announcements: readonly Announcement[],
): { incidents: unknown; checks: Record<string, CheckStatus> } {
  const out: Obj = isObject(incidents) ? { ...incidents } : { version: 1 };
  const book: Obj = isObject(out['book']) ? { ...out['book'] } : { version: 1 };
  const dispatch: Obj = isObject(out['dispatch']) ? { ...out['dispatch'] } : { version: 1 };
  let open = list(book['open']);
  let recent = list(book['recent']);
  let pending = list(dispatch['pending']);
  const notified = new Map<string, number>();
  for (const n of list(dispatch['notified'])) if (isObject(n) && typeof n['id'] === 'string' && typeof n['lastSentAt'] === 'number') notified.set(n['id'], n['lastSentAt']);
  let absorbed = list(dispatch['absorbed']);
  const states: Record<string, CheckStatus> = { ...(checks ?? {}) };

  for (const a of announcements) {
    const incident = isObject(a) ? parseIncident(a.incident) : null;
    if (!incident || typeof a.sentAt !== 'number') continue;
    const id = incident.id;
    open = open.filter((i) => idOf(i) !== id);
    recent = recent.filter((i) => idOf(i) !== id);
    pending = pending.filter((p) => pendingId(p) !== id);
    absorbed = absorbed.filter((x) => x !== id);
    if (a.event === 'incident.resolved') {
      notified.delete(id);
      recent.unshift({ ...incident, status: 'resolved', resolvedAt: incident.resolvedAt ?? a.sentAt });
    } else {
      notified.set(id, a.sentAt);
      open.push({ ...incident, status: 'open', resolvedAt: null });
    }
    if (isObject(a.checks)) for (const [cid, s] of Object.entries(a.checks)) if (isObject(s)) states[cid] = s as unknown as CheckStatus;
  }
  out['book'] = { ...book, open, recent };
  out['dispatch'] = { ...dispatch, pending, notified: [...notified].map(([id, lastSentAt]) => ({ id, lastSentAt })), absorbed };
  return { incidents: out, checks: states };
}
