/**
 * The daemon's side of the notification journal: what each record holds (the notification and
 * what announcing it means for its incident) and how a restart puts together the state file and
 * the journal (the journal wins for what it recorded after the state file was written).
 */
import type { CheckView, Incident } from '../incidents/types.js';
import type { CheckStatus } from '../check-state.js';
import { announcement, applyAnnouncements } from './announced.js';
import type { Journal } from './journal.js';
import type { Durable } from './notifier.js';
import { parseOutbox, type OutboxEntry } from './outbox.js';

export interface DurableSources {
  now: () => number;
  views: () => readonly CheckView[];
  states: () => Record<string, CheckStatus>;
}

/** The check ids an incident is about: its check, or every check of its groups. */
export function incidentCheckIds(i: Incident, views: readonly CheckView[]): string[] {
  if (i.scope === 'check') return views.filter((v) => v.group === i.group && v.endpoint === i.endpoint && v.check === i.check).map((v) => v.id);
  const groups = new Set(i.groups);
  return views.filter((v) => groups.has(v.group)).map((v) => v.id);
}

export function journalDurable(journal: Journal, src: DurableSources): Durable {
  // The views and states of all checks, read once per turn of the event loop however many notifications it sends.
  let cache: { views: readonly CheckView[]; states: Record<string, CheckStatus> } | undefined;
  const current = () => {
    if (!cache) {
      cache = { views: src.views(), states: src.states() };
      setImmediate(() => (cache = undefined));
    }
    return cache;
  };
  return {
    enqueued(entry, event) {
      const { views, states: all } = current();
      const checks: Record<string, CheckStatus> = {};
      for (const id of incidentCheckIds(event.incident, views)) if (all[id]) checks[id] = all[id];
      return journal.append({ k: 'enq', entry: { ...entry }, ann: announcement(event, src.now(), checks) });
    },
    attempted: (entry) => journal.note({ k: 'try', id: entry.deliveryId, attempts: entry.attempts }),
    delivered: (entry) => journal.append({ k: 'done', id: entry.deliveryId }),
    gone: (entry) => journal.note({ k: 'gone', id: entry.deliveryId }),
  };
}

export interface SavedState {
  checks?: Record<string, CheckStatus>;
  incidents?: unknown;
  /** The outbox of state files written before the journal. */
  outbox?: unknown;
  /** The journal's last sequence number when this was written: later announcements are not in it. */
  journalSeq?: number;
}

/** What to restore: the state file with the journal's newer announcements laid over it, and the undelivered notifications. */
export async function restoreWithJournal(journal: Journal, saved: SavedState | null): Promise<{ checks: Record<string, CheckStatus>; incidents: unknown; outbox: OutboxEntry[] }> {
  const covered = typeof saved?.journalSeq === 'number' ? saved.journalSeq : -1;
  const loaded = await journal.load(Math.max(0, covered));
  const outbox = loaded.pending;
  // A state file from before the journal: its outbox goes into the journal first.
  const known = new Set(outbox.map((x) => x.deliveryId));
  for (const entry of parseOutbox(saved?.outbox).entries) {
    if (known.has(entry.deliveryId)) continue;
    known.add(entry.deliveryId);
    await journal.append({ k: 'enq', entry });
    outbox.push(entry);
  }
  const newer = loaded.announced.filter((a) => a.seq > covered).map((a) => a.ann);
  const { incidents, checks } = applyAnnouncements(saved?.incidents, saved?.checks, newer);
  return { checks, incidents, outbox };
}
