/**
 * One `webhooks:` entry, compiled: default URLs of the paging services, the keys each format
 * needs, the Standard Webhooks secret, message templates checked against the allowed fields.
 * Problems are reported at their path (`webhooks[2].routingKey`) like schema errors.
 */
import type { RawConfig } from './schema.js';
import type { CompiledWebhook, ConfigIssue } from './types.js';
import { parseDuration } from './units.js';
import { compileMessageTemplate, TEMPLATE_FIELDS, type MessageTemplate } from '../notify/message-template.js';
import { OPSGENIE_URL } from '../notify/formats/opsgenie.js';
import { PAGERDUTY_URL } from '../notify/formats/pagerduty.js';
import { standardWebhookKey, STANDARD_SECRET_BYTES } from '../notify/standard-webhooks.js';

const DEFAULT_URL: Partial<Record<CompiledWebhook['format'], string>> = { pagerduty: PAGERDUTY_URL, opsgenie: OPSGENIE_URL };
/** The formats whose message is text for people, which a template may word. */
const CHAT_FORMATS: ReadonlySet<string> = new Set(['slack', 'teams', 'discord']);

type RawWebhook = NonNullable<RawConfig['webhooks']>[number];

export function compileWebhook(w: RawWebhook, path: string, issues: ConfigIssue[], addSecret: (s: string | undefined) => void): CompiledWebhook {
  addSecret(w.secret);
  addSecret(w.routingKey);
  addSecret(w.apiKey);
  for (const [k, v] of Object.entries(w.headers ?? {})) if (/authorization|token|key|secret/i.test(k)) addSecret(v.replace(/^(Bearer|Basic)\s+/i, ''));
  const rawUrl = w.url ?? DEFAULT_URL[w.format];
  if (!rawUrl) issues.push({ path: `${path}.url`, message: `format: ${w.format} needs a url` });
  const url = new URL(rawUrl ?? 'http://invalid.invalid/');
  if (url.username || url.password) addSecret(decodeURIComponent(url.password));

  const needs = (key: 'routingKey' | 'apiKey', format: string) => {
    if (w.format === format && !w[key]) issues.push({ path: `${path}.${key}`, message: `format: ${format} needs ${key}` });
    if (w.format !== format && w[key]) issues.push({ path: `${path}.${key}`, message: `${key} is for format: ${format} only` });
  };
  needs('routingKey', 'pagerduty');
  needs('apiKey', 'opsgenie');

  if (w.signing === 'standard' && !(w.secret && standardWebhookKey(w.secret))) {
    issues.push({
      path: `${path}.secret`,
      message: `signing: standard needs a secret of the form whsec_<base64 of ${STANDARD_SECRET_BYTES.min} to ${STANDARD_SECRET_BYTES.max} random bytes> (e.g. "whsec_" + \`openssl rand -base64 32\`)`,
    });
  }

  let template: CompiledWebhook['template'];
  if (w.template) {
    if (!CHAT_FORMATS.has(w.format)) issues.push({ path: `${path}.template`, message: `template is for the chat formats (slack, teams, discord), not ${w.format}` });
    template = {};
    for (const key of ['title', 'text'] as const) {
      const text = w.template[key];
      if (text === undefined) continue;
      const c = compileMessageTemplate(text);
      if ('unknown' in c) issues.push({ path: `${path}.template.${key}`, message: `unknown field ${c.unknown.map((f) => `{{${f}}}`).join(', ')}; allowed: ${TEMPLATE_FIELDS.map((f) => `{{${f}}}`).join(' ')}` });
      else template[key] = c.template as MessageTemplate;
    }
  }

  return {
    name: w.name,
    url,
    secret: w.secret,
    format: w.format,
    ...(w.routingKey ? { routingKey: w.routingKey } : {}),
    ...(w.apiKey ? { apiKey: w.apiKey } : {}),
    ...(w.signing === 'standard' ? { signing: 'standard' as const } : {}),
    ...(template ? { template } : {}),
    events: w.events ? new Set(w.events) : undefined,
    groups: w.groups ? new Set(w.groups) : undefined,
    scopes: w.scopes ? new Set(w.scopes) : undefined,
    timeoutMs: parseDuration(w.timeout ?? '10s')!,
    retries: w.retries ?? 12,
    queueSize: w.queueSize ?? 1000,
    headers: w.headers ?? {},
  };
}
