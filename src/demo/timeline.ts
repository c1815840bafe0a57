/** The demo's live timeline: one line each time a check changes state. */
import type { Monitor } from '../monitor.js';
import type { CheckState } from '../state/check-state.js';

const ARROW: Record<CheckState, string> = { up: 'UP  ', degraded: 'SLOW', down: 'DOWN', unknown: '????' };

export function watchTransitions(monitor: Monitor, print: (line: string) => void, everyMs = 250): () => void {
  const last = new Map<string, CheckState>();
  const tick = () => {
    for (const r of monitor.records()) {
      const prev = last.get(r.check.id);
      const state = r.status.state;
      if (prev === state || (prev === undefined && state === 'unknown')) continue;
      last.set(r.check.id, state);
      const why = state === 'up' || !r.status.reason ? '' : `  ${r.status.reason}: ${r.status.lastResult?.error ?? ''}`;
      print(`CHECK      ${ARROW[state]} ${r.check.id.padEnd(28)}${why}`);
    }
  };
  const timer = setInterval(tick, everyMs);
  return () => {
    tick();
    clearInterval(timer);
  };
}
