/** Recording a check's runs and metadata into the metrics of docs/metrics.md. */
import type { CompiledCheck, CompiledEndpoint } from '../config/types.js';
import type { RunOutcome } from '../journey/run.js';
import type { CheckStatus, RunSummary } from '../check-state.js';
import { removeEndpointSeries, type Metrics } from './registry.js';

/**
 * Series that exist from configuration on: info, state, counters at 0 (up from the first run on). When the check's type
 * or interval changed, its info series is replaced (the old one goes).
 */
export function declareCheck(m: Metrics, check: CompiledCheck, status: CheckStatus): void {
  m.checks.declare(check, status.state, status.lastResult ? status.lastResult.ok : null, status.consecutiveFailures);
}

export function recordRun(m: Metrics, check: CompiledCheck, run: RunSummary, outcome: RunOutcome, status: CheckStatus): void {
  m.checks.record(check, {
    ok: run.ok,
    reason: run.reason,
    at: run.at / 1000,
    durationSeconds: outcome.durationMs / 1000,
    attempts: outcome.trace.attempts,
    httpStatus: run.httpStatus,
    consecutiveFailures: status.consecutiveFailures,
    state: status.state,
    phases: outcome.trace.timings,
  });
  const l = check.labels;
  if (outcome.trace.certExpiry !== undefined) {
    const ep = check.endpointRef;
    m.tlsExpiry.set({ group: ep.group, endpoint: ep.name, location: l.location }, outcome.trace.certExpiry / 1000);
  }
}

export function recordSessionAge(m: Metrics, ep: CompiledEndpoint, ageSeconds: number | null): void {
  const location = m.location;
  m.sessionAge.set({ group: ep.group, endpoint: ep.name, location }, ageSeconds ?? 0);
}

export function recordBackoff(m: Metrics, ep: CompiledEndpoint, untilMs: number): void {
  m.backoffUntil.set({ group: ep.group, endpoint: ep.name, location: m.location }, untilMs > 0 ? untilMs / 1000 : 0);
}

export function forgetCheck(m: Metrics, check: CompiledCheck): void {
  m.checks.remove(check);
}

export function forgetEndpoint(m: Metrics, ep: CompiledEndpoint): void {
  removeEndpointSeries(m, ep.group, ep.name, m.location);
}
