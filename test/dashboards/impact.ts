/**
 * The overview's "Business impact" row (docs/impact.md): what the selected platforms cost now
 * (outpost_impact_estimated_total's rate, per minute), this month so far, and over time. Empty
 * for platforms without `impact` in the config.
 */
import { row, stat, timeseries, type Placed } from './grafana.js';
import { GROUP_FILTER, sel } from './outpost-panels.js';

const COUNTER = sel('outpost_impact_estimated_total', GROUP_FILTER);

export function impactLines(): Placed[][] {
  const now = stat({
    title: 'Cost now (per minute)',
    description: 'Estimated business impact accruing now, per minute, by platform and unit: the rate while a platform is impaired (its `impact` figures times the share of it that is broken), 0 when all is well. Max over locations: each probe location estimates the same loss.',
    w: 8,
    h: 5,
    unit: 'short',
    decimals: 0,
    thresholds: [
      { color: 'green', value: null },
      { color: 'red', value: 0.000001 },
    ],
    targets: [{ expr: `max by (group, unit) (rate(${COUNTER}[$__rate_interval])) * 60`, legend: '{{group}} ({{unit}}/min)', instant: true }],
  });
  const month = stat({
    title: 'Cost this month by platform',
    description: 'Estimated business impact accrued since the start of the calendar month (the panel\'s own time range, now/M), by platform and unit. Max over locations.',
    w: 8,
    h: 5,
    unit: 'short',
    decimals: 0,
    thresholds: [{ color: 'text', value: null }],
    targets: [{ expr: `max by (group, unit) (increase(${COUNTER}[$__range]))`, legend: '{{group}} ({{unit}})', instant: true }],
  });
  month.json.timeFrom = 'now/M';
  const over = timeseries({
    title: 'Cost rate by platform',
    description: 'Estimated business impact per minute over time, by platform and unit.',
    w: 8,
    h: 5,
    unit: 'short',
    targets: [{ expr: `max by (group, unit) (rate(${COUNTER}[$__rate_interval])) * 60`, legend: '{{group}} ({{unit}}/min)' }],
  });
  return [[row('Business impact')], [now, month, over]];
}
