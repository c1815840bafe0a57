/** Incidents as the engine keeps them and the notifier, the API and the state file see them. */
import type { IncidentScope } from '../metrics/registry.js';
import type { Reason } from '../reasons.js';
import type { CheckState, RunSummary } from '../state/check-state.js';

export type { IncidentScope };
export type IncidentEventName = 'incident.opened' | 'incident.resolved' | 'incident.reminder';

/** What the incident engine needs to know of one check. */
export interface CheckView {
  id: string;
  group: string;
  endpoint: string;
  check: string;
  state: CheckState;
  reason: Reason | null;
  since: number;
  lastResult: RunSummary | null;
}

export interface GroupView {
  name: string;
  checkIds: readonly string[];
}

export interface Incident {
  /** Stable: derived from scope and subject plus the start time, the same across restarts. */
  id: string;
  scope: IncidentScope;
  status: 'open' | 'resolved';
  group: string | null;
  endpoint: string | null;
  check: string | null;
  groups: string[];
  reason: Reason;
  summary: string;
  location: string;
  startedAt: number;
  resolvedAt: number | null;
  lastResult: { httpStatus: number; durationMs: number; error: string | null } | null;
  timeline: { at: number; event: string; note?: string }[];
  /** True while the incident's group (every group of a multi_platform incident) is in maintenance: nothing is sent for it. */
  inMaintenance?: boolean;
}

export interface IncidentEvent {
  event: IncidentEventName;
  incident: Incident;
  at: number;
}
