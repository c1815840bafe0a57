/**
 * One check run and everything that follows from it, in order:
 *   back-off? → run the check's type (src/checks/) → the endpoint's session → the check's next
 *   state → metrics → logs → rate-limit back-off → forced-logout news → incidents → state file.
 * The scheduler calls the function this returns; the daemon only builds and wires it.
 */
import type { CompiledCheck } from './config/types.js';
import { CHECK_KINDS } from './checks/index.js';
import type { RunEnv, RunOutcome } from './journey/run.js';
import { sessionSecrets } from './journey/session.js';
import { newTrace } from './probe/http.js';
import { classify } from './classify.js';
import { recordBackoff, recordRun, recordSessionAge } from './metrics/record.js';
import type { Metrics } from './metrics/registry.js';
import { type CheckRecord, type EndpointRecord, type Monitor } from './monitor.js';
import type { Redactor } from './redact.js';
import type { Logger } from './log.js';
import { nextStatus, type RunSummary } from './check-state.js';

/** A platform's Retry-After is honoured up to this long; without one, the endpoint rests this long. */
const MAX_BACKOFF_MS = 15 * 60_000;
const DEFAULT_BACKOFF_MS = 60_000;
/** A forced logout is told as news only if logging in again worked within this time. */
const LOGOUT_NEWS_WINDOW_MS = 60 * 60_000;

/** A session was rejected and logging in again worked: no check went down, but users were logged out. */
export interface SessionLost {
  group: string;
  endpoint: string;
  check: string;
  at: number;
  recoveredAt: number;
  sessionAgeMs: number;
  /** Older than the endpoint's `sessionLifetime`: most likely the session's natural end. */
  natural: boolean;
}

export interface CheckRunnerDeps {
  monitor: Monitor;
  metrics: Metrics;
  redactor: Redactor;
  logger: Logger;
  env: RunEnv;
  /** A check's state or reason changed: incidents need a new look. */
  onStateChange(): void;
  onSessionLost(e: SessionLost): void;
  /**
   * Something worth keeping across a restart changed: check states (`urgent` when a state, reason
   * or the result of a run differs from the check's previous run, otherwise only the last result
   * is fresher, or it was the check's first run)
   * and sessions when `sessions` is true.
   */
  save(what: { sessions: boolean; urgent: boolean }): void;
}

/** Runs the check and returns its record (unchanged when the run was skipped for a rate-limit back-off). */
export function createCheckRunner(deps: CheckRunnerDeps): (check: CompiledCheck) => Promise<CheckRecord> {
  const { monitor, metrics, redactor, logger, env } = deps;
  const now = env.now;

  return async function runCheck(check) {
    const rec = monitor.record(check.id);
    const ep = monitor.endpoint(check.endpointRef.key);
    if (!rec || !ep) throw new Error(`unknown check ${check.id}`);
    if (ep.backoffUntil > now()) return rec;

    const shared = ep.session;
    let outcome: RunOutcome;
    try {
      outcome = await CHECK_KINDS[check.type].run(check, shared, env);
    } catch (err) {
      logger.error({ err, check: check.id }, 'check run failed inside Outpost');
      const reason = classify({ role: 'request', transport: 'internal', status: 0, carriedSession: false, redirectedToLogin: false, challenge: false, loginRejectedMarker: false, logoutMarker: false, errorMarker: false, htmlWhereJsonExpected: false, unmet: [] })!;
      outcome = { ok: false, reason, message: 'internal error', httpStatus: 0, durationMs: 0, trace: newTrace(), session: { kind: 'keep' }, issued: [], loggedIn: false };
    }
    // Every session the run created is secret, including one rejected within the same run.
    for (const s of outcome.issued) redactor.add(sessionSecrets(s));
    if (monitor.record(check.id) !== rec) return rec; // removed by a reload mid-run

    const sessionChanged = applySession(ep, shared, outcome, monitor);

    const at = now();
    const summary: RunSummary = {
      ok: outcome.ok,
      reason: outcome.reason,
      httpStatus: outcome.httpStatus,
      durationMs: Math.round(outcome.durationMs),
      error: outcome.message ? redactor.text(outcome.message) : null,
      at,
      attempts: outcome.trace.attempts,
    };
    const prev = rec.status;
    rec.status = nextStatus(prev, summary, check);
    rec.runs.push(summary);

    recordRun(metrics, check, summary, outcome, rec.status);
    recordSessionAge(metrics, ep.endpoint, ep.session ? (at - ep.session.createdAt) / 1000 : null);

    logger.debug(
      { check: check.id, ok: summary.ok, reason: summary.reason, status: summary.httpStatus, durationMs: summary.durationMs, attempts: summary.attempts, error: summary.error },
      'check run',
    );
    if (prev.state !== rec.status.state) {
      // A check found up by its first run after a start is not news (10,000 lines at every restart
      // of a large config): debug. Any other change of state is info.
      logger[prev.state === 'unknown' && rec.status.state === 'up' ? 'debug' : 'info'](
        { check: check.id, from: prev.state, to: rec.status.state, reason: rec.status.reason, reasons: rec.status.reasons, error: summary.error },
        `${check.id} is ${rec.status.state}${rec.status.reason && rec.status.state !== 'up' ? ` (${rec.status.reason})` : ''}`,
      );
    }

    if (outcome.reason === 'rate_limited') {
      const wait = Math.min(MAX_BACKOFF_MS, outcome.retryAfterMs ?? DEFAULT_BACKOFF_MS);
      ep.backoffUntil = at + wait;
      recordBackoff(metrics, ep.endpoint, ep.backoffUntil);
      logger.info({ endpoint: ep.endpoint.key, seconds: Math.round(wait / 1000) }, 'rate limited: the endpoint rests before its next runs');
    } else if (ep.backoffUntil !== 0) {
      ep.backoffUntil = 0;
      recordBackoff(metrics, ep.endpoint, 0);
    }

    followLogout(ep, check, rec, outcome, at, deps);

    const changed = prev.state !== rec.status.state || prev.reason !== rec.status.reason;
    if (changed) deps.onStateChange();
    // A check's first run (after a start or a reload) is not urgent to keep: a restart runs it again.
    deps.save({ sessions: sessionChanged, urgent: !!prev.lastResult && (changed || prev.lastResult.ok !== summary.ok) });
    return rec;
  };
}

/** The endpoint's shared session after the run: returns whether it changed. */
function applySession(ep: EndpointRecord, before: EndpointRecord['session'], outcome: RunOutcome, monitor: Monitor): boolean {
  const change = outcome.session;
  switch (change.kind) {
    case 'keep':
      return false;
    case 'seed':
      // A login check's session becomes the shared one only when there is none.
      if (ep.session) return false;
      monitor.setSession(ep.endpoint.key, change.session);
      return true;
    case 'set':
      // Another run may have replaced it meanwhile: the newest working session stays.
      if (ep.session !== before && ep.session !== undefined) return false;
      monitor.setSession(ep.endpoint.key, change.session);
      return true;
    case 'drop':
      if (ep.session !== before) return false; // a newer session came in meanwhile
      monitor.setSession(ep.endpoint.key, undefined);
      return true;
  }
}

/**
 * A forced logout whose next login works leaves no check down, yet users were logged out: that
 * is told as its own short incident. One that leads to a check going down is the incident's
 * first cause instead.
 */
function followLogout(ep: EndpointRecord, check: CompiledCheck, rec: CheckRecord, outcome: RunOutcome, at: number, deps: CheckRunnerDeps): void {
  if (outcome.sessionRejected && !outcome.sessionRejected.preset) {
    ep.pendingLogout ??= { at, checkId: check.id, sessionAgeMs: outcome.sessionRejected.ageMs };
  }
  const pending = ep.pendingLogout;
  if (!pending) return;
  if (rec.status.state === 'down' || at - pending.at > LOGOUT_NEWS_WINDOW_MS) {
    ep.pendingLogout = undefined;
    return;
  }
  if (!outcome.ok || !check.usesSession || outcome.sessionRejected) return;
  ep.pendingLogout = undefined;
  const checkOf = deps.monitor.record(pending.checkId);
  if (checkOf && checkOf.status.state === 'down') return;
  deps.onSessionLost({
    group: check.group,
    endpoint: check.endpoint,
    check: checkOf?.check.name ?? check.name,
    at: pending.at,
    recoveredAt: at,
    sessionAgeMs: pending.sessionAgeMs,
    natural: pending.sessionAgeMs > ep.endpoint.sessionLifetimeMs,
  });
}
