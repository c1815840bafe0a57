/**
 * outpost-platform: drill-down from a platform to its endpoints and checks: when each check
 * changed state, which phase of the request is slow, what the platform answered, whether the
 * session survives and whether retries are hiding trouble.
 */
import { dashboard, dashboardLink, labelValuesVariable, row, stat, stateTimeline, timeseries, type Json } from './grafana.js';
import {
  CHECK_FILTER,
  ENDPOINT_FILTER,
  OVERVIEW_UID,
  PLATFORM_UID,
  STATES,
  STATE_THRESHOLDS,
  TAGS,
  incidentAnnotations,
  quantiles,
  FULL_DETAIL_ROW,
  sel,
  stateCode,
  variables,
} from './outpost-panels.js';

const CHECK_LABELS = 'group, endpoint, check';
const CHECK_LEGEND = '{{group}}/{{endpoint}}/{{check}}';
const DAY = 86_400;

export function platformDashboard(): Json {
  const state = [
    stateTimeline({
      title: 'Check state',
      description: 'State of each selected check over time, worst across the selected locations: when it went down and when it came back.',
      w: 24,
      h: 8,
      unit: 'none',
      mappings: STATES,
      thresholds: STATE_THRESHOLDS,
      targets: [{ expr: stateCode('outpost_check_state', CHECK_FILTER, CHECK_LABELS), legend: CHECK_LEGEND }],
    }),
  ];

  const answers = [
    timeseries({
      title: 'Last run duration',
      description: 'Duration of the last run of each check, retries included (a gauge, present at the default metrics detail; the percentiles are in the Full detail row).',
      w: 8,
      h: 7,
      unit: 's',
      targets: [{ expr: `max by (${CHECK_LABELS}) (${sel('outpost_check_last_duration_seconds', CHECK_FILTER)})`, legend: CHECK_LEGEND }],
    }),
    stateTimeline({
      title: 'HTTP status',
      description: 'Status code of the last answer per check (0: no answer at all). A 200 here while the check fails means the platform answers but with the wrong content.',
      w: 8,
      h: 7,
      unit: 'none',
      mappings: [{ value: 0, text: 'no answer', color: '#808080' }],
      thresholds: [
        { color: '#808080', value: null },
        { color: 'green', value: 200 },
        { color: 'blue', value: 300 },
        { color: 'orange', value: 400 },
        { color: 'red', value: 500 },
      ],
      targets: [{ expr: `max by (${CHECK_LABELS}) (${sel('outpost_check_http_status_code', CHECK_FILTER)})`, legend: CHECK_LEGEND }],
    }),
    stat({
      title: 'Last success',
      description: 'When each check last succeeded, in the selected locations.',
      w: 8,
      h: 7,
      unit: 'dateTimeFromNow',
      targets: [
        { expr: `max by (${CHECK_LABELS}) (${sel('outpost_check_last_success_timestamp_seconds', CHECK_FILTER)}) * 1000`, legend: CHECK_LEGEND, instant: true },
      ],
    }),
  ];

  const failures = [
    timeseries({
      title: 'Failures by reason',
      description: 'Failed runs per interval by check and reason.',
      w: 24,
      h: 8,
      unit: 'short',
      stacked: true,
      bars: true,
      targets: [
        {
          expr: `sum by (${CHECK_LABELS}, reason) (increase(${sel('outpost_check_failures_total', CHECK_FILTER)}[$__rate_interval]))`,
          legend: '{{endpoint}}/{{check}} {{reason}}',
        },
      ],
    }),
  ];

  /** Series that exist only at `metrics.detail: full` (see docs/metrics.md): empty at the default detail. */
  const fullDetail = [
    timeseries({
      title: 'Consecutive failures',
      description: 'Failed runs in a row per check. The check turns down when this reaches its failureThreshold.',
      w: 12,
      h: 8,
      unit: 'none',
      decimals: 0,
      targets: [{ expr: `max by (${CHECK_LABELS}) (${sel('outpost_check_consecutive_failures', CHECK_FILTER)})`, legend: CHECK_LEGEND }],
    }),
    timeseries({
      title: 'Requests vs runs',
      description: 'HTTP requests made (retries included) against runs, per interval. Requests above runs × steps are retries: a transient failure that retries hid.',
      w: 12,
      h: 8,
      unit: 'short',
      targets: [
        { expr: `sum by (${CHECK_LABELS}) (increase(${sel('outpost_check_attempts_total', CHECK_FILTER)}[$__rate_interval]))`, legend: `requests ${CHECK_LEGEND}` },
        { expr: `sum by (${CHECK_LABELS}) (increase(${sel('outpost_check_runs_total', CHECK_FILTER)}[$__rate_interval]))`, legend: `runs ${CHECK_LEGEND}` },
      ],
    }),
  ];

  const timing = [
    timeseries({
      title: 'Phase breakdown (last run)',
      description: 'Time spent in each phase of the last run (resolve, connect, tls, processing, transfer), averaged over the selected checks and locations. Pick one check to see its own.',
      w: 12,
      h: 8,
      unit: 's',
      stacked: true,
      targets: [{ expr: `avg by (phase) (${sel('outpost_check_phase_duration_seconds', CHECK_FILTER)})`, legend: '{{phase}}' }],
    }),
    timeseries({
      title: 'Run duration',
      description: 'Run duration percentiles per check, retries included.',
      w: 12,
      h: 8,
      unit: 's',
      targets: quantiles('outpost_check_duration_seconds', CHECK_FILTER, ['endpoint', 'check'], [0.5, 0.99]),
    }),
  ];

  const session = [
    timeseries({
      title: 'Session age',
      description: 'Age of each endpoint\'s session. It grows while the session is kept; a drop to 0 or a fresh restart means the session was lost: a forced logout when it happens without a planned login.',
      w: 16,
      h: 8,
      unit: 's',
      targets: [{ expr: `max by (group, endpoint, location) (${sel('outpost_session_age_seconds', ENDPOINT_FILTER)})`, legend: '{{group}}/{{endpoint}} @ {{location}}' }],
    }),
    stat({
      title: 'Certificate expiry',
      description: 'Time left until the earliest TLS certificate seen on each endpoint expires. Only endpoints reached over HTTPS have one.',
      w: 8,
      h: 8,
      unit: 's',
      thresholds: [
        { color: 'red', value: null },
        { color: 'orange', value: 7 * DAY },
        { color: 'green', value: 21 * DAY },
      ],
      targets: [{ expr: `min by (group, endpoint) (${sel('outpost_tls_cert_expiry_timestamp_seconds', ENDPOINT_FILTER)}) - time()`, legend: '{{group}}/{{endpoint}}', instant: true }],
    }),
  ];

  return dashboard({
    uid: PLATFORM_UID,
    title: 'Outpost platform',
    description: 'Drill-down per platform, endpoint and check.',
    tags: TAGS,
    variables: variables([
      labelValuesVariable('endpoint', 'Endpoint', 'label_values(outpost_check_info{group=~"$group",location=~"$location"}, endpoint)'),
      labelValuesVariable('check', 'Check', 'label_values(outpost_check_info{group=~"$group",endpoint=~"$endpoint",location=~"$location"}, check)'),
    ]),
    annotations: incidentAnnotations(),
    links: [dashboardLink('Overview', OVERVIEW_UID, 'All platforms at a glance')],
    lines: [
      [row('State')],
      state,
      answers,
      [row('Failures')],
      failures,
      [row('Session and certificate')],
      session,
      [row(FULL_DETAIL_ROW)],
      fullDetail,
      timing,
    ],
  });
}
