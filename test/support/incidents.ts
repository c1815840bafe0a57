/** Incidents and incident events as the engine makes them, for tests of what is built from them. */
import type { Incident, IncidentEvent, IncidentEventName } from '../../src/incidents/types.js';

export const T0 = Date.parse('2024-03-05T15:20:07.000Z');

export function incident(over: Partial<Incident> = {}): Incident {
  return {
    id: 'check:facebook/web/session@' + T0,
    scope: 'check',
    status: 'open',
    group: 'facebook',
    endpoint: 'web',
    check: 'session',
    groups: ['facebook'],
    reason: 'forced_logout',
    reasons: ['forced_logout'],
    summary: 'facebook/web: session rejected, users are being logged out',
    location: 'eu-west',
    startedAt: T0,
    resolvedAt: null,
    lastResult: { httpStatus: 401, durationMs: 84, error: 'redirected to /login' },
    timeline: [{ at: T0, event: 'opened' }],
    ...over,
  };
}

export const groupIncident = (over: Partial<Incident> = {}): Incident =>
  incident({ id: 'group:instagram@' + T0, scope: 'group', group: 'instagram', endpoint: null, check: null, groups: ['instagram'], reason: 'feed_stale', summary: 'instagram: feed loads but returns nothing new', ...over });

export const multiIncident = (over: Partial<Incident> = {}): Incident =>
  incident({ id: 'multi@' + T0, scope: 'multi_platform', group: null, endpoint: null, check: null, groups: ['facebook', 'instagram', 'threads'], summary: 'facebook, instagram, threads down together', ...over });

/** An event for `inc`: resolved events get a resolved incident 130 s after the start. */
export function event(name: IncidentEventName, inc: Incident = incident(), at = T0 + 60_000): IncidentEvent {
  if (name === 'incident.resolved') {
    const resolvedAt = inc.resolvedAt ?? T0 + 130_000;
    return { event: name, at: resolvedAt, incident: { ...inc, status: 'resolved', resolvedAt } };
  }
  return { event: name, at, incident: inc };
}
