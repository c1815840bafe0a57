/**
 * What Outpost knows of every check and endpoint: each check's status and recent history, each
 * endpoint's shared session, its rate-limit back-off and a forced logout not yet told. It keeps
 * the check series in step with the config (new checks declared, removed ones forgotten).
 * Runs change it through src/run-check.ts; the server and the incident engine read it.
 */
import type { CompiledCheck, CompiledConfig, CompiledEndpoint } from './config/types.js';
import { newSession, type Session } from './journey/session.js';
import { forgetCheck, forgetEndpoint, declareCheck, recordSessionAge, recordBackoff } from './metrics/record.js';
import { startOrder } from './schedule/start-window.js';
import type { Metrics } from './metrics/registry.js';
import type { Redactor } from './redact.js';
import { initialStatus, type CheckStatus, type RunSummary } from './check-state.js';
import type { CheckView, GroupView } from './incidents/types.js';
import { RunHistory } from './run-history.js';

export const HISTORY_LENGTH = 30;

export interface CheckRecord {
  check: CompiledCheck;
  status: CheckStatus;
  /** The last HISTORY_LENGTH runs, oldest first: a new list made from `runs` at each read. */
  readonly history: RunSummary[];
  /** Where a run is added (compact: see src/run-history.ts). */
  readonly runs: RunHistory;
}

/** A check's record; `history` is a getter of the prototype, not a closure per check. */
class CheckEntry implements CheckRecord {
  readonly runs = new RunHistory(HISTORY_LENGTH);
  /** The incidents' view of this check, kept until its status or check is replaced. */
  private cached: CheckView | undefined;
  private cachedFor: CheckStatus | undefined;
  constructor(
    public check: CompiledCheck,
    public status: CheckStatus,
  ) {}
  get history(): RunSummary[] {
    return this.runs.toArray();
  }
  /**
   * A status is replaced, never changed, by a run (run-check.ts) or a restore, so a view made from
   * the same status object still holds: an evaluation of 10,000 checks then makes views only for
   * the checks that ran since the last one.
   */
  view(): CheckView {
    // The check a reload puts here has the same id, so the same group, endpoint and name.
    const s = this.status;
    if (this.cachedFor !== s || !this.cached) {
      const c = this.check;
      this.cached = { id: c.id, group: c.group, endpoint: c.endpoint, check: c.name, state: s.state, reason: s.reason, reasons: s.reasons ?? [], since: s.since, lastResult: s.lastResult };
      this.cachedFor = s;
    }
    return this.cached;
  }
}

/** A session rejected while logging in again may still work: told once the next login is known. */
export interface PendingLogout {
  at: number;
  checkId: string;
  sessionAgeMs: number;
}

export interface EndpointRecord {
  endpoint: CompiledEndpoint;
  session: Session | undefined;
  /** The platform asked for less traffic (429): no run of this endpoint starts before this time. */
  backoffUntil: number;
  pendingLogout?: PendingLogout;
}

export interface MonitorOptions {
  metrics: Metrics;
  redactor: Redactor;
  now?: () => number;
}

export interface Monitor {
  setConfig(config: CompiledConfig): void;
  records(): IterableIterator<CheckRecord>;
  record(id: string): CheckRecord | undefined;
  endpoint(key: string): EndpointRecord | undefined;
  endpoints(): IterableIterator<EndpointRecord>;
  /** Replace (or drop, with undefined) an endpoint's shared session. */
  setSession(key: string, session: Session | undefined): void;
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
  const { metrics } = opts;
  const recs = new Map<string, CheckEntry>();
  const eps = new Map<string, EndpointRecord>();
  let config: CompiledConfig | undefined;

  const recordAge = (ep: EndpointRecord) => recordSessionAge(metrics, ep.endpoint, ep.session ? (now() - ep.session.createdAt) / 1000 : null);

  const setConfig = (next: CompiledConfig) => {
    const prev = config;
    config = next;
    metrics.location = next.location;
    const ids = new Set(next.checks.map((c) => c.id));
    for (const [id, rec] of recs) {
      if (!ids.has(id)) {
        forgetCheck(metrics, rec.check);
        recs.delete(id);
      }
    }
    for (const check of next.checks) {
      const rec = recs.get(check.id);
      if (rec) {
        // Metadata (type, interval) may have changed: declareCheck replaces its info series.
        rec.check = check;
      } else {
        recs.set(check.id, new CheckEntry(check, initialStatus(now())));
      }
    }
    // In the order of the start window's first runs: in a start window the checks that ran since
    // a scrape are then neighbours in the exposition, and a gzipped scrape compresses again only
    // their blocks of the steady families (src/metrics/check-series.ts).
    for (const check of startOrder(next.checks)) declareCheck(metrics, check, recs.get(check.id)!.status);
    const keys = new Set(next.endpoints.map((e) => e.key));
    for (const key of eps.keys()) if (!keys.has(key)) eps.delete(key);
    for (const endpoint of next.endpoints) {
      const known = eps.get(endpoint.key);
      const rec: EndpointRecord = known ?? { endpoint, session: undefined, backoffUntil: 0 };
      // A session logged in for another identity (account, URL, login journey) is not reused.
      if (known && known.endpoint.identity !== endpoint.identity) rec.session = undefined;
      rec.endpoint = endpoint;
      if (endpoint.preset) rec.session = presetSession(endpoint, rec.session, now());
      else if (rec.session?.preset) rec.session = undefined;
      eps.set(endpoint.key, rec);
      recordAge(rec);
      recordBackoff(metrics, endpoint, rec.backoffUntil);
    }
    if (prev) {
      for (const ep of prev.endpoints) if (!keys.has(ep.key)) forgetEndpoint(metrics, ep);
    }
    opts.redactor.setConfigured(next.secrets);
  };

  return {
    setConfig,
    records: () => recs.values(),
    record: (id) => recs.get(id),
    endpoint: (key) => eps.get(key),
    endpoints: () => eps.values(),
    setSession(key, session) {
      const ep = eps.get(key);
      if (!ep) return;
      ep.session = session;
      recordAge(ep);
    },
    sessionAge(key) {
      const s = eps.get(key)?.session;
      return s ? (now() - s.createdAt) / 1000 : null;
    },
    checkViews() {
      const out: CheckView[] = [];
      for (const r of recs.values()) out.push(r.view());
      return out;
    },
    groupViews: () => (config?.groups ?? []).map((g) => ({ name: g.name, checkIds: g.checkIds })),
    restore(saved) {
      for (const [id, status] of Object.entries(saved)) {
        const rec = recs.get(id);
        if (!rec || !status || typeof status !== 'object' || typeof status.state !== 'string') continue;
        rec.status = { ...initialStatus(now()), ...status };
        if (!Array.isArray(rec.status.reasons)) rec.status.reasons = rec.status.reason ? [rec.status.reason] : [];
        declareCheck(metrics, rec.check, rec.status);
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

/** The preset session of the config; the same one (and its age) while the preset is unchanged. */
function presetSession(endpoint: CompiledEndpoint, current: Session | undefined, now: number): Session {
  const p = endpoint.preset!;
  const same = current?.preset && current.token === p.token && current.cookies.size === p.cookies.length && p.cookies.every(([k, v]) => current.cookies.get(k) === v);
  if (same) return current!;
  const s = newSession(now);
  s.preset = true;
  if (p.token) s.token = p.token;
  for (const [k, v] of p.cookies) s.cookies.set(k, v);
  return s;
}
