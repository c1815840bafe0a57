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

/**
 * The last session age set per endpoint: an endpoint without a session stays at 0 run after run,
 * and prom-client hashes a label set on every set (~3 µs and a few objects a run).
 */
const lastAge = new WeakMap<Metrics, WeakMap<CompiledEndpoint, number>>();

export function recordSessionAge(m: Metrics, ep: CompiledEndpoint, ageSeconds: number | null): void {
  const value = ageSeconds ?? 0;
  let seen = lastAge.get(m);
  if (!seen) lastAge.set(m, (seen = new WeakMap()));
  if (seen.get(ep) === value) return;
  seen.set(ep, value);
  m.sessionAge.set({ group: ep.group, endpoint: ep.name, location: m.location }, value);
}

export function recordBackoff(m: Metrics, ep: CompiledEndpoint, untilMs: number): void {
  m.backoffUntil.set({ group: ep.group, endpoint: ep.name, location: m.location }, untilMs > 0 ? untilMs / 1000 : 0);
}

export function forgetCheck(m: Metrics, check: CompiledCheck): void {
  m.checks.remove(check);
}

export function forgetEndpoint(m: Metrics, ep: CompiledEndpoint): void {
  lastAge.get(m)?.delete(ep);
  removeEndpointSeries(m, ep.group, ep.name, m.location);
}
