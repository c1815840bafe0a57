/**
 * PagerDuty Events API v2 (https://developer.pagerduty.com/docs/events-API-v2/trigger-events/):
 * `trigger` when an incident opens (and again as a reminder: PagerDuty folds it into the same
 * alert), `resolve` when it resolves, both keyed by `dedup_key` = the incident id.
 */
import type { CompiledWebhook } from '../../config/types.js';
import type { Incident, IncidentEvent } from '../../incidents/types.js';
import type { FormattedRequest } from '../render.js';
import { subject } from '../payload.js';
import { boundedKey, clip } from './limits.js';

export const PAGERDUTY_URL = 'https://events.pagerduty.com/v2/enqueue';
/** The documented limits: summary 1024 characters, dedup_key 255. */
const PAGERDUTY_LIMITS = { summary: 1024, dedupKey: 255 } as const;

type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';
/** Wider is worse: several platforms at once pages as critical. */
const PAGERDUTY_SEVERITY: Record<Incident['scope'], PagerDutySeverity> = { multi_platform: 'critical', group: 'error', check: 'warning' };

export interface PagerDutyEvent {
  routing_key: string;
  event_action: 'trigger' | 'resolve';
  dedup_key: string;
  payload?: {
    summary: string;
    source: string;
    severity: PagerDutySeverity;
    timestamp: string;
    component?: string;
    group?: string;
    class: string;
    custom_details: Record<string, unknown>;
  };
  client?: string;
}

export function pagerDutyEvent(e: IncidentEvent, routingKey: string): PagerDutyEvent {
  const i = e.incident;
  const dedup_key = boundedKey(i.id, PAGERDUTY_LIMITS.dedupKey);
  if (e.event === 'incident.resolved') return { routing_key: routingKey, event_action: 'resolve', dedup_key };
  const impact = i.impact;
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key,
    payload: {
      summary: clip(`${subject(i)}: ${i.summary}`, PAGERDUTY_LIMITS.summary),
      source: `outpost ${i.location}`,
      severity: PAGERDUTY_SEVERITY[i.scope],
      timestamp: new Date(i.startedAt).toISOString(),
      ...(i.group !== null && i.scope !== 'multi_platform' ? { group: i.group } : {}),
      ...(i.scope === 'check' ? { component: subject(i) } : {}),
      class: i.reason,
      custom_details: {
        incident: i.id,
        scope: i.scope,
        groups: i.groups,
        reason: i.reason,
        reasons: i.reasons.length > 0 ? i.reasons : [i.reason],
        location: i.location,
        started_at: new Date(i.startedAt).toISOString(),
        last_result: i.lastResult,
        ...(impact !== undefined && impact !== null ? { impact } : {}),
      },
    },
    client: 'Outpost',
  };
}

export function pagerDutyRequest(e: IncidentEvent, hook: CompiledWebhook): FormattedRequest {
  return { url: hook.url, headers: {}, body: pagerDutyEvent(e, hook.routingKey ?? '') };
}
