/**
 * The metric names SPEC.md ("Metrics") defines, written out here on purpose: the dashboards are
 * checked against the contract, not against whatever the daemon happens to register.
 */
export const SPEC_METRICS = [
  'outpost_check_info',
  'outpost_check_up',
  'outpost_check_state',
  'outpost_check_runs_total',
  'outpost_check_attempts_total',
  'outpost_check_failures_total',
  'outpost_check_consecutive_failures',
  'outpost_check_last_run_timestamp_seconds',
  'outpost_check_last_success_timestamp_seconds',
  'outpost_check_http_status_code',
  'outpost_check_last_duration_seconds',
  'outpost_check_phase_duration_seconds',
  'outpost_session_age_seconds',
  'outpost_tls_cert_expiry_timestamp_seconds',
  'outpost_group_up',
  'outpost_group_state',
  'outpost_maintenance_active',
  'outpost_incidents_open',
  'outpost_incidents_total',
  'outpost_webhook_deliveries_total',
  'outpost_webhook_queue_depth',
  'outpost_checks_in_flight',
  'outpost_config_last_reload_successful',
  'outpost_config_last_reload_success_timestamp_seconds',
  'outpost_build_info',
  'outpost_impact_estimated_total',
] as const;

/** SPEC histograms: queried through their `_bucket`, `_sum` and `_count` series. */
export const SPEC_HISTOGRAMS = ['outpost_check_duration_seconds', 'outpost_scheduler_lag_seconds'] as const;

/** Series Prometheus itself adds to every scrape. */
export const SCRAPE_SERIES = ['up', 'scrape_duration_seconds', 'scrape_samples_scraped'] as const;

export const KNOWN_SERIES: ReadonlySet<string> = new Set<string>([
  ...SPEC_METRICS,
  ...SPEC_HISTOGRAMS.flatMap((h) => [`${h}_bucket`, `${h}_sum`, `${h}_count`]),
  ...SCRAPE_SERIES,
]);
