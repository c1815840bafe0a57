/**
 * outpost-overview: a summary row, then one row per platform (repeated over `$group`): is it up,
 * how available has it been against the SLO, why does it fail, how slow is it, and do the
 * locations agree.
 */
import { dashboard, dashboardLink, row, stat, stateTimeline, timeseries, type Json } from './grafana.js';
import { impactLines } from './impact.js';
import {
  AVAILABILITY_THRESHOLDS,
  GROUP_FILTER,
  NONZERO_IS_BAD,
  OVERVIEW_UID,
  PLATFORM_UID,
  SLO_VARIABLE,
  STATES,
  STATE_THRESHOLDS,
  TAGS,
  availability,
  incidentAnnotations,
  sel,
  stateCode,
  variables,
} from './outpost-panels.js';

const CHECK_LINK =
  `/d/${PLATFORM_UID}/outpost-platform?\${datasource:queryparam}&\${location:queryparam}` +
  '&var-group=${__field.labels.group}&var-endpoint=${__field.labels.endpoint}&var-check=${__field.labels.check}&${__url_time_range}';

function availabilityStat(window: string): ReturnType<typeof stat> {
  return stat({
    title: `Availability ${window}`,
    description: `Share of runs of this platform's checks that succeeded over the last ${window}, all selected locations together. Green at or above the default SLO (99.5%), orange from 99%, red below.`,
    w: 4,
    h: 4,
    unit: 'percentunit',
    decimals: 2,
    thresholds: AVAILABILITY_THRESHOLDS,
    targets: [{ expr: availability(GROUP_FILTER, window), instant: true }],
  });
}

export function overviewDashboard(): Json {
  const summary = [
    stat({
      title: 'Open incidents',
      description: 'Incidents open now, by scope: check, group (a platform is down) and multi_platform (two or more platforms down at once).',
      w: 8,
      h: 4,
      unit: 'none',
      thresholds: NONZERO_IS_BAD,
      targets: [{ expr: 'sum by (scope) (outpost_incidents_open)', legend: '{{scope}}', instant: true }],
    }),
    stat({
      title: 'Platforms down',
      description: 'How many of the selected platforms are down in at least one selected location.',
      w: 4,
      h: 4,
      unit: 'none',
      thresholds: NONZERO_IS_BAD,
      targets: [{ expr: `sum(max by (group) (${sel('outpost_group_state', GROUP_FILTER, 'state="down"')}))`, instant: true }],
    }),
    stat({
      title: 'Config reload',
      description: 'Whether the last configuration load succeeded in every location. A failed reload keeps the old configuration running.',
      w: 6,
      h: 4,
      unit: 'none',
      mappings: [
        { value: 0, text: 'failed', color: 'red' },
        { value: 1, text: 'ok', color: 'green' },
      ],
      targets: [{ expr: 'min(outpost_config_last_reload_successful)', instant: true }],
    }),
    stat({
      title: 'Scheduler lag p99',
      description: 'How late check runs start versus their due time (99th percentile). Growing lag means the probe is overloaded.',
      w: 6,
      h: 4,
      unit: 's',
      thresholds: [
        { color: 'green', value: null },
        { color: 'orange', value: 1 },
        { color: 'red', value: 5 },
      ],
      targets: [{ expr: 'histogram_quantile(0.99, sum by (le) (rate(outpost_scheduler_lag_seconds_bucket[$__rate_interval])))' }],
    }),
  ];

  const health = [
    stat({
      title: 'State',
      description: 'Worst state of the platform across the selected locations.',
      w: 4,
      h: 4,
      unit: 'none',
      mappings: STATES,
      thresholds: STATE_THRESHOLDS,
      targets: [{ expr: stateCode('outpost_group_state', GROUP_FILTER, 'group'), instant: true }],
    }),
    availabilityStat('1h'),
    availabilityStat('24h'),
    availabilityStat('30d'),
    stat({
      title: 'Error budget left (30d)',
      description: 'Share of the 30-day error budget still unspent for the SLO in the `slo` variable (default 99.5%). Below 0 the SLO is missed.',
      w: 4,
      h: 4,
      unit: 'percentunit',
      decimals: 1,
      thresholds: [
        { color: 'red', value: null },
        { color: 'orange', value: 0 },
        { color: 'green', value: 0.25 },
      ],
      targets: [{ expr: `1 - (1 - (${availability(GROUP_FILTER, '30d')})) / (1 - $slo / 100)`, instant: true }],
    }),
    stat({
      title: 'Maintenance',
      description: 'Whether a maintenance window holds this platform\'s alerts and webhooks back in any selected location.',
      w: 4,
      h: 4,
      unit: 'none',
      mappings: [
        { value: 0, text: 'none', color: 'green' },
        { value: 1, text: 'in maintenance', color: 'blue' },
      ],
      targets: [{ expr: `max(${sel('outpost_maintenance_active', GROUP_FILTER)})`, instant: true }],
    }),
  ];

  const where = [
    stat({
      title: 'Checks',
      description: 'Worst state of each check across the selected locations. Click one to open it on the platform dashboard.',
      w: 12,
      h: 6,
      unit: 'none',
      mappings: STATES,
      thresholds: STATE_THRESHOLDS,
      links: [{ title: 'Open ${__field.labels.endpoint}/${__field.labels.check}', url: CHECK_LINK }],
      targets: [{ expr: stateCode('outpost_check_state', GROUP_FILTER, 'group, endpoint, check'), legend: '{{endpoint}}/{{check}}', instant: true }],
    }),
    stateTimeline({
      title: 'Locations',
      description: 'The platform\'s state as seen from each location over time. Locations that disagree point at a regional or network problem rather than the platform.',
      w: 12,
      h: 6,
      unit: 'none',
      mappings: STATES,
      thresholds: STATE_THRESHOLDS,
      targets: [{ expr: stateCode('outpost_group_state', GROUP_FILTER, 'location'), legend: '{{location}}' }],
    }),
  ];

  const why = [
    timeseries({
      title: 'Failures by reason',
      description: 'Failed runs per interval by reason (forced_logout, feed_empty, error_page, http_5xx…): what broke, not just that it broke.',
      w: 12,
      h: 8,
      unit: 'short',
      stacked: true,
      bars: true,
      targets: [{ expr: `sum by (reason) (increase(${sel('outpost_check_failures_total', GROUP_FILTER)}[$__rate_interval]))`, legend: '{{reason}}' }],
    }),
    timeseries({
      title: 'Check latency',
      description: 'Duration of the last run (retries included) across the platform\'s checks: median, 90th percentile and slowest check. From the last-duration gauge, so it works at the default metrics detail.',
      w: 12,
      h: 8,
      unit: 's',
      targets: [
        { expr: `quantile(0.5, ${sel('outpost_check_last_duration_seconds', GROUP_FILTER)})`, legend: 'median' },
        { expr: `quantile(0.9, ${sel('outpost_check_last_duration_seconds', GROUP_FILTER)})`, legend: 'p90' },
        { expr: `max(${sel('outpost_check_last_duration_seconds', GROUP_FILTER)})`, legend: 'slowest' },
      ],
    }),
  ];

  return dashboard({
    uid: OVERVIEW_UID,
    title: 'Outpost overview',
    description: 'Is each social platform up, how available has it been, and why does it fail.',
    tags: TAGS,
    variables: variables([SLO_VARIABLE]),
    annotations: incidentAnnotations(),
    links: [dashboardLink('Platform drill-down', PLATFORM_UID, 'Endpoints and checks of the selected platforms')],
    lines: [[row('Summary')], summary, ...impactLines(), [row('$group', 'group')], health, where, why],
  });
}
