/**
 * Every metric of docs/metrics.md, defined once. Other modules record through the functions here and
 * never name a metric themselves.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Reason } from '../reasons.js';
import { CHECK_STATES, type CheckState } from '../check-state.js';
import { createCheckSeries, type CheckSeries } from './check-series.js';
import { classicToOpenMetrics, OPENMETRICS_EOF } from './openmetrics.js';
import type { GzipPart } from './gzip-parts.js';

export const CHECK_LABELS = ['group', 'endpoint', 'check', 'location'] as const;
export const PHASES = ['resolve', 'connect', 'tls', 'processing', 'transfer'] as const;
export type Phase = (typeof PHASES)[number];
import { INCIDENT_SCOPES } from '../incidents/types.js';
const DELIVERY_RESULTS = ['success', 'failure', 'dropped'] as const;
export type DeliveryResult = (typeof DELIVERY_RESULTS)[number];

export interface Metrics {
  /** prom-client's registry; its metrics() also renders the per-check series (check-series.ts). */
  registry: OutpostRegistry;
  /**
   * Every per-check series (outpost_check_*), kept outside prom-client so that a run costs a few
   * field writes and a scrape of 10,000 checks stays fast: see check-series.ts.
   */
  checks: CheckSeries;
  /** The location label of this process (changes only with a reload). */
  location: string;
  sessionAge: Gauge<'group' | 'endpoint' | 'location'>;
  tlsExpiry: Gauge<'group' | 'endpoint' | 'location'>;
  backoffUntil: Gauge<'group' | 'endpoint' | 'location'>;
  groupUp: Gauge<'group' | 'location'>;
  groupState: Gauge<'group' | 'location' | 'state'>;
  maintenanceActive: Gauge<'group' | 'location'>;
  incidentsOpen: Gauge<'scope'>;
  incidentsTotal: Counter<'scope' | 'reason'>;
  webhookDeliveries: Counter<'webhook' | 'result'>;
  webhookQueueDepth: Gauge<'webhook'>;
  schedulerLag: Histogram<string>;
  checksInFlight: Gauge<string>;
  checksUnschedulable: Gauge<string>;
  configReloadOk: Gauge<string>;
  configReloadTimestamp: Gauge<string>;
  buildInfo: Gauge<'version' | 'node_version' | 'shard'>;
  stateWriteFailures: Counter<string>;
  impactEstimated: Counter<'group' | 'unit' | 'location'>;
}

export interface MetricsOptions {
  /** Collect prom-client's default process and Node.js metrics (off in unit tests for speed). */
  defaultMetrics?: boolean;
  version: string;
  shard?: string;
  location?: string;
}

/** A registry whose text output also holds the per-check series (check-series.ts). */
export class OutpostRegistry extends Registry {
  constructor(private readonly checkSeries: CheckSeries) {
    super();
  }

  override async metrics(): Promise<string> {
    const base = await super.metrics();
    return base + (await this.checkSeries.render());
  }

  /**
   * The same text as byte chunks, for /metrics to stream without building one large string; in
   * OpenMetrics 1.0.0 (src/metrics/openmetrics.ts) when asked, ending with `# EOF`.
   */
  async *chunks(format: 'prometheus' | 'openmetrics' = 'prometheus'): AsyncGenerator<Buffer[]> {
    if (format === 'prometheus') {
      yield [Buffer.from(await super.metrics())];
      yield* this.checkSeries.chunks();
      return;
    }
    yield [Buffer.from(classicToOpenMetrics(await super.metrics()))];
    yield* this.checkSeries.chunks(true);
    yield [Buffer.from(OPENMETRICS_EOF)];
  }

  /** The same as parts to gzip, the per-check steady families' compressed blocks reused (gzip-parts.ts). */
  async *gzipParts(format: 'prometheus' | 'openmetrics' = 'prometheus'): AsyncGenerator<GzipPart> {
    const base = await super.metrics();
    const om = format === 'openmetrics';
    yield { text: Buffer.from(om ? classicToOpenMetrics(base) : base) };
    yield* this.checkSeries.gzipParts(om);
    if (om) yield { text: Buffer.from(OPENMETRICS_EOF) };
  }
}

export function createMetrics(opts: MetricsOptions): Metrics {
  const checks = createCheckSeries();
  const registry = new OutpostRegistry(checks);
  const r = [registry];
  const m: Metrics = {
    registry,
    checks,
    location: opts.location ?? 'default',
    sessionAge: new Gauge({ name: 'outpost_session_age_seconds', help: 'Age of the current session of the endpoint (0 when none).', labelNames: ['group', 'endpoint', 'location'], registers: r }),
    tlsExpiry: new Gauge({ name: 'outpost_tls_cert_expiry_timestamp_seconds', help: 'Earliest expiry of a TLS certificate seen on the endpoint.', labelNames: ['group', 'endpoint', 'location'], registers: r }),
    backoffUntil: new Gauge({
      name: 'outpost_rate_limited_until_timestamp_seconds',
      help: 'The platform answered 429: no run of the endpoint starts before this time (its Retry-After, capped); 0 when not rate limited.',
      labelNames: ['group', 'endpoint', 'location'],
      registers: r,
    }),
    groupUp: new Gauge({ name: 'outpost_group_up', help: '1 unless the group is down.', labelNames: ['group', 'location'], registers: r }),
    groupState: new Gauge({ name: 'outpost_group_state', help: 'Current state of the group: 1 for the current state, 0 for the others.', labelNames: ['group', 'location', 'state'], registers: r }),
    maintenanceActive: new Gauge({ name: 'outpost_maintenance_active', help: '1 while a maintenance window holds the group\'s alerts back.', labelNames: ['group', 'location'], registers: r }),
    incidentsOpen: new Gauge({ name: 'outpost_incidents_open', help: 'Open incidents by scope.', labelNames: ['scope'], registers: r }),
    incidentsTotal: new Counter({ name: 'outpost_incidents_total', help: 'Incidents opened by scope and reason.', labelNames: ['scope', 'reason'], registers: r }),
    webhookDeliveries: new Counter({ name: 'outpost_webhook_deliveries_total', help: 'Webhook notifications by final result.', labelNames: ['webhook', 'result'], registers: r }),
    webhookQueueDepth: new Gauge({ name: 'outpost_webhook_queue_depth', help: 'Notifications waiting for delivery.', labelNames: ['webhook'], registers: r }),
    schedulerLag: new Histogram({ name: 'outpost_scheduler_lag_seconds', help: 'How late runs start versus their due time.', buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30], registers: r }),
    checksInFlight: new Gauge({ name: 'outpost_checks_in_flight', help: 'Check runs in progress.', registers: r }),
    checksUnschedulable: new Gauge({ name: 'outpost_checks_unschedulable', help: 'Checks whose schedule has no next run: they do not run.', registers: r }),
    configReloadOk: new Gauge({ name: 'outpost_config_last_reload_successful', help: '1 when the last configuration load succeeded.', registers: r }),
    configReloadTimestamp: new Gauge({ name: 'outpost_config_last_reload_success_timestamp_seconds', help: 'When the configuration was last loaded successfully.', registers: r }),
    buildInfo: new Gauge({ name: 'outpost_build_info', help: 'Build information (1).', labelNames: opts.shard ? ['version', 'node_version', 'shard'] : ['version', 'node_version'], registers: r }),
    stateWriteFailures: new Counter({ name: 'outpost_state_write_failures_total', help: 'Failed writes of the state file (disk full, read-only…).', registers: r }),
    impactEstimated: new Counter({
      name: 'outpost_impact_estimated_total',
      help: 'Estimated business impact accrued while the group is impaired, in the unit of its `impact` config (docs/impact.md).',
      labelNames: ['group', 'unit', 'location'],
      registers: r,
    }),
  };
  m.buildInfo.set(opts.shard ? { version: opts.version, node_version: process.version, shard: opts.shard } : { version: opts.version, node_version: process.version }, 1);
  m.checksInFlight.set(0);
  m.checksUnschedulable.set(0);
  for (const scope of INCIDENT_SCOPES) m.incidentsOpen.set({ scope }, 0);
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry });
  return m;
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
  m.backoffUntil.remove({ group, endpoint, location });
}

export type { Reason };
