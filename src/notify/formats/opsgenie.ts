/**
 * Opsgenie Alert API (https://docs.opsgenie.com/docs/alert-api): create an alert when an incident
 * opens, with `alias` = the incident id (Opsgenie keeps one open alert per alias); a note on it as
 * a reminder; close it by alias when the incident resolves. `Authorization: GenieKey <apiKey>`.
 */
import type { CompiledWebhook } from '../../config/types.js';
import type { Incident, IncidentEvent } from '../../incidents/types.js';
import type { FormattedRequest } from '../render.js';
import { durationMs, humanDuration, subject } from '../payload.js';
import { boundedKey, clip } from './limits.js';

/** The US instance; EU accounts use https://api.eu.opsgenie.com (set `url`). */
export const OPSGENIE_URL = 'https://api.opsgenie.com';
/** The documented limits: message 130 characters, alias 512, description 15000, note 25000, entity 512, source 100, 20 tags of 50. */
const OPSGENIE_LIMITS = { message: 130, alias: 512, description: 15000, note: 25000, entity: 512, source: 100, tags: 20, tag: 50 } as const;
const OPSGENIE_PRIORITY: Record<Incident['scope'], 'P1' | 'P2' | 'P3'> = { multi_platform: 'P1', group: 'P2', check: 'P3' };

export interface OpsgenieRequestBody {
  message?: string;
  alias?: string;
  description?: string;
  tags?: string[];
  details?: Record<string, string>;
  entity?: string;
  source: string;
  priority?: string;
  note?: string;
}

/** `<base>/v2/alerts…`, the base being `url` (default api.opsgenie.com) without a trailing slash. */
function endpoint(base: URL, path: string): URL {
  const u = new URL(base.href);
  u.pathname = `${u.pathname.replace(/\/+$/, '')}${path}`;
  u.search = '';
  return u;
}

export function opsgenieRequest(e: IncidentEvent, hook: CompiledWebhook): FormattedRequest {
  const i = e.incident;
  const alias = boundedKey(i.id, OPSGENIE_LIMITS.alias);
  const byAlias = `/v2/alerts/${encodeURIComponent(alias)}`;
  const headers = { authorization: `GenieKey ${hook.apiKey ?? ''}` };
  const source = clip(`outpost ${i.location}`, OPSGENIE_LIMITS.source);
  if (e.event === 'incident.resolved') {
    const url = endpoint(hook.url, `${byAlias}/close`);
    url.searchParams.set('identifierType', 'alias');
    return { url, headers, body: { source, note: clip(`Resolved after ${humanDuration(durationMs(e))}: ${i.summary}`, OPSGENIE_LIMITS.note) } satisfies OpsgenieRequestBody };
  }
  if (e.event === 'incident.reminder') {
    const url = endpoint(hook.url, `${byAlias}/notes`);
    url.searchParams.set('identifierType', 'alias');
    return { url, headers, body: { source, note: clip(`Still open after ${humanDuration(durationMs(e))}: ${i.summary}`, OPSGENIE_LIMITS.note) } satisfies OpsgenieRequestBody };
  }
  const impact = i.impact;
  const reasons = i.reasons.length > 0 ? i.reasons : [i.reason];
  const details: Record<string, string> = {
    scope: i.scope,
    groups: i.groups.join(', '),
    reasons: reasons.join(' → '),
    location: i.location,
    startedAt: new Date(i.startedAt).toISOString(),
  };
  if (i.lastResult) details.lastResult = [`HTTP ${i.lastResult.httpStatus}`, `${i.lastResult.durationMs} ms`, i.lastResult.error].filter(Boolean).join(', ');
  if (impact !== undefined && impact !== null) details.impact = JSON.stringify(impact);
  const body: OpsgenieRequestBody = {
    message: clip(`${subject(i)}: ${i.summary}`, OPSGENIE_LIMITS.message),
    alias,
    description: clip(`${i.summary}\n\nReasons: ${reasons.join(' → ')}\nLocation: ${i.location}\nIncident: ${i.id}`, OPSGENIE_LIMITS.description),
    tags: ['outpost', `scope:${i.scope}`, `reason:${i.reason}`, ...i.groups.map((g) => `group:${g}`)].slice(0, OPSGENIE_LIMITS.tags).map((t) => clip(t, OPSGENIE_LIMITS.tag)),
    details,
    entity: clip(subject(i), OPSGENIE_LIMITS.entity),
    source,
    priority: OPSGENIE_PRIORITY[i.scope],
  };
  return { url: endpoint(hook.url, '/v2/alerts'), headers, body };
}
