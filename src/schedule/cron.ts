/**
 * Cron expressions (node-cron syntax: 5 fields, or 6 with seconds first), evaluated in UTC.
 * node-cron validates and parses; the next due time is computed here so that the scheduler keeps
 * one timer for everything.
 */
import cron from 'node-cron';

export interface CronSpec {
  expression: string;
  seconds: ReadonlySet<number>;
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  daysOfMonth: ReadonlySet<number>;
  months: ReadonlySet<number>;
  daysOfWeek: ReadonlySet<number>;
  /** Standard cron: when both day fields are restricted, either may match. */
  dayOr: boolean;
}

/** Parse, or return the validation messages. */
export function parseCron(expression: string): CronSpec | { errors: string[] } {
  const v = cron.validateDetailed(expression);
  if (!v.valid || !v.fields) return { errors: v.errors.length ? v.errors.map((e) => `${e.field}: ${e.message}`) : ['invalid cron expression'] };
  const f = v.fields;
  const num = (xs: (number | string)[]) => new Set(xs.map(Number).filter((n) => Number.isFinite(n)));
  const dow = new Set([...num(f.dayOfWeek)].map((d) => d % 7));
  const dom = num(f.dayOfMonth);
  const restricted = (s: Set<number>, full: number) => s.size < full;
  return {
    expression,
    seconds: new Set(f.second),
    minutes: new Set(f.minute),
    hours: new Set(f.hour),
    daysOfMonth: dom,
    months: new Set(f.month),
    daysOfWeek: dow,
    dayOr: restricted(dom, 31) && restricted(dow, 7),
  };
}

function dayMatches(c: CronSpec, d: Date): boolean {
  const dom = c.daysOfMonth.has(d.getUTCDate());
  const dow = c.daysOfWeek.has(d.getUTCDay());
  return c.dayOr ? dom || dow : dom && dow;
}

/** The first time strictly after `after` (ms) that matches, searching at most ~4 years ahead. */
export function nextCronTime(c: CronSpec, after: number): number | undefined {
  const d = new Date(Math.floor(after / 1000) * 1000 + 1000);
  const limit = after + 4 * 366 * 86_400_000;
  while (d.getTime() <= limit) {
    if (!c.months.has(d.getUTCMonth() + 1)) {
      d.setUTCMonth(d.getUTCMonth() + 1, 1);
      d.setUTCHours(0, 0, 0, 0);
    } else if (!dayMatches(c, d)) {
      d.setUTCDate(d.getUTCDate() + 1);
      d.setUTCHours(0, 0, 0, 0);
    } else if (!c.hours.has(d.getUTCHours())) {
      d.setUTCHours(d.getUTCHours() + 1, 0, 0, 0);
    } else if (!c.minutes.has(d.getUTCMinutes())) {
      d.setUTCMinutes(d.getUTCMinutes() + 1, 0, 0);
    } else if (!c.seconds.has(d.getUTCSeconds())) {
      d.setUTCSeconds(d.getUTCSeconds() + 1, 0);
    } else return d.getTime();
  }
  return undefined;
}

/** The last start at or before `at` within `lookbackMs` (for windows that began before now). */
export function lastCronTime(c: CronSpec, at: number, lookbackMs: number): number | undefined {
  // Walk forward from the start of the lookback: bounded by the number of matches in the window.
  let t = nextCronTime(c, at - lookbackMs - 1);
  let last: number | undefined;
  let guard = 0;
  while (t !== undefined && t <= at && guard++ < 100_000) {
    last = t;
    t = nextCronTime(c, t);
  }
  return last;
}
