/**
 * Business impact (docs/impact.md): what an impaired platform costs, in the user's unit, from the
 * figures in its `impact` config. Plain data shared by the config compiler, the accrual and the
 * surfaces (webhooks, API, status page, report).
 */

/** What an incident carries (docs/impact.md): the unit, the configured rate and what accrued while it was open. */
export interface IncidentImpact {
  unit: string;
  /** The configured rate of the platform(s), before the traffic profile. */
  perMinute: number;
  /** Accrued so far (the final figure once the incident is resolved). */
  estimated: number;
}

/** A profile rule: on these days, in these hours (local to the timezone), the rate is multiplied by factor. */
export interface ProfileRule {
  /** 0 = Monday … 6 = Sunday. */
  days: readonly number[];
  /** Hours of the day, [from, to) with 0 ≤ from < to ≤ 24. */
  from: number;
  to: number;
  factor: number;
}

/**
 * One priced part of a group: the group's `impact` (covering its endpoints that have none of their
 * own) or an endpoint's own `impact`. Each accrues on its own, in its own unit.
 */
export interface ImpactBucket {
  group: string;
  /** The endpoints it covers. */
  endpoints: readonly string[];
  perMinute: number;
  unit: string;
  /** Share of the rate a degraded (slow) check counts for, 0..1. */
  degraded: number;
  profile: readonly ProfileRule[];
  /** IANA time zone of the profile's hours. */
  timezone: string;
}

export const DAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type DayName = (typeof DAY_NAMES)[number];
