import { describe, expect, it } from 'vitest';
import { formatAmount, impactWords } from '../../src/impact/format.js';
import { buildJsonBody, buildSlackBody } from '../../src/notify/payload.js';
import { renderStatusPage } from '../../src/server/status-page.js';
import type { StatusDoc } from '../../src/server/status.js';
import { event, incident, multiIncident } from '../notify/fixtures.js';

const sentAt = new Date('2024-03-05T17:21:00.000Z');
const HOUR = 3_600_000;

describe('impact on the surfaces people read', () => {
  it('JSON webhooks carry impact, to the cent, and null when no group is priced', () => {
    const open = buildJsonBody(event('incident.opened', multiIncident({ impact: { unit: 'USD', perMinute: 2150, estimated: 14_400.004 } })), 'd', sentAt);
    expect(open.incident.impact).toEqual({ unit: 'USD', perMinute: 2150, estimated: 14_400 });
    expect(buildJsonBody(event('incident.opened', incident()), 'd', sentAt).incident.impact).toBeNull();
    expect(buildJsonBody(event('incident.opened', incident({ impact: null })), 'd', sentAt).incident.impact).toBeNull();
  });

  it('Slack says the cost so far on opened and reminders, and the cost over the duration on resolution', () => {
    const impact = { unit: 'USD', perMinute: 1200, estimated: 14_400 };
    expect(buildSlackBody(event('incident.opened', incident({ impact }))).text).toMatch(/; ≈ \$14,400 so far$/);
    expect(buildSlackBody(event('incident.reminder', incident({ impact }))).text).toMatch(/for 1m; ≈ \$14,400 so far$/);
    const start = Date.parse('2024-03-05T15:20:00Z');
    const resolved = incident({ status: 'resolved', startedAt: start, resolvedAt: start + 2 * HOUR, impact: { ...impact, estimated: 144_000 } });
    expect(buildSlackBody({ event: 'incident.resolved', incident: resolved, at: start + 2 * HOUR }).text).toMatch(/cost ≈ \$144,000 over 2h$/);
    expect(buildSlackBody(event('incident.opened', incident())).text).not.toContain('≈');
  });

  it('formats currencies with their sign and other units by name', () => {
    expect(formatAmount(144_000, 'USD')).toBe('$144,000');
    expect(formatAmount(1250.5, 'EUR')).toBe('€1,251');
    expect(formatAmount(12.345, 'GBP')).toBe('£12.35');
    expect(formatAmount(315.2, 'orders')).toBe('315 orders');
    expect(impactWords({ unit: 'orders', perMinute: 3.5, estimated: 42.5 }, true)).toBe('cost ≈ 42.5 orders');
    expect(impactWords(null, false)).toBeNull();
  });

  it('the status page states the cost of open and resolved incidents', () => {
    const now = Date.parse('2024-03-05T17:20:00Z');
    const open = multiIncident({ impact: { unit: 'USD', perMinute: 2150, estimated: 14_400 } });
    const done = incident({ id: 'r1', status: 'resolved', resolvedAt: now - 60_000, impact: { unit: 'USD', perMinute: 1200, estimated: 144_000 } });
    const doc: StatusDoc = { location: 'eu-west', generatedAt: new Date(now).toISOString(), groups: [] };
    const html = renderStatusPage(doc, { open: [open], recent: [done] }, now);
    expect(html).toContain('<span class="impact">≈ $14,400 so far</span>');
    expect(html).toContain('<span class="impact">cost ≈ $144,000</span>');
  });
});
