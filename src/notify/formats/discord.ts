/**
 * Discord "Execute Webhook" (https://discord.com/developers/docs/resources/webhook#execute-webhook)
 * with one embed, within the embed limits
 * (https://discord.com/developers/docs/resources/message#embed-object-embed-limits): title 256,
 * description 4096, 25 fields of name 256 and value 1024, footer 2048, at most 10 embeds and 6000
 * characters across them all. Mentions are off: an incident text never pings anyone.
 */
import type { CompiledWebhook } from '../../config/types.js';
import type { IncidentEvent } from '../../incidents/types.js';
import type { FormattedRequest } from '../render.js';
import { chatMessage, type Tone } from './chat.js';
import { charCount, clip } from './limits.js';

export const DISCORD_LIMITS = { title: 256, description: 4096, fields: 25, fieldName: 256, fieldValue: 1024, footer: 2048, embeds: 10, total: 6000 } as const;

const COLOR: Record<Tone, number> = { bad: 0xed4245, good: 0x57f287, warning: 0xfee75c };

export interface DiscordEmbed {
  title: string;
  description: string;
  color: number;
  timestamp: string;
  fields: { name: string; value: string; inline: boolean }[];
  footer: { text: string };
}

export interface DiscordMessage {
  username: string;
  embeds: DiscordEmbed[];
  allowed_mentions: { parse: string[] };
}

/** The characters Discord counts against the 6000 of a message. */
export function embedChars(embeds: readonly DiscordEmbed[]): number {
  return embeds.reduce((n, x) => n + charCount(x.title) + charCount(x.description) + charCount(x.footer.text) + x.fields.reduce((f, y) => f + charCount(y.name) + charCount(y.value), 0), 0);
}

export function discordMessage(e: IncidentEvent, template?: CompiledWebhook['template']): DiscordMessage {
  const m = chatMessage(e, template);
  const embed: DiscordEmbed = {
    title: clip(m.title, DISCORD_LIMITS.title),
    description: '',
    color: COLOR[m.tone],
    timestamp: new Date(e.at).toISOString(),
    fields: m.facts.slice(0, DISCORD_LIMITS.fields).map(([name, value]) => ({ name: clip(name, DISCORD_LIMITS.fieldName), value: clip(value || '-', DISCORD_LIMITS.fieldValue), inline: name !== 'Incident' && name !== 'Last result' })),
    footer: { text: clip(`Outpost · ${e.incident.location}`, DISCORD_LIMITS.footer) },
  };
  // The description takes what the 6000 leave.
  const room = DISCORD_LIMITS.total - embedChars([embed]);
  embed.description = clip(m.text, Math.max(1, Math.min(DISCORD_LIMITS.description, room)));
  return { username: 'Outpost', embeds: [embed], allowed_mentions: { parse: [] } };
}

export function discordRequest(e: IncidentEvent, hook: CompiledWebhook): FormattedRequest {
  return { url: hook.url, headers: {}, body: discordMessage(e, hook.template) };
}
