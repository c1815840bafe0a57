/**
 * An open-loop driver: starts `total` operations at `rate` per second with at most `concurrency`
 * in flight, the same pacing the Outpost scheduler applies to checks with a 1 s interval. Bounded
 * by count and by time.
 */
export interface PaceOptions {
  rate: number;
  concurrency: number;
  total: number;
  maxMs: number;
  one: () => Promise<unknown>;
}

export interface PaceResult {
  done: number;
  errors: number;
  elapsedMs: number;
  firstError?: string;
}

export function pace(opts: PaceOptions): Promise<PaceResult> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    let started = 0;
    let done = 0;
    let errors = 0;
    let inFlight = 0;
    let firstError: string | undefined;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearInterval(tick);
      resolve({ done, errors, elapsedMs: performance.now() - t0, firstError });
    };
    const pump = () => {
      const elapsed = performance.now() - t0;
      if (elapsed > opts.maxMs) return finish();
      const due = Math.min(opts.total, Math.floor((elapsed / 1000) * opts.rate) + 1);
      while (started < due && inFlight < opts.concurrency) {
        started++;
        inFlight++;
        opts.one().then(
          () => settle(false),
          (err: unknown) => {
            firstError ??= String((err as Error)?.message ?? err);
            settle(true);
          },
        );
      }
    };
    const settle = (failed: boolean) => {
      inFlight--;
      done++;
      if (failed) errors++;
      if (done >= opts.total) return finish();
      pump();
    };
    const tick = setInterval(pump, 2);
    pump();
  });
}
