/**
 * When incidents are evaluated again. An evaluation reads every check (O(checks)): a few µs at 50
 * checks, milliseconds at 10,000, and in a start window every first run changes a state, so
 * evaluating once per turn of the event loop took most of a core. Calls are coalesced into one
 * evaluation, and the next one waits `factor` times as long as the last one took (capped at
 * `maxWaitMs`): evaluations take at most ~1/factor of the loop, a small config is evaluated on
 * the next turn as before, and a large one within a fraction of a second of a change.
 */
export interface PacedOptions {
  /** The next evaluation waits this many times the last one's duration. Default 20 (≤ ~5% of the loop). */
  factor?: number;
  /** Never wait longer than this after a change. Default 500 ms. */
  maxWaitMs?: number;
  /** Monotonic ms (tests). */
  clock?: () => number;
  setTimer?: (fn: () => void, ms: number) => void;
}

/** `soon()` asks for `run` to happen; many asks before it happens make one run. */
export function paced(run: () => void, opts: PacedOptions = {}): { soon(): void } {
  const factor = opts.factor ?? 20;
  const maxWaitMs = opts.maxWaitMs ?? 500;
  const clock = opts.clock ?? (() => performance.now());
  const setTimer =
    opts.setTimer ??
    ((fn: () => void, ms: number) => {
      if (ms <= 0) setImmediate(fn);
      else setTimeout(fn, ms).unref();
    });
  let pending = false;
  let notBefore = 0;
  const go = (): void => {
    pending = false;
    const t0 = clock();
    try {
      run();
    } finally {
      const t1 = clock();
      notBefore = t1 + Math.min(maxWaitMs, (t1 - t0) * factor);
    }
  };
  return {
    soon() {
      if (pending) return;
      pending = true;
      setTimer(go, Math.max(0, notBefore - clock()));
    },
  };
}
