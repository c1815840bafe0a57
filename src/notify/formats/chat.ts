/**
 * What a chat message (Teams card, Discord embed, templated Slack text) says about an event: a
 * title, a text (both from the webhook's template when it has one), a tone, and the facts.
 */
import type { CompiledWebhook } from '../../config/types.js';
import type { IncidentEvent } from '../../incidents/types.js';
import { impactWords } from '../../impact/format.js';
import { renderMessageTemplate } from '../message-template.js';
import { durationMs, humanDuration, subject } from '../payload.js';

export type Tone = 'bad' | 'good' | 'warning';

export interface ChatMessage {
  title: string;
  text: string;
  tone: Tone;
  facts: [name: string, value: string][];
}

const SCOPE_TEXT = { check: 'Check', group: 'Platform', multi_platform: 'Multi-platform' } as const;

const HEAD: Record<IncidentEvent['event'], { word: string; tone: Tone }> = {
  'incident.opened': { word: '🔴 OPENED', tone: 'bad' },
  'incident.resolved': { word: '✅ RESOLVED', tone: 'good' },
  'incident.reminder': { word: '⏰ STILL OPEN', tone: 'warning' },
};

export function chatMessage(e: IncidentEvent, template?: CompiledWebhook['template']): ChatMessage {
  const i = e.incident;
  const head = HEAD[e.event];
  const reasons = (i.reasons.length > 0 ? i.reasons : [i.reason]).join(' → ');
  const facts: ChatMessage['facts'] = [
    ['Scope', `${SCOPE_TEXT[i.scope]} ${subject(i)}`],
    ['Reasons', reasons],
    ['Location', i.location],
    ['Started', new Date(i.startedAt).toISOString()],
    [e.event === 'incident.resolved' ? 'Lasted' : 'Open for', humanDuration(durationMs(e))],
  ];
  const cost = impactWords(i.impact, e.event === 'incident.resolved');
  if (cost) facts.push(['Impact', cost]);
  if (i.lastResult) facts.push(['Last result', [`HTTP ${i.lastResult.httpStatus}`, `${i.lastResult.durationMs} ms`, i.lastResult.error].filter(Boolean).join(', ')]);
  facts.push(['Incident', i.id]);
  return {
    title: template?.title ? renderMessageTemplate(template.title, e) : `${head.word}: ${SCOPE_TEXT[i.scope].toLowerCase()} ${subject(i)}`,
    text: template?.text ? renderMessageTemplate(template.text, e) : i.summary,
    tone: head.tone,
    facts,
  };
}
