/**
 * The traffic profile: the rate's multiplier at an instant (day of week and hour in the profile's
 * timezone), and the amount accrued over an interval, integrated piecewise so that an interval
 * across an hour boundary is priced at each hour's factor. Pure.
 */
import type { ImpactBucket, ProfileRule } from './types.js';

/** Every UTC offset in use is a multiple of 15 minutes, so local hours change only on these. */
const SLICE_MS = 15 * 60_000;
/** An interval longer than this is not accrued beyond it (a gap, not an outage we watched). */
export const MAX_ACCRUAL_MS = 400 * 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAY: Record<string, number> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };

/** Day of week (0 = Monday) and hour (0-23) of instant t in a time zone. */
export function localDayHour(t: number, timezone: string): { day: number; hour: number } {
  if (timezone === 'UTC' || timezone === 'Etc/UTC') {
    const d = new Date(t);
    return { day: (d.getUTCDay() + 6) % 7, hour: d.getUTCHours() };
  }
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: timezone, weekday: 'short', hour: 'numeric', hourCycle: 'h23' });
    if (formatters.size < 100) formatters.set(timezone, f);
  }
  let day = 0;
  let hour = 0;
  for (const p of f.formatToParts(new Date(t))) {
    if (p.type === 'weekday') day = WEEKDAY[p.value] ?? 0;
    else if (p.type === 'hour') hour = Number(p.value) % 24;
  }
  return { day, hour };
}

/** The profile's multiplier at instant t: the last rule that covers the local day and hour, else 1. */
export function factorAt(profile: readonly ProfileRule[], timezone: string, t: number): number {
  if (profile.length === 0) return 1;
  const { day, hour } = localDayHour(t, timezone);
  let factor = 1;
  for (const r of profile) if (r.days.includes(day) && hour >= r.from && hour < r.to) factor = r.factor;
  return factor;
}

/** The rate per minute at instant t (perMinute × the profile's factor). */
export function rateAt(b: Pick<ImpactBucket, 'perMinute' | 'profile' | 'timezone'>, t: number): number {
  return b.perMinute * factorAt(b.profile, b.timezone, t);
}

/** What accrues over [from, to) at full share: ∫ rate, split where the local hour can change. */
export function accrueBetween(b: Pick<ImpactBucket, 'perMinute' | 'profile' | 'timezone'>, from: number, to: number): number {
  if (!(to > from)) return 0;
  const end = Math.min(to, from + MAX_ACCRUAL_MS);
  if (b.profile.length === 0) return (b.perMinute * (end - from)) / 60_000;
  let total = 0;
  let t = from;
  // Bounded: at most MAX_ACCRUAL_MS / SLICE_MS + 1 slices.
  while (t < end) {
    const next = Math.min(end, (Math.floor(t / SLICE_MS) + 1) * SLICE_MS);
    total += (rateAt(b, t) * (next - t)) / 60_000;
    t = next;
  }
  return total;
}
