/** The config's `impact` blocks compiled into priced buckets (one per group, one per endpoint that has its own). */
import type { RawImpact } from './schema.js';
import { parseHours } from './schema.js';
import { DAY_NAMES, type ImpactBucket, type ProfileRule } from './types.js';

interface RawGroupLike {
  impact?: RawImpact | undefined;
  endpoints: Record<string, { impact?: RawImpact | undefined }>;
}

export function compileImpact(groups: Record<string, RawGroupLike>): ImpactBucket[] {
  const out: ImpactBucket[] = [];
  for (const [group, g] of Object.entries(groups)) {
    const plain = Object.entries(g.endpoints)
      .filter(([, ep]) => !ep.impact)
      .map(([name]) => name);
    if (g.impact && plain.length > 0) out.push(bucket(group, plain, g.impact));
    for (const [name, ep] of Object.entries(g.endpoints)) if (ep.impact) out.push(bucket(group, [name], ep.impact));
  }
  return out;
}

function bucket(group: string, endpoints: string[], raw: RawImpact): ImpactBucket {
  return {
    group,
    endpoints,
    perMinute: raw.perMinute,
    unit: raw.unit,
    degraded: raw.degraded,
    profile: (raw.profile ?? []).map(rule),
    timezone: raw.timezone,
  };
}

function rule(r: NonNullable<RawImpact['profile']>[number]): ProfileRule {
  const [from, to] = r.hours === undefined ? [0, 24] : parseHours(r.hours)!;
  const days = r.days ? r.days.map((d) => DAY_NAMES.indexOf(d)) : [0, 1, 2, 3, 4, 5, 6];
  return { days, from, to, factor: r.factor };
}
