/**
 * The native formats' bodies (PagerDuty, Opsgenie, Teams, Discord), their size limits, message
 * templates, Standard Webhooks signing verified with the `standardwebhooks` package, and the
 * config keys of the formats.
 */
import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { discordMessage, embedChars, DISCORD_LIMITS } from '../../src/notify/formats/discord.js';
import { opsgenieRequest } from '../../src/notify/formats/opsgenie.js';
import { pagerDutyEvent, PAGERDUTY_URL } from '../../src/notify/formats/pagerduty.js';
import { ADAPTIVE_CARD, teamsMessage } from '../../src/notify/formats/teams.js';
import { compileMessageTemplate, renderMessageTemplate, type MessageTemplate } from '../../src/notify/message-template.js';
import { formatRequest } from '../../src/notify/render.js';
import { standardWebhookHeaders } from '../../src/notify/standard-webhooks.js';
import type { CompiledWebhook } from '../../src/config/types.js';
import type { IncidentEvent } from '../../src/incidents/types.js';
import { compiled, issuesOf, MINIMAL } from '../config/helpers.js';
import { event, groupIncident, harness, incident, multiIncident, newMetrics, FAST, T0, webhook } from './fixtures.js';
import { waitFor } from '../support/wait.js';

const { receiver, notifier } = harness();
const SECRET = 'whsec_' + Buffer.alloc(32, 7).toString('base64');
const entry = (e: IncidentEvent) => ({ webhook: 'w', deliveryId: 'd-1', event: e, attempts: 0, enqueuedAt: T0 });
const tpl = (text: string): MessageTemplate => {
  const c = compileMessageTemplate(text);
  if (!('template' in c)) throw new Error(`bad template ${text}`);
  return c.template;
};
const longSummary = 'the feed loads but nothing new appears; '.repeat(400);

describe('pagerduty', () => {
  it('triggers with dedup_key = incident id, severity from scope, details with reasons and location; resolves the same key', () => {
    const inc = incident({ reasons: ['forced_logout', 'login_rejected'], reason: 'login_rejected' });
    const t = pagerDutyEvent(event('incident.opened', inc), 'R0UTING');
    expect(t).toMatchObject({
      routing_key: 'R0UTING',
      event_action: 'trigger',
      dedup_key: inc.id,
      payload: {
        severity: 'warning',
        source: 'outpost eu-west',
        class: 'login_rejected',
        timestamp: '2024-03-05T15:20:07.000Z',
        custom_details: { reasons: ['forced_logout', 'login_rejected'], location: 'eu-west', scope: 'check' },
      },
    });
    expect(t.payload!.summary).toContain(inc.summary);
    expect(pagerDutyEvent(event('incident.resolved', inc), 'R0UTING')).toEqual({ routing_key: 'R0UTING', event_action: 'resolve', dedup_key: inc.id });
    expect(pagerDutyEvent(event('incident.opened', groupIncident()), 'k').payload!.severity).toBe('error');
    expect(pagerDutyEvent(event('incident.opened', multiIncident()), 'k').payload!.severity).toBe('critical');
    expect(pagerDutyEvent(event('incident.reminder', inc), 'k').event_action).toBe('trigger');
  });

  it('keeps summary ≤ 1024 and dedup_key ≤ 255, the same key for the resolve; impact when the incident has one', () => {
    const id = 'check:' + 'x'.repeat(400) + '@' + T0;
    const inc = { ...incident({ id, summary: longSummary }), impact: { unit: 'USD', perMinute: 10, estimated: 20 } };
    const t = pagerDutyEvent(event('incident.opened', inc), 'k');
    expect(Array.from(t.payload!.summary).length).toBeLessThanOrEqual(1024);
    expect(t.dedup_key.length).toBeLessThanOrEqual(255);
    expect(pagerDutyEvent(event('incident.resolved', inc), 'k').dedup_key).toBe(t.dedup_key);
    expect(t.payload!.custom_details.impact).toEqual({ unit: 'USD', perMinute: 10, estimated: 20 });
    expect(pagerDutyEvent(event('incident.opened', incident()), 'k').payload!.custom_details).not.toHaveProperty('impact');
  });
});

describe('opsgenie', () => {
  const hook = webhook('og', 'https://api.eu.opsgenie.com', { format: 'opsgenie', apiKey: 'genie-123' });

  it('creates with alias = incident id and GenieKey auth; closes and notes by alias', () => {
    const inc = incident();
    const create = opsgenieRequest(event('incident.opened', inc), hook);
    expect(create.url.href).toBe('https://api.eu.opsgenie.com/v2/alerts');
    expect(create.headers).toEqual({ authorization: 'GenieKey genie-123' });
    expect(create.body).toMatchObject({ alias: inc.id, priority: 'P3', entity: 'facebook/web/session', details: { location: 'eu-west', reasons: 'forced_logout' } });
    const close = opsgenieRequest(event('incident.resolved', inc), hook);
    expect(close.url.pathname).toBe(`/v2/alerts/${encodeURIComponent(inc.id)}/close`);
    expect(close.url.searchParams.get('identifierType')).toBe('alias');
    expect(decodeURIComponent(close.url.pathname.split('/')[3]!)).toBe(inc.id);
    const note = opsgenieRequest(event('incident.reminder', inc), hook);
    expect(note.url.pathname).toBe(`/v2/alerts/${encodeURIComponent(inc.id)}/notes`);
    expect((note.body as { note: string }).note).toMatch(/^Still open after 1m: /);
    expect((opsgenieRequest(event('incident.opened', multiIncident()), hook).body as { priority: string }).priority).toBe('P1');
  });

  it('keeps message ≤ 130 characters', () => {
    const body = opsgenieRequest(event('incident.opened', incident({ summary: longSummary })), hook).body as { message: string; description: string };
    expect(Array.from(body.message).length).toBeLessThanOrEqual(130);
    expect(body.message.endsWith('…')).toBe(true);
    expect(body.description.length).toBeLessThanOrEqual(15000);
    const many = multiIncident({ groups: Array.from({ length: 30 }, (_, n) => `platform-${n}-${'x'.repeat(60)}`) });
    const wide = opsgenieRequest(event('incident.opened', many), hook).body as { tags: string[]; entity: string };
    expect(wide.tags.length).toBeLessThanOrEqual(20);
    for (const t of wide.tags) expect(Array.from(t).length).toBeLessThanOrEqual(50);
    expect(Array.from(wide.entity).length).toBeLessThanOrEqual(512);
  });
});

describe('teams', () => {
  it('posts a message with one Adaptive Card: title, text and facts', () => {
    const m = teamsMessage(event('incident.opened'));
    expect(m.type).toBe('message');
    expect(m.attachments).toHaveLength(1);
    const a = m.attachments[0]!;
    expect(a.contentType).toBe(ADAPTIVE_CARD);
    expect(a.content).toMatchObject({ type: 'AdaptiveCard', version: '1.4', $schema: 'http://adaptivecards.io/schemas/adaptive-card.json' });
    const body = a.content.body as { type: string; text?: string; color?: string; facts?: { title: string; value: string }[] }[];
    expect(body.map((b) => b.type)).toEqual(['TextBlock', 'TextBlock', 'FactSet']);
    expect(body[0]).toMatchObject({ text: '🔴 OPENED: check facebook/web/session', color: 'Attention' });
    expect(body[1]!.text).toBe(incident().summary);
    expect(body[2]!.facts!.map((f) => f.title)).toEqual(['Scope', 'Reasons', 'Location', 'Started', 'Open for', 'Last result', 'Incident']);
    expect((teamsMessage(event('incident.resolved')).attachments[0]!.content.body as { color: string }[])[0]!.color).toBe('Good');
  });
});

describe('discord', () => {
  it('posts one embed that mentions no one, within the limits even for a very long summary', () => {
    const m = discordMessage(event('incident.opened', incident({ summary: longSummary })));
    expect(m.allowed_mentions).toEqual({ parse: [] });
    expect(m.embeds.length).toBeLessThanOrEqual(DISCORD_LIMITS.embeds);
    const e = m.embeds[0]!;
    expect(e.title).toBe('🔴 OPENED: check facebook/web/session');
    expect(Array.from(e.description).length).toBeLessThanOrEqual(4096);
    expect(embedChars(m.embeds)).toBeLessThanOrEqual(6000);
    for (const f of e.fields) expect(f.value.length).toBeGreaterThan(0);
    expect(e.color).toBe(0xed4245);
    const huge = discordMessage(event('incident.opened', incident({ id: 'i'.repeat(5000), summary: longSummary })), { title: tpl('x'.repeat(600)) });
    expect(Array.from(huge.embeds[0]!.title).length).toBeLessThanOrEqual(256);
    expect(embedChars(huge.embeds)).toBeLessThanOrEqual(6000);
  });
});

describe('chat formats and impact', () => {
  it('Teams and Discord state the estimated cost so far, and what it cost once resolved', () => {
    const priced = incident({ impact: { unit: 'USD', perMinute: 1200, estimated: 14_400 } });
    const field = (e: IncidentEvent) => discordMessage(e).embeds[0]!.fields.find((f) => f.name === 'Impact')?.value;
    expect(field(event('incident.opened', priced))).toBe('≈ $14,400 so far');
    expect(field(event('incident.resolved', priced))).toBe('cost ≈ $14,400');
    expect(JSON.stringify(teamsMessage(event('incident.opened', priced)))).toContain('≈ $14,400 so far');
    expect(field(event('incident.opened', incident()))).toBeUndefined();
  });
});

describe('message templates', () => {
  it('fills {{incident.field}} and {{event}}', () => {
    const t = tpl('[{{ event }}] {{incident.subject}} from {{incident.location}}: {{incident.reasons}} for {{incident.duration}}');
    expect(renderMessageTemplate(t, event('incident.opened', incident({ reasons: ['forced_logout', 'login_rejected'] })))).toBe(
      '[incident.opened] facebook/web/session from eu-west: forced_logout → login_rejected for 1m',
    );
  });

  it('words slack, teams and discord messages', () => {
    const template = { title: tpl('{{incident.group}} is down'), text: tpl('Cause: {{incident.reason}}') };
    const hook = (format: CompiledWebhook['format']) => webhook('w', 'http://127.0.0.1:1/hook', { format, template });
    const e = event('incident.opened');
    expect(formatRequest(hook('slack'), entry(e), new Date()).body).toEqual({ text: 'facebook is down\nCause: forced_logout' });
    const card = (formatRequest(hook('teams'), entry(e), new Date()).body as ReturnType<typeof teamsMessage>).attachments[0]!.content.body as { text: string }[];
    expect([card[0]!.text, card[1]!.text]).toEqual(['facebook is down', 'Cause: forced_logout']);
    const embed = (formatRequest(hook('discord'), entry(e), new Date()).body as ReturnType<typeof discordMessage>).embeds[0]!;
    expect([embed.title, embed.description]).toEqual(['facebook is down', 'Cause: forced_logout']);
  });

  it('refuses unknown fields at load, naming the allowed ones', () => {
    expect(compileMessageTemplate('{{incident.password}} {{incident.summary}} {{env.HOME}}')).toEqual({ unknown: ['incident.password', 'env.HOME'] });
    const lines = issuesOf(`${MINIMAL}webhooks:\n  - { name: chat, url: "http://127.0.0.1:1/h", format: discord, template: { title: "{{incident.nope}} down" } }\n`);
    expect(lines.find((l) => l.startsWith('webhooks[0].template.title: unknown field {{incident.nope}}; allowed: {{event}} {{incident.id}}'))).toBeDefined();
    expect(issuesOf(`${MINIMAL}webhooks:\n  - { name: j, url: "http://127.0.0.1:1/h", template: { title: x } }\n`)).toContain(
      'webhooks[0].template: template is for the chat formats (slack, teams, discord), not json',
    );
  });
});

describe('config of the formats', () => {
  it('defaults the PagerDuty and Opsgenie URLs, takes keys from ${ENV} and redacts them', () => {
    const c = compiled(
      `${MINIMAL}webhooks:\n  - { name: pd, format: pagerduty, routingKey: "\${PD_KEY}" }\n  - { name: og, format: opsgenie, apiKey: "\${OG_KEY}" }\n  - { name: og-eu, format: opsgenie, apiKey: k-eu-123, url: "https://api.eu.opsgenie.com" }\n`,
      { PD_KEY: 'pd-routing-key-1', OG_KEY: 'og-api-key-1' },
    );
    const [pd, og, eu] = c.webhooks;
    expect([pd!.url.href, pd!.routingKey]).toEqual([PAGERDUTY_URL, 'pd-routing-key-1']);
    expect([og!.url.href, og!.apiKey]).toEqual(['https://api.opsgenie.com/', 'og-api-key-1']);
    expect(eu!.url.host).toBe('api.eu.opsgenie.com');
    expect(c.secrets).toEqual(expect.arrayContaining(['pd-routing-key-1', 'og-api-key-1', 'k-eu-123']));
  });

  it('names what a format is missing', () => {
    const hooks = (yaml: string) => issuesOf(`${MINIMAL}webhooks:\n${yaml}`);
    expect(hooks('  - { name: pd, format: pagerduty }\n')).toContain('webhooks[0].routingKey: format: pagerduty needs routingKey');
    expect(hooks('  - { name: og, format: opsgenie }\n')).toContain('webhooks[0].apiKey: format: opsgenie needs apiKey');
    expect(hooks('  - { name: t, format: teams }\n')).toContain('webhooks[0].url: format: teams needs a url');
    expect(hooks('  - { name: d, format: discord, url: "http://127.0.0.1:1/x", routingKey: abc }\n')).toContain('webhooks[0].routingKey: routingKey is for format: pagerduty only');
    expect(hooks('  - { name: x, format: fax, url: "http://127.0.0.1:1/x" }\n')[0]).toMatch(/^webhooks\[0\]\.format: /);
    expect(hooks('  - { name: s, url: "http://127.0.0.1:1/x", signing: standard, secret: not-a-whsec }\n')[0]).toMatch(/^webhooks\[0\]\.secret: signing: standard needs a secret of the form whsec_/);
    expect(hooks(`  - { name: s, url: "http://127.0.0.1:1/x", signing: standard, secret: "whsec_${Buffer.alloc(8).toString('base64')}" }\n`)[0]).toMatch(/^webhooks\[0\]\.secret: /);
    expect(compiled(`${MINIMAL}webhooks:\n  - { name: s, url: "http://127.0.0.1:1/x", signing: standard, secret: "${SECRET}" }\n`).webhooks[0]!.signing).toBe('standard');
  });
});

describe('Standard Webhooks signing', () => {
  it('signs id.timestamp.body so that the standardwebhooks package verifies it', () => {
    const body = '{"hello":"world"}';
    const now = Date.now();
    const h = standardWebhookHeaders(SECRET, 'msg-1', now, body);
    expect(h['webhook-id']).toBe('msg-1');
    expect(h['webhook-timestamp']).toBe(String(Math.floor(now / 1000)));
    expect(h['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(SECRET).verify(body, h)).toEqual({ hello: 'world' });
    expect(() => new Webhook(SECRET).verify(body.replace('world', 'there'), h)).toThrow(/signature/i);
  });

  it('delivered with signing: standard: webhook-id is the delivery id on every retry; verified; no X-Outpost-Signature-256', async () => {
    const r = await receiver(503);
    const n = notifier({ webhooks: [webhook('std', r.url, { secret: SECRET, signing: 'standard' })], metrics: newMetrics(), ...FAST });
    n.enqueue(event('incident.opened'));
    await waitFor(() => r.requests.length >= 2, 'two refused attempts');
    await r.setMode(200);
    await waitFor(() => r.delivered().length === 1, 'delivered');
    const ids = new Set(r.requests.map((q) => q.headers['webhook-id']));
    expect(ids.size).toBe(1);
    const req = r.delivered()[0]!;
    expect(req.headers['webhook-id']).toBe(req.headers['x-outpost-delivery']);
    expect(req.headers['x-outpost-signature-256']).toBeUndefined();
    const verified = new Webhook(SECRET).verify(req.body, req.headers as Record<string, string>) as { deliveryId: string };
    expect(verified.deliveryId).toBe(req.headers['webhook-id']);
  });

  it('a delivery replayed outside the 5-minute window is refused by the verifier', async () => {
    const r = await receiver(200);
    const sixMinutesAgo = () => Date.now() - 6 * 60_000;
    const n = notifier({ webhooks: [webhook('std', r.url, { secret: SECRET, signing: 'standard' })], metrics: newMetrics(), now: sixMinutesAgo, ...FAST });
    n.enqueue(event('incident.opened'));
    await waitFor(() => r.delivered().length === 1, 'delivered');
    const req = r.delivered()[0]!;
    expect(Number(req.headers['webhook-timestamp'])).toBeLessThan(Date.now() / 1000 - 300);
    expect(() => new Webhook(SECRET).verify(req.body, req.headers as Record<string, string>)).toThrow(/too old/i);
    // The same request, re-signed now, passes: only the age was wrong.
    const fresh = standardWebhookHeaders(SECRET, String(req.headers['webhook-id']), Date.now(), req.body);
    expect(() => new Webhook(SECRET).verify(req.body, fresh)).not.toThrow();
  });
});
