/**
 * Which notifications a webhook takes, and what a full queue gives up. Pure.
 *
 * Overflow rule: an `opened` or `resolved` is never lost. When the queue is at its bound, the
 * oldest waiting `incident.reminder` makes room; when there is none, a new reminder is itself
 * dropped and a new `opened`/`resolved` is queued beyond the bound.
 */
import type { CompiledWebhook } from '../config/types.js';
import type { IncidentEvent } from '../incidents/types.js';
import type { OutboxEntry } from './outbox.js';

export type WebhookFilter = Pick<CompiledWebhook, 'events' | 'groups' | 'scopes'>;

export function matches(w: WebhookFilter, e: IncidentEvent): boolean {
  if (w.events && !w.events.has(e.event)) return false;
  if (w.scopes && !w.scopes.has(e.incident.scope)) return false;
  if (w.groups && !e.incident.groups.some((g) => w.groups?.has(g))) return false;
  return true;
}

export interface Admission {
  queue: OutboxEntry[];
  /** The reminder given up to make room (the new entry itself when it is a reminder that found no room). */
  dropped: OutboxEntry | null;
}

const isReminder = (x: OutboxEntry): boolean => x.event.event === 'incident.reminder';

/**
 * Add `entry` to `queue` under `bound`. `pinned` leading entries (the one being delivered) are
 * never given up.
 */
export function admit(queue: readonly OutboxEntry[], entry: OutboxEntry, bound: number, pinned = 0): Admission {
  if (queue.length < bound) return { queue: [...queue, entry], dropped: null };
  const victim = queue.findIndex((x, i) => i >= pinned && isReminder(x));
  if (victim !== -1) {
    const dropped = queue[victim] ?? null;
    return { queue: [...queue.slice(0, victim), ...queue.slice(victim + 1), entry], dropped };
  }
  if (isReminder(entry)) return { queue: [...queue], dropped: entry };
  return { queue: [...queue, entry], dropped: null };
}
