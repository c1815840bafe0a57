/**
 * The demo's live timeline: a line each time a check changes state, and a line when a check
 * starts failing for a new reason (so a forced logout shows before the refused logins that follow).
 */
import type { Monitor } from '../monitor.js';
import type { CheckState } from '../check-state.js';

const LABEL: Record<CheckState, string> = { up: 'UP  ', degraded: 'SLOW', down: 'DOWN', unknown: '????' };

export function watchTransitions(monitor: Monitor, print: (line: string) => void, everyMs = 250): () => void {
  const lastState = new Map<string, CheckState>();
  const lastReason = new Map<string, string | null>();
  const tick = () => {
    for (const r of monitor.records()) {
      const id = r.check.id;
      const run = r.status.lastResult;
      const reason = run && !run.ok ? run.reason : null;
      const state = r.status.state;
      const streak = r.status.reasons ?? [];
      const named = reason && state === 'down' && streak.length > 1 ? streak.join(' → ') : reason;
      const why = reason ? `  ${named}: ${run?.error ?? ''}` : '';
      if (reason && reason !== (lastReason.get(id) ?? null) && state !== 'down') {
        print(`CHECK      FAIL ${id.padEnd(28)}${why}`);
      }
      lastReason.set(id, reason);
      const prev = lastState.get(id);
      if (prev === state || (prev === undefined && state === 'unknown')) continue;
      lastState.set(id, state);
      print(`CHECK      ${LABEL[state]} ${id.padEnd(28)}${state === 'up' ? '' : why}`);
    }
  };
  const timer = setInterval(tick, everyMs);
  return () => {
    tick();
    clearInterval(timer);
  };
}
