/**
 * What a webhook receiver gets (docs/webhooks.md): the JSON body, the Slack body and
 * the signature. Pure: data in, data out.
 */
import { createHmac } from 'node:crypto';
import type { Incident, IncidentEvent } from '../incidents/types.js';
import { impactWords, payloadImpact } from '../impact/format.js';
import type { IncidentImpact } from '../impact/types.js';

export interface JsonBody {
  version: '1';
  event: IncidentEvent['event'];
  deliveryId: string;
  sentAt: string;
  incident: {
    id: string;
    scope: Incident['scope'];
    status: Incident['status'];
    group: string | null;
    endpoint: string | null;
    check: string | null;
    groups: string[];
    reason: Incident['reason'];
    reasons: Incident['reasons'];
    summary: string;
    location: string;
    startedAt: string;
    resolvedAt: string | null;
    durationSeconds: number;
    lastResult: Incident['lastResult'];
    /** Null when none of the incident's groups has `impact` (docs/impact.md). */
    impact: IncidentImpact | null;
  };
}

/** How long the incident has lasted when the event happened (until it resolved, for a resolved one). */
export function durationMs(e: IncidentEvent): number {
  const end = e.incident.resolvedAt ?? e.at;
  return Math.max(0, end - e.incident.startedAt);
}

export function buildJsonBody(e: IncidentEvent, deliveryId: string, sentAt: Date): JsonBody {
  const i = e.incident;
  // group/endpoint/check are null where the scope is wider than them (docs/webhooks.md).
  const wide = i.scope === 'multi_platform';
  return {
    version: '1',
    event: e.event,
    deliveryId,
    sentAt: sentAt.toISOString(),
    incident: {
      id: i.id,
      scope: i.scope,
      status: i.status,
      group: wide ? null : i.group,
      endpoint: i.scope === 'check' ? i.endpoint : null,
      check: i.scope === 'check' ? i.check : null,
      groups: [...i.groups],
      reason: i.reason,
      reasons: [...i.reasons],
      summary: i.summary,
      location: i.location,
      startedAt: new Date(i.startedAt).toISOString(),
      resolvedAt: i.resolvedAt === null ? null : new Date(i.resolvedAt).toISOString(),
      durationSeconds: Math.round(durationMs(e) / 1000),
      lastResult: i.lastResult ? { httpStatus: i.lastResult.httpStatus, durationMs: i.lastResult.durationMs, error: i.lastResult.error } : null,
      impact: payloadImpact(i.impact),
    },
  };
}

/** "2m 10s", "1h 5m", "45s": the two largest units, for people. */
export function humanDuration(ms: number): string {
  let s = Math.max(0, Math.round(ms / 1000));
  const parts: [number, string][] = [];
  const d = Math.floor(s / 86_400);
  s -= d * 86_400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  parts.push([d, 'd'], [h, 'h'], [m, 'm'], [s, 's']);
  const first = parts.findIndex(([n]) => n > 0);
  if (first === -1) return '0s';
  return parts
    .slice(first, first + 2)
    .filter(([n]) => n > 0)
    .map(([n, u]) => `${n}${u}`)
    .join(' ');
}

/** Who the incident is about: facebook/web/session, facebook, or facebook + instagram + threads. */
export function subject(i: Incident): string {
  if (i.scope === 'check') return [i.group, i.endpoint, i.check].filter((x) => x !== null).join('/');
  if (i.scope === 'group') return i.group ?? i.groups.join(' + ');
  return i.groups.join(' + ');
}

const SCOPE_TEXT: Record<Incident['scope'], string> = {
  check: 'check',
  group: 'platform',
  multi_platform: 'multi-platform',
};

export function buildSlackBody(e: IncidentEvent): { text: string } {
  const i = e.incident;
  const reasons = (i.reasons.length > 0 ? i.reasons : [i.reason]).map((r) => `\`${r}\``).join(' → ');
  const what = `${SCOPE_TEXT[i.scope]} ${subject(i)}: ${i.summary} (${reasons}, from ${i.location})`;
  const lasted = humanDuration(durationMs(e));
  const cost = impactWords(i.impact, e.event === 'incident.resolved');
  const soFar = cost ? `; ${cost}` : '';
  switch (e.event) {
    case 'incident.opened':
      return { text: `🔴 OPENED ${what}${soFar}` };
    case 'incident.resolved':
      return { text: `✅ RESOLVED ${what} after ${lasted}${cost ? `; ${cost} over ${lasted}` : ''}` };
    case 'incident.reminder':
      return { text: `⏰ STILL OPEN ${what} for ${lasted}${soFar}` };
  }
}

/** `sha256=<hex HMAC-SHA256 of the raw body>`, the X-Outpost-Signature-256 header. */
export function sign(secret: string, rawBody: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}
