/**
 * Microsoft Teams through a Workflows "When a Teams webhook request is received" webhook
 * (https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using):
 * a message whose one attachment is an Adaptive Card (https://adaptivecards.io/explorer/).
 */
import type { CompiledWebhook } from '../../config/types.js';
import type { IncidentEvent } from '../../incidents/types.js';
import type { FormattedRequest } from '../render.js';
import { chatMessage, type Tone } from './chat.js';
import { clip } from './limits.js';

export const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';
/** Teams takes messages up to about 28 KB: the title and text are kept well below. */
const TEAMS_LIMITS = { title: 256, text: 4000, fact: 1000 } as const;

const COLOR: Record<Tone, 'Attention' | 'Good' | 'Warning'> = { bad: 'Attention', good: 'Good', warning: 'Warning' };

export interface TeamsMessage {
  type: 'message';
  attachments: { contentType: typeof ADAPTIVE_CARD; contentUrl: null; content: Record<string, unknown> }[];
}

export function teamsMessage(e: IncidentEvent, template?: CompiledWebhook['template']): TeamsMessage {
  const m = chatMessage(e, template);
  return {
    type: 'message',
    attachments: [
      {
        contentType: ADAPTIVE_CARD,
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          msteams: { width: 'Full' },
          body: [
            { type: 'TextBlock', text: clip(m.title, TEAMS_LIMITS.title), size: 'Medium', weight: 'Bolder', color: COLOR[m.tone], wrap: true, style: 'heading' },
            { type: 'TextBlock', text: clip(m.text, TEAMS_LIMITS.text), wrap: true },
            { type: 'FactSet', facts: m.facts.map(([title, value]) => ({ title, value: clip(value, TEAMS_LIMITS.fact) })) },
          ],
        },
      },
    ],
  };
}

export function teamsRequest(e: IncidentEvent, hook: CompiledWebhook): FormattedRequest {
  return { url: hook.url, headers: {}, body: teamsMessage(e, hook.template) };
}
