/**
 * What one notification looks like on the wire for a webhook's `format`: the URL, the format's own
 * headers and the body. json and slack are the original two; pagerduty, opsgenie, teams and discord
 * follow those services' public APIs (formats/). The transport (outbox, retries) is the same for all.
 */
import type { CompiledWebhook } from '../config/types.js';
import type { OutboxEntry } from './outbox.js';
import { buildJsonBody, buildSlackBody } from './payload.js';
import { chatMessage } from './formats/chat.js';
import { discordRequest } from './formats/discord.js';
import { opsgenieRequest } from './formats/opsgenie.js';
import { pagerDutyRequest } from './formats/pagerduty.js';
import { teamsRequest } from './formats/teams.js';

export interface FormattedRequest {
  url: URL;
  /** Headers the format needs (e.g. Opsgenie's Authorization). */
  headers: Record<string, string>;
  /** Sent as JSON. */
  body: unknown;
}

function slackBody(entry: OutboxEntry, hook: CompiledWebhook): { text: string } {
  if (!hook.template) return buildSlackBody(entry.event);
  const m = chatMessage(entry.event, hook.template);
  return { text: [m.title, m.text].filter(Boolean).join('\n') };
}

export function formatRequest(hook: CompiledWebhook, entry: OutboxEntry, sentAt: Date): FormattedRequest {
  switch (hook.format) {
    case 'json':
      return { url: hook.url, headers: {}, body: buildJsonBody(entry.event, entry.deliveryId, sentAt) };
    case 'slack':
      return { url: hook.url, headers: {}, body: slackBody(entry, hook) };
    case 'pagerduty':
      return pagerDutyRequest(entry.event, hook);
    case 'opsgenie':
      return opsgenieRequest(entry.event, hook);
    case 'teams':
      return teamsRequest(entry.event, hook);
    case 'discord':
      return discordRequest(entry.event, hook);
  }
}
