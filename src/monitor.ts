/**
 * The monitor: what Outpost knows of every check. It runs one check (journey), turns the outcome
 * into the check's next state, records the metrics, and keeps sessions and a short history.
 * The daemon drives it; the server and the incident engine read it.
 */
import type { CompiledCheck, CompiledConfig } from './config/types.js';
import { runCheck, type RunOutcome } from './journey/run.js';
import { sessionSecrets, type Session } from './journey/session.js';
import { recordRun, forgetCheck, forgetEndpoint, describeCheck, recordSessionAge } from './metrics/record.js';
import type { Metrics } from './metrics/registry.js';
import type { Redactor } from './redact.js';
import type { Logger } from './log.js';
import { initialStatus, nextStatus, type CheckStatus, type RunSummary } from './state/check-state.js';
import type { CheckView, GroupView } from './incidents/types.js';

export const HISTORY_LENGTH = 30;

export interface CheckRecord {
  check: CompiledCheck;
  status: CheckStatus;
  history: RunSummary[];
}

export interface MonitorOptions {
  metrics: Metrics;
  redactor: Redactor;
  logger: Logger;
  now?: () => number;
  userAgent: string;
  retryMinMs?: number;
  /** Called after every run, once the state is updated; `changed`: the state or its reason changed. */
  onRun?: (rec: CheckRecord, outcome: RunOutcome, changed: boolean) => void;
}

export interface Monitor {
  setConfig(config: CompiledConfig): void;
  runOnce(check: CompiledCheck): Promise<CheckRecord>;
  records(): IterableIterator<CheckRecord>;
  record(id: string): CheckRecord | undefined;
  sessionAge(endpointKey: string): number | null;
  checkViews(): CheckView[];
  groupViews(): GroupView[];
  /** Restore states saved before a restart (unknown ids are ignored). */
  restore(saved: Record<string, CheckStatus>): void;
  snapshotStates(): Record<string, CheckStatus>;
  config(): CompiledConfig | undefined;
}

export function createMonitor(opts: MonitorOptions): Monitor {
  const now = opts.now ?? Date.now;
  const recs = new Map<string, CheckRecord>();
  const sessions = new Map<string, Session>();
  let config: CompiledConfig | undefined;

  const setConfig = (next: CompiledConfig) => {
    const prev = config;
    config = next;
    opts.metrics.location = next.location;
    const ids = new Set(next.checks.map((c) => c.id));
    for (const [id, rec] of recs) {
      if (!ids.has(id)) {
        forgetCheck(opts.metrics, rec.check);
        recs.delete(id);
      }
    }
    const endpointKeys = new Set(next.endpoints.map((e) => e.key));
    for (const key of sessions.keys()) if (!endpointKeys.has(key)) sessions.delete(key);
    for (const check of next.checks) {
      const rec = recs.get(check.id);
      if (rec) {
        // Metadata (type, interval) may have changed: describeCheck replaces its info series.
        rec.check = check;
      } else {
        recs.set(check.id, { check, status: initialStatus(now()), history: [] });
      }
      describeCheck(opts.metrics, check, recs.get(check.id)!.status);
    }
    for (const ep of next.endpoints) if (!sessions.has(ep.key)) recordSessionAge(opts.metrics, ep, null);
    if (prev) {
      for (const ep of prev.endpoints) if (!endpointKeys.has(ep.key)) forgetEndpoint(opts.metrics, ep);
    }
    opts.redactor.setConfigured(next.secrets);
  };

  return {
    setConfig,
    async runOnce(check) {
      const rec = recs.get(check.id);
      if (!rec) throw new Error(`unknown check ${check.id}`);
      const key = check.endpointRef.key;
      let outcome: RunOutcome;
      try {
        outcome = await runCheck(check, sessions.get(key), { now, userAgent: opts.userAgent, retryMinMs: opts.retryMinMs });
      } catch (err) {
        opts.logger.error({ err, check: check.id }, 'check run failed inside Outpost');
        outcome = { ok: false, reason: 'internal', message: 'internal error', httpStatus: 0, durationMs: 0, trace: { timings: { resolve: 0, connect: 0, tls: 0, processing: 0, transfer: 0 }, attempts: 0 }, session: sessions.get(key), issued: [] };
      }
      // The endpoint's session is shared by its checks: adopt the run's view of it.
      if (recs.get(check.id) !== rec) return rec; // removed by a reload mid-run
      // Every session the run created is secret, including one rejected within the same run.
      for (const s of outcome.issued) opts.redactor.add(sessionSecrets(s));
      if (outcome.session) {
        sessions.set(key, outcome.session);
      } else if (check.usesSession || check.type === 'login') sessions.delete(key);
      const at = now();
      const summary: RunSummary = {
        ok: outcome.ok,
        reason: outcome.reason,
        httpStatus: outcome.httpStatus,
        durationMs: Math.round(outcome.durationMs),
        error: outcome.message ? opts.redactor.text(outcome.message) : null,
        at,
        attempts: outcome.trace.attempts,
      };
      const prev = rec.status;
      rec.status = nextStatus(prev, summary, check);
      rec.history.push(summary);
      if (rec.history.length > HISTORY_LENGTH) rec.history.shift();
      recordRun(opts.metrics, check, summary, outcome, rec.status);
      const s = sessions.get(key);
      recordSessionAge(opts.metrics, check.endpointRef, s ? (at - s.createdAt) / 1000 : null);
      opts.logger.debug(
        { check: check.id, ok: summary.ok, reason: summary.reason, status: summary.httpStatus, durationMs: summary.durationMs, attempts: summary.attempts, error: summary.error },
        'check run',
      );
      if (prev.state !== rec.status.state) {
        opts.logger.info(
          { check: check.id, from: prev.state, to: rec.status.state, reason: rec.status.reason, error: summary.error },
          `${check.id} is ${rec.status.state}${rec.status.reason && rec.status.state !== 'up' ? ` (${rec.status.reason})` : ''}`,
        );
      }
      opts.onRun?.(rec, outcome, prev.state !== rec.status.state || prev.reason !== rec.status.reason);
      return rec;
    },
    records: () => recs.values(),
    record: (id) => recs.get(id),
    sessionAge(key) {
      const s = sessions.get(key);
      return s ? (now() - s.createdAt) / 1000 : null;
    },
    checkViews() {
      const out: CheckView[] = [];
      for (const r of recs.values()) {
        out.push({ id: r.check.id, group: r.check.group, endpoint: r.check.endpoint, check: r.check.name, state: r.status.state, reason: r.status.reason, since: r.status.since, lastResult: r.status.lastResult });
      }
      return out;
    },
    groupViews: () => (config?.groups ?? []).map((g) => ({ name: g.name, checkIds: g.checkIds })),
    restore(saved) {
      for (const [id, status] of Object.entries(saved)) {
        const rec = recs.get(id);
        if (!rec || !status || typeof status !== 'object' || typeof status.state !== 'string') continue;
        rec.status = { ...initialStatus(now()), ...status };
        describeCheck(opts.metrics, rec.check, rec.status);
      }
    },
    snapshotStates() {
      const out: Record<string, CheckStatus> = {};
      for (const [id, r] of recs) out[id] = r.status;
      return out;
    },
    config: () => config,
  };
}
