/**
 * `outpost report --prometheus URL`: the same report from the metrics Prometheus kept. Per check:
 * availability = avg_over_time(outpost_check_up), time down = avg_over_time of the `down` state
 * times the period, split by reason in proportion to the failures counted per reason; per group:
 * the mean over its checks, incidents unknown (Prometheus counts them by scope only), and impact =
 * increase(outpost_impact_estimated_total). Sample-based: as exact as the scrape interval.
 */
import { isReason, type Reason } from '../reasons.js';
import type { CheckReport, GroupReport, Report } from './build.js';

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

async function query(base: string, promql: string, at: number, timeoutMs: number): Promise<Sample[]> {
  const url = new URL('api/v1/query', base.endsWith('/') ? base : `${base}/`);
  url.searchParams.set('query', promql);
  url.searchParams.set('time', String(at / 1000));
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const body = (await res.json().catch(() => null)) as { status?: string; error?: string; data?: { resultType?: string; result?: Sample[] } } | null;
  if (!res.ok || body?.status !== 'success') throw new Error(`Prometheus answered ${res.status}${body?.error ? `: ${body.error}` : ''} to ${promql}`);
  return body.data?.result ?? [];
}

const num = (s: Sample): number => {
  const v = Number(s.value[1]);
  return Number.isFinite(v) ? v : 0;
};
const checkId = (m: Record<string, string>): string => `${m['group']}/${m['endpoint']}/${m['check']}`;

export async function buildReportFromPrometheus(base: string, since: number, until: number, timeoutMs = 30_000): Promise<Report> {
  const seconds = Math.max(1, Math.round((until - since) / 1000));
  const range = `${seconds}s`;
  const [up, down, failures, impact] = await Promise.all([
    query(base, `avg_over_time(outpost_check_up[${range}])`, until, timeoutMs),
    query(base, `avg_over_time(outpost_check_state{state="down"}[${range}])`, until, timeoutMs),
    query(base, `sum by (group, endpoint, check, reason) (increase(outpost_check_failures_total[${range}]))`, until, timeoutMs),
    query(base, `sum by (group, unit) (increase(outpost_impact_estimated_total[${range}]))`, until, timeoutMs),
  ]);
  const checks = new Map<string, CheckReport>();
  const get = (id: string): CheckReport => {
    let c = checks.get(id);
    if (!c) {
      c = { id, availability: null, incidents: 0, downSeconds: 0, downByReason: {}, longestIncident: null };
      checks.set(id, c);
    }
    return c;
  };
  for (const s of up) get(checkId(s.metric)).availability = Math.round(num(s) * 100_000) / 1000;
  for (const s of down) get(checkId(s.metric)).downSeconds = Math.round(num(s) * seconds);
  const failuresOf = new Map<string, [Reason, number][]>();
  for (const s of failures) {
    const reason = s.metric['reason'];
    if (!isReason(reason) || num(s) <= 0) continue;
    const id = checkId(s.metric);
    failuresOf.set(id, [...(failuresOf.get(id) ?? []), [reason, num(s)]]);
  }
  for (const [id, list] of failuresOf) {
    const c = get(id);
    const total = list.reduce((a, [, n]) => a + n, 0);
    for (const [reason, n] of list) if (c.downSeconds > 0) c.downByReason[reason] = Math.round((c.downSeconds * n) / total);
  }
  const names = new Set([...checks.keys()].map((id) => id.split('/')[0]!));
  for (const s of impact) if (s.metric['group']) names.add(s.metric['group']);
  const groups: GroupReport[] = [...names].sort().map((name) => {
    const list = [...checks.values()].filter((c) => c.id.startsWith(`${name}/`)).sort((a, b) => (a.id < b.id ? -1 : 1));
    const known = list.filter((c) => c.availability !== null);
    const downByReason: Partial<Record<Reason, number>> = {};
    for (const c of list) for (const [r, s] of Object.entries(c.downByReason) as [Reason, number][]) downByReason[r] = Math.max(downByReason[r] ?? 0, s);
    return {
      name,
      availability: known.length ? Math.round((known.reduce((a, c) => a + c.availability!, 0) / known.length) * 1000) / 1000 : null,
      incidents: 0,
      downSeconds: Math.max(0, ...list.map((c) => c.downSeconds)),
      downByReason,
      longestIncident: null,
      impact: impact.filter((s) => s.metric['group'] === name && num(s) > 0).map((s) => ({ unit: s.metric['unit'] ?? '', estimated: Math.round(num(s) * 100) / 100 })),
      daily: [],
      checks: list,
    };
  });
  const totals = new Map<string, number>();
  for (const g of groups) for (const i of g.impact) totals.set(i.unit, (totals.get(i.unit) ?? 0) + i.estimated);
  return {
    since: new Date(since).toISOString(),
    until: new Date(until).toISOString(),
    source: `Prometheus ${new URL(base).origin}`,
    groups,
    totalImpact: [...totals].map(([unit, estimated]) => ({ unit, estimated: Math.round(estimated * 100) / 100 })),
  };
}
