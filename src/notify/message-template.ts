/**
 * Per-webhook message templates of the chat formats (slack, teams, discord): `title` and `text`
 * with `{{incident.<field>}}` placeholders (and `{{event}}`) from a fixed list, checked when the
 * config loads, filled in when a notification is rendered.
 */
import type { IncidentEvent } from '../incidents/types.js';
import { durationMs, humanDuration, subject } from './payload.js';

/** The placeholders a template may use, and how each is filled in. */
const FIELDS: Record<string, (e: IncidentEvent) => string> = {
  event: (e) => e.event,
  'incident.id': (e) => e.incident.id,
  'incident.scope': (e) => e.incident.scope,
  'incident.status': (e) => e.incident.status,
  'incident.group': (e) => e.incident.group ?? '',
  'incident.endpoint': (e) => e.incident.endpoint ?? '',
  'incident.check': (e) => e.incident.check ?? '',
  'incident.groups': (e) => e.incident.groups.join(', '),
  'incident.subject': (e) => subject(e.incident),
  'incident.reason': (e) => e.incident.reason,
  'incident.reasons': (e) => (e.incident.reasons.length > 0 ? e.incident.reasons : [e.incident.reason]).join(' → '),
  'incident.summary': (e) => e.incident.summary,
  'incident.location': (e) => e.incident.location,
  'incident.startedAt': (e) => new Date(e.incident.startedAt).toISOString(),
  'incident.resolvedAt': (e) => (e.incident.resolvedAt === null ? '' : new Date(e.incident.resolvedAt).toISOString()),
  'incident.duration': (e) => humanDuration(durationMs(e)),
  'incident.durationSeconds': (e) => String(Math.round(durationMs(e) / 1000)),
};

export const TEMPLATE_FIELDS: readonly string[] = Object.keys(FIELDS);

/** Literal text and placeholder names, in order. */
export type MessageTemplate = readonly (string | { field: string })[];

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** The compiled template, or the placeholders that are not allowed. */
export function compileMessageTemplate(text: string): { template: MessageTemplate } | { unknown: string[] } {
  const parts: (string | { field: string })[] = [];
  const unknown: string[] = [];
  let last = 0;
  for (const m of text.matchAll(PLACEHOLDER)) {
    if (m.index > last) parts.push(text.slice(last, m.index));
    const field = m[1]!;
    if (Object.hasOwn(FIELDS, field)) parts.push({ field });
    else unknown.push(field);
    last = m.index + m[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return unknown.length > 0 ? { unknown } : { template: parts };
}

export function renderMessageTemplate(t: MessageTemplate, e: IncidentEvent): string {
  return t.map((p) => (typeof p === 'string' ? p : FIELDS[p.field]!(e))).join('');
}
