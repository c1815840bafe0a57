/**
 * Cron expressions (node-cron syntax: 5 fields, or 6 with seconds first; `L`, `W`, `#`, names) in
 * an IANA time zone (default UTC). node-cron both validates them and computes the next runs (its
 * own matcher, daylight-saving changes included), so what validates is exactly what runs. An
 * expression that validates but never comes round (no match within the library's search range)
 * is refused too.
 */
import cron from 'node-cron';

export const DEFAULT_TIMEZONE = 'UTC';

export interface CronSpec {
  expression: string;
  timezone: string;
  /** node-cron's matcher: the first match strictly after a date. Throws when there is none. */
  next(after: Date): Date;
}

/** True when `tz` is an IANA time zone this runtime knows. */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Parse, or return the validation messages. */
export function parseCron(expression: string, timezone: string = DEFAULT_TIMEZONE): CronSpec | { errors: string[] } {
  if (!isTimeZone(timezone)) return { errors: [`unknown time zone ${JSON.stringify(timezone)}: use an IANA name such as UTC or Europe/Berlin`] };
  const v = cron.validateDetailed(expression);
  if (!v.valid) return { errors: v.errors.length ? v.errors.map((e) => `${e.field}: ${e.message}`) : ['invalid cron expression'] };
  let matcher: { getNextMatch(d: Date): Date } | undefined;
  try {
    // A created, never started task: only its matcher is kept (destroy unregisters it).
    const task = cron.createTask(expression, () => undefined, { timezone });
    matcher = (task as unknown as { timeMatcher?: { getNextMatch(d: Date): Date } }).timeMatcher;
    void task.destroy();
  } catch (err) {
    return { errors: [err instanceof Error ? err.message : 'invalid cron expression'] };
  }
  if (!matcher || typeof matcher.getNextMatch !== 'function') return { errors: ['node-cron offers no next-run computation'] };
  const m = matcher;
  const spec: CronSpec = { expression, timezone, next: (after) => m.getNextMatch(after) };
  if (nextCronTime(spec, Date.now()) === undefined) return { errors: ['never comes round: no date matches it'] };
  return spec;
}

/** The first time strictly after `after` (ms) that matches, or undefined when none does. */
export function nextCronTime(c: CronSpec, after: number): number | undefined {
  try {
    const t = c.next(new Date(after)).getTime();
    return Number.isFinite(t) && t > after ? t : undefined;
  } catch {
    return undefined;
  }
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
