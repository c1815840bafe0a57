/** An incident's reason, its reasons in order, and the summary that tells them in words. */
import { REASON_TEXT, reasonRank, type Reason } from '../reasons.js';

/** The most common reason; ties go to the reasons' precedence (docs/reasons.md). */
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

const LOGIN_FAILURES: ReadonlySet<Reason> = new Set(['login_rejected', 'login_challenge']);

/**
 * Distinct reasons, in the order they first appeared, merged from several lists. A forced logout
 * always comes before the refused logins it leads to (a user logs in again because they were
 * logged out; a refused login logs nobody out), whichever check happened to meet which first.
 */
export function mergeReasons(...lists: readonly (readonly Reason[])[]): Reason[] {
  const out: Reason[] = [];
  for (const list of lists) for (const r of list) if (!out.includes(r)) out.push(r);
  const logout = out.indexOf('forced_logout');
  const firstLogin = out.findIndex((r) => LOGIN_FAILURES.has(r));
  if (logout > 0 && firstLogin >= 0 && firstLogin < logout) {
    out.splice(logout, 1);
    out.splice(firstLogin, 0, 'forced_logout');
  }
  return out;
}

/** What happened, in words, from the reasons in order: the 5 March sentence when it applies. */
export function story(reasons: readonly Reason[]): string {
  if (reasons.length === 0) return REASON_TEXT.internal;
  const logout = reasons.includes('forced_logout');
  if (logout && reasons.includes('login_rejected')) return 'users are logged out and cannot log back in';
  if (logout && reasons.includes('login_challenge')) return 'users are logged out and asked to verify their identity to log back in';
  const parts = reasons.slice(0, 3).map((r) => REASON_TEXT[r]);
  return parts.length === 1 ? parts[0]! : `${parts[0]!}, then ${parts.slice(1).join(', then ')}`;
}

/** `facebook/web: users are logged out and cannot log back in` */
export function checkSummary(group: string, endpoint: string, reasons: readonly Reason[]): string {
  return `${group}/${endpoint}: ${story(reasons)}`;
}

/** `facebook: users are logged out and cannot log back in (2 of 3 checks down)` */
export function groupSummary(group: string, down: number, total: number, reasons: readonly Reason[]): string {
  return `${group}: ${story(reasons)} (${down} of ${total} check${total === 1 ? '' : 's'} down)`;
}

/** `3 platforms down at once: facebook (users are logged out and cannot log back in), instagram (feed loads but returns nothing new), …` */
export function multiSummary(groups: readonly { name: string; reasons: readonly Reason[] }[]): string {
  return `${groups.length} platforms down at once: ${groups.map((g) => `${g.name} (${story(g.reasons)})`).join(', ')}`;
}

/** `facebook/web: users were logged out at 15:20 UTC; logging in again works` */
export function logoutSummary(group: string, endpoint: string, at: number): string {
  const t = new Date(at).toISOString().slice(11, 16);
  return `${group}/${endpoint}: users were logged out at ${t} UTC; logging in again works`;
}
