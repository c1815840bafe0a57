/** The documents behind GET /api/v1/status and the status page: plain data, no secrets. */
import type { Monitor } from '../monitor.js';
import type { CompiledCheck } from '../config/types.js';
import type { CheckState, RunSummary } from '../check-state.js';
import { REASON_TEXT, type Reason } from '../reasons.js';
import { VERSION } from '../version.js';

export interface StatusDoc {
  /** Outpost's version (package.json). */
  version?: string;
  location: string;
  generatedAt: string;
  groups: {
    name: string;
    state: CheckState;
    maintenance: boolean;
    endpoints: {
      name: string;
      sessionAgeSeconds: number | null;
      /** The platform answered 429: no run of this endpoint starts before this time (null when not rate limited). */
      rateLimitedUntil: string | null;
      checks: {
        id: string;
        name: string;
        type: string;
        state: CheckState;
        since: string;
        reason: Reason | null;
        /** The reasons of the current failure streak, first cause first. */
        reasons: Reason[];
        reasonText: string | null;
        consecutiveFailures: number;
        lastResult: (Omit<RunSummary, 'at'> & { at: string }) | null;
        lastSuccessAt: string | null;
        history: { at: string; ok: boolean; reason: Reason | null }[];
      }[];
    }[];
  }[];
}

const iso = (ms: number) => new Date(ms).toISOString();

type CheckDoc = StatusDoc['groups'][number]['endpoints'][number]['checks'][number];

export function buildStatus(monitor: Monitor, groupState: (g: string) => CheckState, inMaintenance: (g: string) => boolean, now: number): StatusDoc {
  const config = monitor.config();
  // One pass over the checks, not one per endpoint (10,000 checks on 100 endpoints).
  const byEndpoint = new Map<string, CompiledCheck[]>();
  for (const c of config?.checks ?? []) {
    const list = byEndpoint.get(c.endpointRef.key);
    if (list) list.push(c);
    else byEndpoint.set(c.endpointRef.key, [c]);
  }
  return {
    version: VERSION,
    location: config?.location ?? 'default',
    generatedAt: iso(now),
    groups: (config?.groups ?? []).map((g) => ({
      name: g.name,
      state: groupState(g.name),
      maintenance: inMaintenance(g.name),
      endpoints: g.endpoints.map((ep) => {
        const age = monitor.sessionAge(ep.key);
        const backoff = monitor.endpoint(ep.key)?.backoffUntil ?? 0;
        return {
          name: ep.name,
          sessionAgeSeconds: age === null ? null : Math.round(age),
          rateLimitedUntil: backoff > now ? iso(backoff) : null,
          checks: (byEndpoint.get(ep.key) ?? []).map((c) => checkDoc(monitor, c)),
        };
      }),
    })),
  };
}

function checkDoc(monitor: Monitor, c: CompiledCheck): CheckDoc {
  const r = monitor.record(c.id)!;
  const s = r.status;
  const reason = s.state === 'up' ? null : s.reason;
  return {
    id: c.id,
    name: c.name,
    type: c.type,
    state: s.state,
    since: iso(s.since),
    reason,
    reasons: s.state === 'up' ? [] : [...(s.reasons ?? [])],
    reasonText: reason ? REASON_TEXT[reason] : null,
    consecutiveFailures: s.consecutiveFailures,
    lastResult: s.lastResult ? { ...s.lastResult, at: iso(s.lastResult.at) } : null,
    lastSuccessAt: s.lastSuccessAt ? iso(s.lastSuccessAt) : null,
    history: r.history.map((h) => ({ at: iso(h.at), ok: h.ok, reason: h.reason })),
  };
}
