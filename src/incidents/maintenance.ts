/**
 * Maintenance windows per group: from config (a cron start, UTC, and a duration) and ad hoc
 * (opened through the API, persisted for restarts). Cron semantics are src/schedule/cron.ts's. While a window holds a group, checks keep
 * running and metrics are recorded, but no incident opens and nothing is sent for it.
 */
import type { CompiledMaintenance } from '../config/types.js';
import { isObject, isTime } from './book.js';
import { lastCronTime, parseCron, type CronSpec } from '../schedule/cron.js';

export interface MaintenanceWindow {
  group: string;
  kind: 'schedule' | 'adhoc';
  startsAt: number;
  endsAt: number;
  /** The cron expression of a scheduled window. */
  schedule?: string;
  note?: string;
}

export interface MaintenanceBook {
  /** Open an ad hoc window for `group` from now on; replaces the group's previous ad hoc window. */
  add(group: string, durationMs: number, note?: string): MaintenanceWindow;
  /** End the group's ad hoc window; scheduled windows come from config and stay. True when one was removed. */
  remove(group: string): boolean;
  /** Windows active now, scheduled and ad hoc, ordered by group. */
  list(): MaintenanceWindow[];
  activeGroups(now?: number): Set<string>;
  /** Replace the scheduled windows (config reload). Returns the schedules that were not valid cron expressions. */
  setSchedules(schedules: readonly CompiledMaintenance[]): string[];
  serialize(): unknown;
  restore(data: unknown): void;
}

const GROUP_NAME = /^[a-z0-9_-]+$/;
/** Longest ad hoc window accepted. */
const MAX_ADHOC_MS = 30 * 86_400_000;
const MAX_NOTE = 500;

/** The start of the scheduled window holding `at` (start <= at < start + duration), or null. */
export function windowStart(cron: CronSpec, durationMs: number, at: number): number | null {
  const start = lastCronTime(cron, at, Math.max(0, durationMs - 1));
  return start !== undefined && start <= at && at < start + durationMs ? start : null;
}

export function createMaintenance(opts: { schedules?: readonly CompiledMaintenance[]; now?: () => number } = {}): MaintenanceBook {
  const now = opts.now ?? Date.now;
  let scheduled: { group: string; durationMs: number; cron: CronSpec }[] = [];
  const adhoc = new Map<string, MaintenanceWindow>();

  const prune = (t: number): void => {
    for (const [g, w] of adhoc) if (w.endsAt <= t) adhoc.delete(g);
  };

  const active = (t: number): MaintenanceWindow[] => {
    prune(t);
    const out: MaintenanceWindow[] = [...adhoc.values()].filter((w) => w.startsAt <= t).map((w) => ({ ...w }));
    for (const s of scheduled) {
      const start = windowStart(s.cron, s.durationMs, t);
      if (start !== null) out.push({ group: s.group, kind: 'schedule', startsAt: start, endsAt: start + s.durationMs, schedule: s.cron.expression });
    }
    return out.sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : a.startsAt - b.startsAt));
  };

  const book: MaintenanceBook = {
    add(group, durationMs, note) {
      if (!GROUP_NAME.test(group)) throw new RangeError('group: expected a group name ([a-z0-9_-]+)');
      if (!Number.isFinite(durationMs) || durationMs <= 0 || durationMs > MAX_ADHOC_MS) throw new RangeError('duration: expected a duration above 0 and at most 30d');
      const t = now();
      const w: MaintenanceWindow = { group, kind: 'adhoc', startsAt: t, endsAt: t + Math.round(durationMs) };
      if (typeof note === 'string' && note.trim() !== '') w.note = note.trim().slice(0, MAX_NOTE);
      adhoc.set(group, w);
      return { ...w };
    },
    remove(group) {
      return adhoc.delete(group);
    },
    list() {
      return active(now());
    },
    activeGroups(t = now()) {
      return new Set(active(t).map((w) => w.group));
    },
    setSchedules(schedules) {
      const invalid: string[] = [];
      scheduled = [];
      for (const s of schedules) {
        const cron = parseCron(s.schedule, s.timezone);
        if ('errors' in cron) invalid.push(s.schedule);
        else if (s.durationMs > 0) scheduled.push({ group: s.group, durationMs: s.durationMs, cron });
      }
      return invalid;
    },
    serialize() {
      prune(now());
      return { version: 1, adhoc: [...adhoc.values()].map((w) => ({ ...w })) };
    },
    restore(data) {
      adhoc.clear();
      if (!isObject(data) || !Array.isArray(data['adhoc'])) return;
      for (const raw of data['adhoc']) {
        if (!isObject(raw)) continue;
        const { group, startsAt, endsAt, note } = raw;
        if (typeof group !== 'string' || !GROUP_NAME.test(group) || !isTime(startsAt) || !isTime(endsAt) || endsAt <= startsAt) continue;
        const w: MaintenanceWindow = { group, kind: 'adhoc', startsAt, endsAt };
        if (typeof note === 'string') w.note = note.slice(0, MAX_NOTE);
        adhoc.set(group, w);
      }
      prune(now());
    },
  };
  book.setSchedules(opts.schedules ?? []);
  return book;
}
