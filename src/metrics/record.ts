/** Recording a check's runs and metadata into the SPEC metrics. */
import type { CompiledCheck, CompiledEndpoint } from '../config/types.js';
import type { RunOutcome } from '../journey/run.js';
import type { CheckStatus, RunSummary } from '../state/check-state.js';
import { PHASES, removeCheckSeries, removeEndpointSeries, setStateGauge, type Metrics } from './registry.js';

/** Series that exist from configuration on: info, state, up, counters at 0. */
export function describeCheck(m: Metrics, check: CompiledCheck, status: CheckStatus): void {
  const l = check.labels;
  m.checkInfo.set({ ...l, ...check.info }, 1);
  setStateGauge(m, l, status.state);
  m.checkUp.set(l, status.lastResult?.ok ? 1 : 0);
  m.consecutiveFailures.set(l, status.consecutiveFailures);
  m.checkRuns.inc({ ...l, result: 'success' }, 0);
  m.checkRuns.inc({ ...l, result: 'failure' }, 0);
  m.checkAttempts.inc(l, 0);
}

export function recordRun(m: Metrics, check: CompiledCheck, run: RunSummary, outcome: RunOutcome, status: CheckStatus): void {
  const l = check.labels;
  const at = run.at / 1000;
  m.checkUp.set(l, run.ok ? 1 : 0);
  setStateGauge(m, l, status.state);
  m.checkDuration.observe(l, outcome.durationMs / 1000);
  m.checkRuns.inc({ ...l, result: run.ok ? 'success' : 'failure' });
  m.checkAttempts.inc(l, outcome.trace.attempts);
  if (!run.ok && run.reason) m.checkFailures.inc({ ...l, reason: run.reason });
  m.consecutiveFailures.set(l, status.consecutiveFailures);
  m.lastRun.set(l, at);
  if (run.ok) m.lastSuccess.set(l, at);
  m.httpStatus.set(l, run.httpStatus);
  const t = outcome.trace.timings;
  for (const phase of PHASES) m.phaseDuration.set({ ...l, phase }, t[phase]);
  if (outcome.trace.certExpiry !== undefined) {
    const ep = check.endpointRef;
    m.tlsExpiry.set({ group: ep.group, endpoint: ep.name, location: l.location }, outcome.trace.certExpiry / 1000);
  }
}

export function recordSessionAge(m: Metrics, ep: CompiledEndpoint, ageSeconds: number | null): void {
  const location = m.location;
  m.sessionAge.set({ group: ep.group, endpoint: ep.name, location }, ageSeconds ?? 0);
}

export function forgetCheck(m: Metrics, check: CompiledCheck): void {
  removeCheckSeries(m, check.labels, check.info);
}

export function forgetEndpoint(m: Metrics, ep: CompiledEndpoint): void {
  removeEndpointSeries(m, ep.group, ep.name, m.location);
}
