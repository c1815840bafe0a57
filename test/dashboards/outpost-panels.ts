/**
 * The Outpost-specific pieces both dashboards share: label filters, the state encoding, the
 * variables and the incident annotations. Metric names here are the SPEC's, nothing else.
 */
import { labelValuesVariable, promAnnotation, textboxVariable, datasourceVariable, type Json, type Threshold, type ValueText } from './grafana.js';

export const OVERVIEW_UID = 'outpost-overview';
export const PLATFORM_UID = 'outpost-platform';
export const TAGS = ['outpost'];

/** The row of panels whose series exist only at `metrics.detail: full`. */
export const FULL_DETAIL_ROW = 'Full detail (metrics.detail: full)';
/** Per-check series that exist only at `metrics.detail: full` (src/metrics/check-series.ts). */
export const FULL_DETAIL_METRICS = ['outpost_check_duration_seconds', 'outpost_check_phase_duration_seconds', 'outpost_check_attempts_total', 'outpost_check_consecutive_failures'];

/** Label filters: `=~` so that single values, multi-selections and All (`.*`) all work. */
export const GROUP_FILTER = 'group=~"$group",location=~"$location"';
export const ENDPOINT_FILTER = 'group=~"$group",endpoint=~"$endpoint",location=~"$location"';
export const CHECK_FILTER = 'group=~"$group",endpoint=~"$endpoint",check=~"$check",location=~"$location"';

/** `metric{filter,extra}`. */
export function sel(metric: string, filter: string, extra?: string): string {
  return `${metric}{${extra ? `${filter},${extra}` : filter}}`;
}

/**
 * States as numbers, worst highest, so `max` over locations or checks is the worst one:
 * unknown 0, up 1, degraded 2, down 3.
 */
export const STATES: ValueText[] = [
  { value: 0, text: 'unknown', color: '#808080' },
  { value: 1, text: 'up', color: 'green' },
  { value: 2, text: 'degraded', color: 'orange' },
  { value: 3, text: 'down', color: 'red' },
];
export const STATE_THRESHOLDS: Threshold[] = [{ color: '#808080', value: null }];

/**
 * The state gauge (`…{state}` = 1 for the current state, 0 for the others) as one number per
 * `by` group: each state series times its code, the largest wins.
 */
export function stateCode(metric: string, filter: string, by: string): string {
  const coded = STATES.filter((s) => s.value > 0).map((s) => `${sel(metric, filter, `state="${s.text}"`)} * ${s.value}`);
  return `max by (${by}) (${coded.join(' or ')})`;
}

export function quantiles(histogram: string, filter: string, by: string[], qs: number[]): { expr: string; legend: string }[] {
  const byLabels = ['le', ...by].join(', ');
  const who = by.map((l) => `{{${l}}}`).join('/');
  return qs.map((q) => ({
    expr: `histogram_quantile(${q}, sum by (${byLabels}) (rate(${sel(`${histogram}_bucket`, filter)}[$__rate_interval])))`,
    legend: `p${Math.round(q * 100)}${who ? ` ${who}` : ''}`,
  }));
}

/** Success ratio of runs over a fixed window, from `outpost_check_runs_total{result}`. */
export function availability(filter: string, window: string): string {
  const runs = (extra?: string) => `sum(increase(${sel('outpost_check_runs_total', filter, extra)}[${window}]))`;
  return `${runs('result="success"')} / ${runs()}`;
}

/** Counts of bad things: green at 0, red from 1. */
export const NONZERO_IS_BAD: Threshold[] = [
  { color: 'green', value: null },
  { color: 'red', value: 1 },
];

export const AVAILABILITY_THRESHOLDS: Threshold[] = [
  { color: 'red', value: null },
  { color: 'orange', value: 0.99 },
  { color: 'green', value: 0.995 },
];

export function variables(extra: Json[] = []): Json[] {
  return [
    datasourceVariable(),
    labelValuesVariable('location', 'Location', 'label_values(outpost_check_info, location)'),
    labelValuesVariable('group', 'Platform', 'label_values(outpost_check_info{location=~"$location"}, group)'),
    ...extra,
  ];
}

export const SLO_VARIABLE = textboxVariable('slo', 'SLO %', '99.5', 'Availability objective in percent, used by the error-budget panels.');

/**
 * Incident annotations. Opened: the incident counter moved, or a scope/reason series appeared
 * (a counter is born at 1 when its first incident opens, which `changes` cannot see).
 * Resolved: fewer incidents of a scope are open than a minute before.
 */
export function incidentAnnotations(): Json[] {
  return [
    promAnnotation({
      name: 'Incident opened',
      expr: 'count by (scope, reason) (changes(outpost_incidents_total[2m]) > 0 or (outpost_incidents_total unless outpost_incidents_total offset 2m))',
      color: 'red',
      title: '{{scope}} incident opened',
      text: 'reason: {{reason}}',
      tags: ['scope', 'reason'],
      step: '1m',
    }),
    promAnnotation({
      name: 'Incident resolved',
      expr: 'sum by (scope) (outpost_incidents_open offset 1m) - sum by (scope) (outpost_incidents_open) > 0',
      color: 'green',
      title: '{{scope}} incident resolved',
      text: '{{scope}} incidents open fell by the value shown',
      tags: ['scope'],
      step: '1m',
    }),
  ];
}
