/**
 * The scheduler: when each check runs. First runs after a start, and of checks a reload adds,
 * are spread over a short start window (start-window.ts), then each check keeps its phase; a
 * check whose timing a reload changed moves to its point of a grid set by a stable hash of its
 * id; a check never runs
 * twice at once; a global cap bounds runs in flight; how late each run starts against its due
 * time is reported as lag. Cron schedules (node-cron's, in the check's time zone, UTC by default)
 * are supported next to intervals. A check is never armed silently at an infinite or past time:
 * a schedule without a next run is reported (onUnschedulable) and counted.
 */
import type { CompiledCheck } from '../config/types.js';
import { nextCronTime, parseCron, type CronSpec } from './cron.js';
import { staggerFraction } from './shard.js';
import { startOffsets } from './start-window.js';

export interface SchedulerOptions {
  run: (check: CompiledCheck) => Promise<void>;
  concurrency: number;
  /** Seconds late, for every run started. */
  onLag?: (seconds: number) => void;
  onInFlight?: (n: number) => void;
  /** A check has no next run (its schedule never comes round again, or is not valid): it will not run. */
  onUnschedulable?: (check: CompiledCheck, why: string) => void;
  /** How many checks cannot be scheduled, whenever that number may have changed. */
  onUnschedulableCount?: (n: number) => void;
  now?: () => number;
}

interface Entry {
  check: CompiledCheck;
  cron?: CronSpec;
  /** Why the check cannot be scheduled, when it cannot. */
  unschedulable?: string;
  due: number;
  timer?: NodeJS.Timeout;
  running: boolean;
  /** Became due while running: starts as soon as the run ends. */
  pending: boolean;
  queued: boolean;
  removed: boolean;
}

export interface Scheduler {
  setChecks(checks: readonly CompiledCheck[]): void;
  start(): void;
  /** Stop scheduling; resolves when runs in flight have ended. */
  stop(): Promise<void>;
  inFlight(): number;
  /** Last time the scheduler did anything (ms), for /healthz. */
  lastActivity(): number;
  running(): boolean;
  /** Next due time of a check (ms), for tests and the status API. */
  dueOf(id: string): number | undefined;
}

/** Offset of a check's first run inside its interval, stable across restarts and reloads. */
export function staggerOffset(id: string, intervalMs: number): number {
  return staggerFraction(id) * intervalMs;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

export function createScheduler(opts: SchedulerOptions): Scheduler {
  const now = opts.now ?? Date.now;
  const entries = new Map<string, Entry>();
  const ready: Entry[] = [];
  let active = 0;
  let started = false;
  let lastActivity = now();
  let idle: (() => void) | undefined;

  const unschedulable = (e: Entry, why: string): number => {
    if (e.unschedulable !== why) {
      e.unschedulable = why;
      opts.onUnschedulable?.(e.check, why);
      count();
    }
    return Infinity;
  };
  const count = (): void => opts.onUnschedulableCount?.([...entries.values()].filter((x) => x.unschedulable).length);
  /** A finite due time, or Infinity after reporting why there is none. */
  const checked = (e: Entry, due: number | undefined, t: number): number => {
    if (due === undefined || !Number.isFinite(due)) return unschedulable(e, e.cron ? `schedule "${e.cron.expression}" (${e.cron.timezone}) has no next run` : 'no interval and no schedule');
    if (e.unschedulable) {
      e.unschedulable = undefined;
      count();
    }
    return Math.max(due, t);
  };

  const firstDue = (e: Entry, t: number): number => {
    if (e.check.schedule && !e.cron) return unschedulable(e, `schedule "${e.check.schedule}" is not valid`);
    if (e.cron) return checked(e, nextCronTime(e.cron, t), t);
    const interval = e.check.intervalMs;
    if (interval === undefined || !(interval > 0)) return checked(e, undefined, t);
    // The next point on this check's own grid (offset by its stagger) after t.
    const offset = staggerOffset(e.check.id, interval);
    const k = Math.floor((t - offset) / interval) + 1;
    return k * interval + offset;
  };

  const arm = (e: Entry) => {
    if (e.timer) clearTimeout(e.timer);
    if (!started || e.removed || !Number.isFinite(e.due)) return;
    // setTimeout fires at once for delays past 2^31-1 ms (~24.8 days): wake up early and re-arm.
    e.timer = setTimeout(() => (e.due - now() > 1 ? arm(e) : fire(e)), Math.min(MAX_TIMER_MS, Math.max(0, e.due - now())));
    e.timer.unref?.();
  };

  const fire = (e: Entry) => {
    e.timer = undefined;
    lastActivity = now();
    if (e.removed) return;
    if (e.running) e.pending = true;
    else enqueue(e);
  };

  const enqueue = (e: Entry) => {
    if (e.queued) return;
    e.queued = true;
    ready.push(e);
    pump();
  };

  const pump = () => {
    while (started && active < opts.concurrency && ready.length > 0) {
      const e = ready.shift()!;
      e.queued = false;
      if (e.removed) continue;
      start(e);
    }
  };

  const start = (e: Entry) => {
    const t = now();
    lastActivity = t;
    opts.onLag?.(Math.max(0, t - e.due) / 1000);
    // Next due: the following grid point; when more than one was missed (a blocked loop, a run
    // longer than its interval), the missed ones are not replayed in a burst: their lateness was
    // recorded above as lag, and the schedule continues from now.
    let next = e.cron ? (nextCronTime(e.cron, e.due) ?? firstDue(e, t)) : e.due + e.check.intervalMs!;
    if (next <= t) next = firstDue(e, t);
    e.due = next;
    e.running = true;
    active++;
    opts.onInFlight?.(active);
    arm(e);
    opts
      .run(e.check)
      .catch(() => undefined)
      .finally(() => {
        e.running = false;
        active--;
        lastActivity = now();
        opts.onInFlight?.(active);
        if (e.pending && !e.removed) {
          e.pending = false;
          enqueue(e);
        }
        pump();
        if (active === 0 && idle) idle();
      });
  };

  return {
    setChecks(checks) {
      const seen = new Set<string>();
      const t = now();
      // Checks a reload adds while running get a start window of their own.
      const added = started ? startOffsets(checks.filter((c) => !entries.has(c.id)), opts.concurrency) : undefined;
      for (const check of checks) {
        seen.add(check.id);
        const old = entries.get(check.id);
        const sameTiming = old && old.check.intervalMs === check.intervalMs && old.check.schedule === check.schedule && old.check.timezone === check.timezone;
        if (old && sameTiming) {
          old.check = check;
          continue;
        }
        const parsed = check.schedule ? parseCron(check.schedule, check.timezone) : undefined;
        const e: Entry = old ?? { check, due: 0, running: false, pending: false, queued: false, removed: false };
        e.check = check;
        e.cron = parsed && !('errors' in parsed) ? parsed : undefined;
        const offset = !old ? added?.get(check.id) : undefined;
        e.due = offset !== undefined ? t + offset : firstDue(e, t);
        entries.set(check.id, e);
        arm(e);
      }
      for (const [id, e] of entries) {
        if (seen.has(id)) continue;
        e.removed = true;
        if (e.timer) clearTimeout(e.timer);
        entries.delete(id);
      }
      count();
    },
    start() {
      if (started) return;
      started = true;
      const t = now();
      lastActivity = t;
      // Every interval check runs first within the start window, then keeps that phase.
      const offsets = startOffsets([...entries.values()].map((e) => e.check), opts.concurrency);
      for (const e of entries.values()) {
        const offset = e.cron ? undefined : offsets.get(e.check.id);
        if (offset !== undefined) e.due = t + offset;
        else if (e.due < t) e.due = firstDue(e, t);
        arm(e);
      }
    },
    async stop() {
      started = false;
      for (const e of entries.values()) if (e.timer) clearTimeout(e.timer);
      ready.length = 0;
      if (active === 0) return;
      await new Promise<void>((resolve) => (idle = resolve));
    },
    inFlight: () => active,
    lastActivity: () => lastActivity,
    running: () => started,
    dueOf: (id) => entries.get(id)?.due,
  };
}
