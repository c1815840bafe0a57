/**
 * The last start of a cron schedule (UTC, 5 or 6 fields) at or before a time, found by walking
 * back through matching days, hours and minutes, bounded by a look-back. node-cron 4 parses and
 * validates the expression (names, ranges, lists, steps, `L`, `nW`, `L-n`, `nL`, `n#k`); this
 * module only matches its parsed fields, with node-cron's semantics (day of month AND day of week).
 */
import { parse, validate } from 'node-cron';

export interface CronMatcher {
  expression: string;
  /** The latest start at or before `at` and after `at - lookBackMs`, or null. */
  lastStart(at: number, lookBackMs: number): number | null;
}

type DayToken = number | string;

/** Throws with node-cron's message when the expression is not valid. */
export function compileCron(expression: string): CronMatcher {
  if (!validate(expression)) parse(expression); // throws the detailed message
  const f = parse(expression);
  const seconds = [...new Set(f.second)].sort((a, b) => b - a); // descending
  const minutes = new Set(f.minute);
  const hours = new Set(f.hour);
  const months = new Set(f.month);
  const dayMatches = (d: Date): boolean => matchesDayOfMonth(f.dayOfMonth, d) && matchesDayOfWeek(f.dayOfWeek, d);

  return {
    expression,
    lastStart(at, lookBackMs) {
      const floor = at - Math.max(0, lookBackMs);
      // cursor: the latest whole second still to consider
      let cursor = Math.floor(at / 1000) * 1000;
      for (let guard = 0; cursor > floor && guard < 1_000_000; guard++) {
        const d = new Date(cursor);
        if (!months.has(d.getUTCMonth() + 1) || !dayMatches(d)) {
          cursor = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - 1000;
          continue;
        }
        if (!hours.has(d.getUTCHours())) {
          cursor = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours()) - 1000;
          continue;
        }
        const minuteStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes());
        if (minutes.has(d.getUTCMinutes())) {
          const s = seconds.find((x) => x <= d.getUTCSeconds());
          if (s !== undefined) {
            const start = minuteStart + s * 1000;
            return start > floor ? start : null;
          }
        }
        cursor = minuteStart - 1000;
      }
      return null;
    },
  };
}

function lastDayOfMonth(d: Date): number {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
}

function nearestWeekday(d: Date, target: number): number {
  const last = lastDayOfMonth(d);
  if (target < 1 || target > last) return -1;
  const wd = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), target)).getUTCDay();
  if (wd === 6) return target === 1 ? target + 2 : target - 1;
  if (wd === 0) return target === last ? target - 2 : target + 1;
  return target;
}

function matchesDayOfMonth(field: readonly DayToken[], d: Date): boolean {
  const day = d.getUTCDate();
  for (const v of field) {
    if (v === day) return true;
    if (typeof v !== 'string') continue;
    if (v === 'L' && day === lastDayOfMonth(d)) return true;
    const w = /^(\d{1,2}|L)W$/.exec(v);
    if (w && nearestWeekday(d, w[1] === 'L' ? lastDayOfMonth(d) : Number(w[1])) === day) return true;
    const off = /^L-(\d{1,2})$/.exec(v);
    if (off && lastDayOfMonth(d) - Number(off[1]) === day) return true;
  }
  return false;
}

function matchesDayOfWeek(field: readonly DayToken[], d: Date): boolean {
  const wd = d.getUTCDay();
  const day = d.getUTCDate();
  for (const v of field) {
    if (v === wd || v === 7 && wd === 0) return true;
    if (typeof v !== 'string') continue;
    const nth = /^([0-7])#([1-5])$/.exec(v);
    if (nth && Number(nth[1]) % 7 === wd && Math.floor((day - 1) / 7) + 1 === Number(nth[2])) return true;
    const last = /^([0-7])L$/i.exec(v);
    if (last && Number(last[1]) % 7 === wd && day + 7 > lastDayOfMonth(d)) return true;
  }
  return false;
}
