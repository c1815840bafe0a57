/** The reason and the plain-words summary of each incident scope. */
import { REASON_TEXT, reasonRank, type Reason } from '../reasons.js';

/** The most common reason; ties go to the SPEC's precedence. */
export function dominantReason(reasons: readonly Reason[]): Reason | undefined {
  const counts = new Map<Reason, number>();
  for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  let best: Reason | undefined;
  for (const [r, n] of counts) {
    const bn = best === undefined ? -1 : counts.get(best)!;
    if (n > bn || (n === bn && reasonRank(r) < reasonRank(best!))) best = r;
  }
  return best;
}

/** `facebook/web: session rejected, users are being logged out` */
export function checkSummary(group: string, endpoint: string, reason: Reason): string {
  return `${group}/${endpoint}: ${REASON_TEXT[reason]}`;
}

/** `facebook: 2 of 3 checks down (forced_logout)` */
export function groupSummary(group: string, down: number, total: number, reason: Reason): string {
  return `${group}: ${down} of ${total} check${total === 1 ? '' : 's'} down (${reason})`;
}

/** `3 platforms down at once: facebook (forced_logout), instagram (feed_stale), threads (error_page)` */
export function multiSummary(groups: readonly { name: string; reason: Reason }[]): string {
  return `${groups.length} platforms down at once: ${groups.map((g) => `${g.name} (${g.reason})`).join(', ')}`;
}
