/** A due time further away than setTimeout can wait (2^31-1 ms) must not run at once. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createScheduler } from '../../src/schedule/scheduler.js';
import type { CompiledCheck } from '../../src/config/types.js';

afterEach(() => vi.useRealTimers());

describe('scheduler with a far-away cron', () => {
  it('waits for the due time even when it is more than 24.8 days away', async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 1, 1) });
    const runs: number[] = [];
    const s = createScheduler({ run: async () => void runs.push(Date.now()), concurrency: 1, now: () => Date.now() });
    // Once a year, on 1 January at 00:00 UTC: 334 days away.
    s.setChecks([{ id: 'g/e/yearly', schedule: '0 0 1 1 *', intervalMs: undefined } as unknown as CompiledCheck]);
    s.start();
    await vi.advanceTimersByTimeAsync(30 * 86_400_000);
    expect(runs).toEqual([]);
    await vi.advanceTimersByTimeAsync(310 * 86_400_000);
    expect(runs).toEqual([Date.UTC(2027, 0, 1)]);
    await s.stop();
  });
});
