/** Shared test data for the incident tests: check views, groups, rules and a fake clock. */
import type { IncidentRules } from '../../src/config/types.js';
import type { CheckView, GroupView, IncidentEvent } from '../../src/incidents/types.js';
import type { Reason } from '../../src/reasons.js';
import type { CheckState } from '../../src/check-state.js';

export const T0 = Date.UTC(2024, 2, 5, 15, 20, 7);

export const RULES: IncidentRules = { groupDownRatio: 0.5, multiPlatformMinGroups: 2, groupWaitMs: 10_000, keepResolved: 100 };

export function view(id: string, state: CheckState, reason: Reason | null = null, since = T0): CheckView {
  const [group, endpoint, check] = id.split('/') as [string, string, string];
  const failed = state === 'down' && reason !== null;
  return {
    id,
    group,
    endpoint,
    check,
    state,
    reason,
    reasons: reason && state !== 'up' ? [reason] : [],
    since,
    lastResult: { ok: !failed, reason: failed ? reason : null, httpStatus: failed ? 401 : 200, durationMs: 84, error: failed ? 'redirected to /login' : null, at: since, attempts: 1 },
  };
}

export function groupsOf(checks: readonly CheckView[]): GroupView[] {
  const byGroup = new Map<string, string[]>();
  for (const c of checks) byGroup.set(c.group, [...(byGroup.get(c.group) ?? []), c.id]);
  return [...byGroup].map(([name, checkIds]) => ({ name, checkIds }));
}

/** The 5 March 2024 platforms: facebook (3 checks), instagram (2), threads (1). */
export const PLATFORM_CHECKS = ['facebook/web/login', 'facebook/web/session', 'facebook/mobile-api/feed', 'instagram/web/feed', 'instagram/web/session', 'threads/web/feed'];
export const OUTAGE_REASON: Record<string, Reason> = { facebook: 'forced_logout', instagram: 'feed_stale', threads: 'error_page' };

/** Every platform check, with the groups in `down` down for their outage reason. */
export function platforms(down: readonly string[], since = T0): CheckView[] {
  return PLATFORM_CHECKS.map((id) => {
    const group = id.split('/')[0]!;
    return down.includes(group) ? view(id, 'down', OUTAGE_REASON[group]!, since) : view(id, 'up', null, since);
  });
}

/** Injected time: `now`, a `setTimer` that only fires on `advance`. */
export function fakeClock(start = T0) {
  let t = start;
  let timers: { due: number; fn: () => void; cancelled: boolean }[] = [];
  return {
    now: () => t,
    setTimer(fn: () => void, ms: number) {
      const timer = { due: t + ms, fn, cancelled: false };
      timers.push(timer);
      return { cancel: () => void (timer.cancelled = true) };
    },
    /** Move time forward, firing due timers in order (bounded). */
    advance(ms: number) {
      const end = t + ms;
      for (let i = 0; i < 10_000; i++) {
        timers = timers.filter((x) => !x.cancelled);
        const next = timers.filter((x) => x.due <= end).sort((a, b) => a.due - b.due)[0];
        if (!next) break;
        t = Math.max(t, next.due);
        next.cancelled = true;
        next.fn();
      }
      t = end;
    },
    pendingTimers: () => timers.filter((x) => !x.cancelled).length,
  };
}

export function names(events: readonly IncidentEvent[]): string[] {
  return events.map((e) => `${e.event.slice('incident.'.length)} ${e.incident.scope}${e.incident.group ? ` ${e.incident.group}` : ''}`);
}
