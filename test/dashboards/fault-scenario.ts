/**
 * Forty minutes of SPEC-shaped series, sampled every 15s, for `promtool test rules`: facebook's
 * session check logs users out (forced_logout, 401) from minute 10 to 25, the check and the
 * group go down in eu-west while us-east stays up, a check incident opens and resolves. Series
 * that the daemon only creates on first use (failure counters, incident counter) are absent
 * until then, as they would be in a real scrape.
 */
export const SAMPLE_INTERVAL = '15s';
export const DURATION = '40m';

// 40 samples before the fault, 60 during it, 60 after: 160 in all.
const flat = (v: number | string) => `${v}x159`;
const phases = (before: number, during: number, after: number) => `${before}x39 ${during}x59 ${after}x59`;
const counter = (perSample: number) => `0+${perSample}x159`;
const pausedCounter = `0+1x39 40x59 40+1x59`; // counts until the fault, then again after it
const bornAtFault = `_x40 1+1x59 60x59`; // created by the first failure, frozen after recovery

const check = (c: string, extra = '') => `group="facebook",endpoint="web",check="${c}",location="eu-west"${extra}`;
const S = check('session');
const F = check('feed');
const endpoint = 'group="facebook",endpoint="web",location="eu-west"';

function stateSeries(metric: string, labels: string, down: boolean): { series: string; values: string }[] {
  const states: Record<string, string> = {
    unknown: flat(0),
    up: down ? phases(1, 0, 1) : flat(1),
    degraded: flat(0),
    down: down ? phases(0, 1, 0) : flat(0),
  };
  return Object.entries(states).map(([state, values]) => ({ series: `${metric}{${labels},state="${state}"}`, values }));
}

function histogram(metric: string, labels: string, per: number): { series: string; values: string }[] {
  const sep = labels ? ',' : '';
  return [
    ...['0.1', '1', '+Inf'].map((le) => ({ series: `${metric}_bucket{${labels}${sep}le="${le}"}`, values: counter(per) })),
    { series: `${metric}_sum{${labels}}`, values: counter(per / 20) },
    { series: `${metric}_count{${labels}}`, values: counter(per) },
  ];
}

export function faultSeries(): { series: string; values: string }[] {
  return [
    ...[S, F].map((l) => ({ series: `outpost_check_info{${l},type="${l.includes('session') ? 'session' : 'feed'}",interval_seconds="15"}`, values: flat(1) })),
    { series: `outpost_check_runs_total{${S},result="success"}`, values: pausedCounter },
    { series: `outpost_check_runs_total{${S},result="failure"}`, values: bornAtFault },
    { series: `outpost_check_runs_total{${F},result="success"}`, values: counter(1) },
    { series: `outpost_check_attempts_total{${S}}`, values: counter(1) },
    { series: `outpost_check_attempts_total{${F}}`, values: counter(2) },
    { series: `outpost_check_failures_total{${S},reason="forced_logout"}`, values: bornAtFault },
    ...histogram('outpost_check_duration_seconds', S, 1),
    ...histogram('outpost_check_duration_seconds', F, 1),
    ...stateSeries('outpost_check_state', S, true),
    ...stateSeries('outpost_check_state', F, false),
    { series: `outpost_check_up{${S}}`, values: phases(1, 0, 1) },
    { series: `outpost_check_consecutive_failures{${S}}`, values: `0x39 1+1x59 0x59` },
    { series: `outpost_check_consecutive_failures{${F}}`, values: flat(0) },
    { series: `outpost_check_http_status_code{${S}}`, values: phases(200, 401, 200) },
    { series: `outpost_check_last_duration_seconds{${S}}`, values: flat(0.2) },
    { series: `outpost_check_last_duration_seconds{${F}}`, values: flat(0.3) },
    { series: `outpost_check_http_status_code{${F}}`, values: flat(200) },
    { series: `outpost_check_last_success_timestamp_seconds{${S}}`, values: `1709650800+15x39 1709651385x59 1709652300+15x59` },
    ...['resolve', 'connect', 'tls', 'processing', 'transfer'].map((phase) => ({
      series: `outpost_check_phase_duration_seconds{${S},phase="${phase}"}`,
      values: flat(0.01),
    })),
    { series: `outpost_session_age_seconds{${endpoint}}`, values: `0+15x39 0x59 0+15x59` },
    { series: `outpost_tls_cert_expiry_timestamp_seconds{${endpoint}}`, values: flat(1_800_000_000) },
    ...stateSeries('outpost_group_state', 'group="facebook",location="eu-west"', true),
    ...stateSeries('outpost_group_state', 'group="facebook",location="us-east"', false),
    { series: 'outpost_maintenance_active{group="facebook",location="eu-west"}', values: flat(0) },
    { series: 'outpost_incidents_open{scope="check"}', values: phases(0, 1, 0) },
    { series: 'outpost_incidents_open{scope="group"}', values: flat(0) },
    { series: 'outpost_incidents_open{scope="multi_platform"}', values: flat(0) },
    { series: 'outpost_incidents_total{scope="check",reason="forced_logout"}', values: `_x41 1x117` },
    { series: 'outpost_config_last_reload_successful', values: flat(1) },
    // facebook's impact (1200 USD a minute, 300 a sample) accrues while its group is down in eu-west.
    { series: 'outpost_impact_estimated_total{group="facebook",unit="USD",location="eu-west"}', values: '0x39 300+300x59 18000x59' },
    ...histogram('outpost_scheduler_lag_seconds', '', 2),
  ];
}
