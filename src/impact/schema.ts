/** The `impact` block of a group or an endpoint (docs/impact.md), validated with clear errors. */
import { z } from 'zod';
import { isTimeZone } from '../schedule/cron.js';
import { DAY_NAMES } from './types.js';

const HOURS = /^(\d{1,2})(?:-(\d{1,2}))?$/;

/** "18-22" (18:00 to 22:00) or "9" (09:00 to 10:00) → [from, to), or undefined when malformed. */
export function parseHours(s: string): [number, number] | undefined {
  const m = HOURS.exec(s.trim());
  if (!m) return undefined;
  const from = Number(m[1]);
  const to = m[2] === undefined ? from + 1 : Number(m[2]);
  return from >= 0 && from < to && to <= 24 ? [from, to] : undefined;
}

const profileRule = z
  .object({
    /** Days of the week (default every day). */
    days: z.array(z.enum(DAY_NAMES, { error: `expected a day: ${DAY_NAMES.join(', ')}` })).min(1).optional(),
    /** Hours of the day in the profile's timezone, "18-22" for 18:00 to 22:00 (default all day). */
    hours: z.string().refine((s) => parseHours(s) !== undefined, { message: 'expected hours such as "18-22" (18:00 to 22:00) or "9", within 0-24' }).optional(),
    /** Multiplier of the rate in those hours (0 = nothing is lost then). */
    factor: z.number().min(0).max(1000),
  })
  .strict();

export const impactSchema = z
  .object({
    /** What a minute of this platform is worth, in `unit`. */
    perMinute: z.number().positive().max(1e12),
    /** USD, EUR, orders…: the `unit` label of outpost_impact_estimated_total. */
    unit: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,15}$/, 'unit must be a short name such as USD or orders (letters, digits, _)'),
    /** Share of the rate that a degraded (slow) check counts for. */
    degraded: z.number().min(0).max(1).default(0.25),
    /** Traffic profile: later rules win where they overlap; hours no rule covers count 1. */
    profile: z.array(profileRule).max(200).optional(),
    /** IANA time zone of the profile's days and hours (default UTC). */
    timezone: z.string().refine(isTimeZone, { message: 'expected an IANA time zone such as UTC or Europe/Paris' }).default('UTC'),
  })
  .strict();

export type RawImpact = z.infer<typeof impactSchema>;
