/**
 * Every metric of the SPEC, defined once. Other modules record through the functions here and
 * never name a metric themselves.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { REASONS, type Reason } from '../reasons.js';
import { CHECK_STATES, type CheckState } from '../state/check-state.js';

export const CHECK_LABELS = ['group', 'endpoint', 'check', 'location'] as const;
export type CheckLabels = Record<(typeof CHECK_LABELS)[number], string>;
export const PHASES = ['resolve', 'connect', 'tls', 'processing', 'transfer'] as const;
export type Phase = (typeof PHASES)[number];
export const INCIDENT_SCOPES = ['check', 'group', 'multi_platform'] as const;
export type IncidentScope = (typeof INCIDENT_SCOPES)[number];
export const DELIVERY_RESULTS = ['success', 'failure', 'dropped'] as const;
export type DeliveryResult = (typeof DELIVERY_RESULTS)[number];

export interface Metrics {
  registry: Registry;
  /** The location label of this process (changes only with a reload). */
  location: string;
  checkInfo: Gauge<'group' | 'endpoint' | 'check' | 'location' | 'type' | 'interval_seconds'>;
  checkUp: Gauge<(typeof CHECK_LABELS)[number]>;
  checkState: Gauge<(typeof CHECK_LABELS)[number] | 'state'>;
  checkDuration: Histogram<(typeof CHECK_LABELS)[number]>;
  checkRuns: Counter<(typeof CHECK_LABELS)[number] | 'result'>;
  checkAttempts: Counter<(typeof CHECK_LABELS)[number]>;
  checkFailures: Counter<(typeof CHECK_LABELS)[number] | 'reason'>;
  consecutiveFailures: Gauge<(typeof CHECK_LABELS)[number]>;
  lastRun: Gauge<(typeof CHECK_LABELS)[number]>;
  lastSuccess: Gauge<(typeof CHECK_LABELS)[number]>;
  httpStatus: Gauge<(typeof CHECK_LABELS)[number]>;
  phaseDuration: Gauge<(typeof CHECK_LABELS)[number] | 'phase'>;
  sessionAge: Gauge<'group' | 'endpoint' | 'location'>;
  tlsExpiry: Gauge<'group' | 'endpoint' | 'location'>;
  groupUp: Gauge<'group' | 'location'>;
  groupState: Gauge<'group' | 'location' | 'state'>;
  maintenanceActive: Gauge<'group' | 'location'>;
  incidentsOpen: Gauge<'scope'>;
  incidentsTotal: Counter<'scope' | 'reason'>;
  webhookDeliveries: Counter<'webhook' | 'result'>;
  webhookQueueDepth: Gauge<'webhook'>;
  schedulerLag: Histogram<string>;
  checksInFlight: Gauge<string>;
  configReloadOk: Gauge<string>;
  configReloadTimestamp: Gauge<string>;
  buildInfo: Gauge<'version' | 'node_version' | 'shard'>;
  stateWriteFailures: Counter<string>;
}

export interface MetricsOptions {
  /** Collect prom-client's default process and Node.js metrics (off in unit tests for speed). */
  defaultMetrics?: boolean;
  version: string;
  shard?: string;
  location?: string;
}

export function createMetrics(opts: MetricsOptions): Metrics {
  const registry = new Registry();
  const r = [registry];
  const cl = [...CHECK_LABELS];
  const m: Metrics = {
    registry,
    location: opts.location ?? 'default',
    checkInfo: new Gauge({ name: 'outpost_check_info', help: 'Configured check (1); metadata in labels, join with group_left.', labelNames: [...cl, 'type', 'interval_seconds'], registers: r }),
    checkUp: new Gauge({ name: 'outpost_check_up', help: '1 when the last run of the check succeeded, else 0.', labelNames: cl, registers: r }),
    checkState: new Gauge({ name: 'outpost_check_state', help: 'Current state of the check: 1 for the current state, 0 for the others.', labelNames: [...cl, 'state'], registers: r }),
    checkDuration: new Histogram({ name: 'outpost_check_duration_seconds', help: 'Duration of check runs, retries included.', labelNames: cl, buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: r }),
    checkRuns: new Counter({ name: 'outpost_check_runs_total', help: 'Check runs by result.', labelNames: [...cl, 'result'], registers: r }),
    checkAttempts: new Counter({ name: 'outpost_check_attempts_total', help: 'HTTP requests made by check runs, retries included.', labelNames: cl, registers: r }),
    checkFailures: new Counter({ name: 'outpost_check_failures_total', help: 'Failed check runs by reason.', labelNames: [...cl, 'reason'], registers: r }),
    consecutiveFailures: new Gauge({ name: 'outpost_check_consecutive_failures', help: 'Failed runs in a row.', labelNames: cl, registers: r }),
    lastRun: new Gauge({ name: 'outpost_check_last_run_timestamp_seconds', help: 'When the last run of the check ended.', labelNames: cl, registers: r }),
    lastSuccess: new Gauge({ name: 'outpost_check_last_success_timestamp_seconds', help: 'When the last successful run of the check ended.', labelNames: cl, registers: r }),
    httpStatus: new Gauge({ name: 'outpost_check_http_status_code', help: 'HTTP status of the last answer (0 when none).', labelNames: cl, registers: r }),
    phaseDuration: new Gauge({ name: 'outpost_check_phase_duration_seconds', help: 'Duration of each phase of the last run, summed over redirects and steps.', labelNames: [...cl, 'phase'], registers: r }),
    sessionAge: new Gauge({ name: 'outpost_session_age_seconds', help: 'Age of the current session of the endpoint (0 when none).', labelNames: ['group', 'endpoint', 'location'], registers: r }),
    tlsExpiry: new Gauge({ name: 'outpost_tls_cert_expiry_timestamp_seconds', help: 'Earliest expiry of a TLS certificate seen on the endpoint.', labelNames: ['group', 'endpoint', 'location'], registers: r }),
    groupUp: new Gauge({ name: 'outpost_group_up', help: '1 unless the group is down.', labelNames: ['group', 'location'], registers: r }),
    groupState: new Gauge({ name: 'outpost_group_state', help: 'Current state of the group: 1 for the current state, 0 for the others.', labelNames: ['group', 'location', 'state'], registers: r }),
    maintenanceActive: new Gauge({ name: 'outpost_maintenance_active', help: '1 while a maintenance window holds the group\'s alerts back.', labelNames: ['group', 'location'], registers: r }),
    incidentsOpen: new Gauge({ name: 'outpost_incidents_open', help: 'Open incidents by scope.', labelNames: ['scope'], registers: r }),
    incidentsTotal: new Counter({ name: 'outpost_incidents_total', help: 'Incidents opened by scope and reason.', labelNames: ['scope', 'reason'], registers: r }),
    webhookDeliveries: new Counter({ name: 'outpost_webhook_deliveries_total', help: 'Webhook notifications by final result.', labelNames: ['webhook', 'result'], registers: r }),
    webhookQueueDepth: new Gauge({ name: 'outpost_webhook_queue_depth', help: 'Notifications waiting for delivery.', labelNames: ['webhook'], registers: r }),
    schedulerLag: new Histogram({ name: 'outpost_scheduler_lag_seconds', help: 'How late runs start versus their due time.', buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30], registers: r }),
    checksInFlight: new Gauge({ name: 'outpost_checks_in_flight', help: 'Check runs in progress.', registers: r }),
    configReloadOk: new Gauge({ name: 'outpost_config_last_reload_successful', help: '1 when the last configuration load succeeded.', registers: r }),
    configReloadTimestamp: new Gauge({ name: 'outpost_config_last_reload_success_timestamp_seconds', help: 'When the configuration was last loaded successfully.', registers: r }),
    buildInfo: new Gauge({ name: 'outpost_build_info', help: 'Build information (1).', labelNames: opts.shard ? ['version', 'node_version', 'shard'] : ['version', 'node_version'], registers: r }),
    stateWriteFailures: new Counter({ name: 'outpost_state_write_failures_total', help: 'Failed writes of the state file (disk full, read-only…).', registers: r }),
  };
  m.buildInfo.set(opts.shard ? { version: opts.version, node_version: process.version, shard: opts.shard } : { version: opts.version, node_version: process.version }, 1);
  m.checksInFlight.set(0);
  for (const scope of INCIDENT_SCOPES) m.incidentsOpen.set({ scope }, 0);
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry });
  return m;
}

/** Remove every series of a check (a reload removed it): no ghost series, no stuck alerts. */
export function removeCheckSeries(m: Metrics, labels: CheckLabels, info: { type: string; interval_seconds: string }): void {
  m.checkInfo.remove({ ...labels, ...info });
  for (const g of [m.checkUp, m.consecutiveFailures, m.lastRun, m.lastSuccess, m.httpStatus, m.checkAttempts] as const) g.remove(labels);
  m.checkDuration.remove(labels);
  for (const state of CHECK_STATES) m.checkState.remove({ ...labels, state });
  for (const result of ['success', 'failure']) m.checkRuns.remove({ ...labels, result });
  for (const reason of REASONS) m.checkFailures.remove({ ...labels, reason });
  for (const phase of PHASES) m.phaseDuration.remove({ ...labels, phase });
}

export function setStateGauge(m: Metrics, labels: CheckLabels, state: CheckState): void {
  for (const s of CHECK_STATES) m.checkState.set({ ...labels, state: s }, s === state ? 1 : 0);
}

export function setGroupState(m: Metrics, group: string, location: string, state: CheckState): void {
  for (const s of CHECK_STATES) m.groupState.set({ group, location, state: s }, s === state ? 1 : 0);
  m.groupUp.set({ group, location }, state === 'down' ? 0 : 1);
}

export function removeGroupSeries(m: Metrics, group: string, location: string): void {
  for (const s of CHECK_STATES) m.groupState.remove({ group, location, state: s });
  m.groupUp.remove({ group, location });
  m.maintenanceActive.remove({ group, location });
}

export function removeEndpointSeries(m: Metrics, group: string, endpoint: string, location: string): void {
  m.sessionAge.remove({ group, endpoint, location });
  m.tlsExpiry.remove({ group, endpoint, location });
}

export type { Reason };
