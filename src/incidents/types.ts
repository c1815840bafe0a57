/** Incidents as the engine keeps them and the notifier, the API and the state file see them. */
import type { Reason } from '../reasons.js';
import type { CheckState, RunSummary } from '../check-state.js';
import type { IncidentImpact } from '../impact/types.js';

/** How wide an incident is (docs/incidents.md): one check, one platform, or several platforms at once. */
export const INCIDENT_SCOPES = ['check', 'group', 'multi_platform'] as const;
export type IncidentScope = (typeof INCIDENT_SCOPES)[number];
export type IncidentEventName = 'incident.opened' | 'incident.resolved' | 'incident.reminder';

/** What the incident engine needs to know of one check. */
export interface CheckView {
  id: string;
  group: string;
  endpoint: string;
  check: string;
  state: CheckState;
  reason: Reason | null;
  /** The distinct reasons of its failure streak, first cause first. */
  reasons: readonly Reason[];
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
  /** The current reason. */
  reason: Reason;
  /** The distinct reasons of the incident in the order they first appeared: the first is the cause. */
  reasons: Reason[];
  /** The story of `reasons` in words: `facebook/web: users are logged out and cannot log back in`. */
  summary: string;
  location: string;
  startedAt: number;
  resolvedAt: number | null;
  lastResult: { httpStatus: number; durationMs: number; error: string | null } | null;
  timeline: { at: number; event: string; note?: string }[];
  /** True while the incident's group (every group of a multi_platform incident) is in maintenance: nothing is sent for it. */
  inMaintenance?: boolean;
  /** The open multi_platform incident this one is part of (one event, one entry on the status page). */
  partOf?: string;
  /** multi_platform: each platform's reasons so far, for the summary. */
  groupReasons?: Record<string, Reason[]>;
  /** Estimated business impact so far (docs/impact.md); null or absent when none of its groups has `impact`. */
  impact?: IncidentImpact | null;
}

export interface IncidentEvent {
  event: IncidentEventName;
  incident: Incident;
  at: number;
}
