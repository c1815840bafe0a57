/**
 * `outpost report`'s figures for a period, from the history the daemon keeps (src/persist/history.ts).
 * Pure. Per check: availability (time up or degraded over time observed, maintenance excluded),
 * incidents, time down by reason, the longest incident. Per group: availability over all its
 * checks' time; time down (by reason) that of its longest-down check, day by day; incidents the
 * separate periods during which any incident of the group was open (one event counts once however
 * many checks it took down), the longest of them; and the impact the group accrued. Days are UTC days: a day counts when it overlaps the period.
 */
import type { Incident } from '../incidents/types.js';
import type { Reason } from '../reasons.js';
import { dayOf, type HistoryData } from '../persist/history.js';

export interface Longest {
  seconds: number;
  startedAt: string;
  summary: string;
}

export interface CheckReport {
  /** group/endpoint/check */
  id: string;
  /** 0..100, null when never observed in the period. */
  availability: number | null;
  incidents: number;
  downSeconds: number;
  downByReason: Partial<Record<Reason, number>>;
  longestIncident: Longest | null;
}

export interface GroupReport {
  name: string;
  availability: number | null;
  incidents: number;
  downSeconds: number;
  downByReason: Partial<Record<Reason, number>>;
  longestIncident: Longest | null;
  /** Accrued in the period, per unit (empty when the group has no `impact`). */
  impact: { unit: string; estimated: number }[];
  /** Per UTC day of the period: availability (null when not observed) and time down. */
  daily: { date: string; availability: number | null; downSeconds: number }[];
  checks: CheckReport[];
}

export interface Report {
  since: string;
  until: string;
  source: string;
  groups: GroupReport[];
  /** Impact of every group, per unit. */
  totalImpact: { unit: string; estimated: number }[];
}

const DAY_MS = 86_400_000;

/** The UTC days that overlap [since, until), oldest first (at most 10,000). */
export function periodDays(since: number, until: number): string[] {
  const days: string[] = [];
  for (let t = Math.floor(since / DAY_MS) * DAY_MS, n = 0; t < until && n < 10_000; t += DAY_MS, n++) days.push(dayOf(t));
  return days;
}

export function buildReport(h: HistoryData, since: number, until: number, source: string): Report {
  const days = periodDays(since, until);
  const incidents = h.incidents.filter((i) => i.startedAt < until && (i.resolvedAt ?? i.startedAt) >= since);

  const groupNames = new Set<string>();
  const checkIds = new Set<string>();
  for (const d of days) {
    for (const id of Object.keys(h.days[d]?.checks ?? {})) {
      checkIds.add(id);
      groupNames.add(id.split('/')[0]!);
    }
    for (const k of Object.keys(h.days[d]?.impact ?? {})) groupNames.add(k.split('|')[0]!);
  }
  for (const i of incidents) for (const g of i.groups) groupNames.add(g);

  const groups: GroupReport[] = [...groupNames].sort().map((name) => {
    const ids = [...checkIds].filter((id) => id.startsWith(`${name}/`)).sort();
    const checks = ids.map((id) => checkReport(h, days, id, incidents.filter((i) => i.scope === 'check' && `${i.group}/${i.endpoint}/${i.check}` === id)));
    let ok = 0;
    let total = 0;
    const downByReason: Partial<Record<Reason, number>> = {};
    const daily = days.map((date) => {
      let dOk = 0;
      let dTotal = 0;
      let down = 0;
      const reasons: Partial<Record<Reason, number>> = {};
      for (const id of ids) {
        const c = h.days[date]?.checks[id];
        if (!c) continue;
        dOk += c.up + c.degraded;
        dTotal += c.up + c.degraded + c.down;
        down = Math.max(down, c.down);
        for (const [r, sec] of Object.entries(c.reasons) as [Reason, number][]) reasons[r] = Math.max(reasons[r] ?? 0, sec);
      }
      for (const [r, sec] of Object.entries(reasons) as [Reason, number][]) downByReason[r] = round((downByReason[r] ?? 0) + sec);
      ok += dOk;
      total += dTotal;
      return { date, availability: dTotal > 0 ? pct(dOk, dTotal) : null, downSeconds: down };
    });
    const periods = mergePeriods(incidents.filter((i) => i.groups.includes(name)));
    const impact = new Map<string, number>();
    for (const d of days) {
      for (const [k, v] of Object.entries(h.days[d]?.impact ?? {})) {
        const [g, unit] = k.split('|') as [string, string];
        if (g === name) impact.set(unit, (impact.get(unit) ?? 0) + v);
      }
    }
    const longest = periods.reduce<(typeof periods)[number] | undefined>((a, p) => (!a || p.seconds > a.seconds ? p : a), undefined);
    return {
      name,
      availability: total > 0 ? pct(ok, total) : null,
      incidents: periods.length,
      downSeconds: round(daily.reduce((sum, d) => sum + d.downSeconds, 0)),
      downByReason,
      longestIncident: longest ? { seconds: longest.seconds, startedAt: new Date(longest.start).toISOString(), summary: longest.summary } : null,
      impact: [...impact].map(([unit, estimated]) => ({ unit, estimated: round(estimated) })),
      daily,
      checks,
    };
  });
  const totals = new Map<string, number>();
  for (const g of groups) for (const i of g.impact) totals.set(i.unit, (totals.get(i.unit) ?? 0) + i.estimated);
  return {
    since: new Date(since).toISOString(),
    until: new Date(until).toISOString(),
    source,
    groups,
    totalImpact: [...totals].map(([unit, estimated]) => ({ unit, estimated: round(estimated) })),
  };
}

function checkReport(h: HistoryData, days: readonly string[], id: string, incidents: readonly Incident[]): CheckReport {
  let ok = 0;
  let down = 0;
  const downByReason: Partial<Record<Reason, number>> = {};
  for (const d of days) {
    const c = h.days[d]?.checks[id];
    if (!c) continue;
    ok += c.up + c.degraded;
    down += c.down;
    for (const [r, s] of Object.entries(c.reasons) as [Reason, number][]) downByReason[r] = round((downByReason[r] ?? 0) + s);
  }
  const longest = incidents.reduce<Incident | undefined>((a, i) => (!a || span(i) > span(a) ? i : a), undefined);
  return {
    id,
    availability: ok + down > 0 ? pct(ok, ok + down) : null,
    incidents: incidents.length,
    downSeconds: round(down),
    downByReason,
    longestIncident: longest ? { seconds: span(longest), startedAt: new Date(longest.startedAt).toISOString(), summary: longest.summary } : null,
  };
}

function span(i: Incident): number {
  return Math.round(((i.resolvedAt ?? i.startedAt) - i.startedAt) / 1000);
}

/** Overlapping incidents as one period each, told by the widest incident in it (the earliest if none is multi-platform). */
function mergePeriods(list: readonly Incident[]): { start: number; end: number; seconds: number; summary: string }[] {
  const WIDTH = { multi_platform: 0, group: 1, check: 2 } as const;
  const sorted = [...list].sort((a, b) => a.startedAt - b.startedAt || WIDTH[a.scope] - WIDTH[b.scope]);
  const out: { start: number; end: number; seconds: number; summary: string }[] = [];
  for (const i of sorted) {
    const end = i.resolvedAt ?? i.startedAt;
    const last = out.at(-1);
    if (last && i.startedAt <= last.end) {
      last.end = Math.max(last.end, end);
      if (WIDTH[i.scope] === 0) last.summary = i.summary;
    } else out.push({ start: i.startedAt, end, seconds: 0, summary: i.summary });
  }
  for (const p of out) p.seconds = Math.round((p.end - p.start) / 1000);
  return out;
}

function pct(ok: number, total: number): number {
  return Math.round((ok / total) * 100_000) / 1000;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
