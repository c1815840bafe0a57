import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildJsonBody, buildSlackBody, humanDuration, sign } from '../../src/notify/payload.js';
import { admit, matches } from '../../src/notify/queue.js';
import { backoffMs, classifyStatus, parseRetryAfter, retryDelayMs, DEFAULT_BACKOFF } from '../../src/notify/retry.js';
import type { OutboxEntry } from '../../src/notify/outbox.js';
import { parseOutbox, snapshot } from '../../src/notify/outbox.js';
import { event, groupIncident, incident, multiIncident, T0 } from './fixtures.js';

const sentAt = new Date('2024-03-05T15:21:07.120Z');

describe('buildJsonBody', () => {
  it('matches the SPEC example for a check incident', () => {
    const body = buildJsonBody(event('incident.opened', incident({ impact: { unit: 'USD', perMinute: 1200, estimated: 72000 } })), '6f1c-id', sentAt);
    expect(body).toEqual({
      version: '1',
      event: 'incident.opened',
      deliveryId: '6f1c-id',
      sentAt: '2024-03-05T15:21:07.120Z',
      incident: {
        id: 'check:facebook/web/session@' + T0,
        scope: 'check',
        status: 'open',
        group: 'facebook',
        endpoint: 'web',
        check: 'session',
        groups: ['facebook'],
        reason: 'forced_logout',
        reasons: ['forced_logout'],
        summary: 'facebook/web: session rejected, users are being logged out',
        location: 'eu-west',
        startedAt: '2024-03-05T15:20:07.000Z',
        resolvedAt: null,
        durationSeconds: 60,
        lastResult: { httpStatus: 401, durationMs: 84, error: 'redirected to /login' },
        impact: { unit: 'USD', perMinute: 1200, estimated: 72000 },
      },
    });
    expect(body.incident).not.toHaveProperty('timeline');
  });

  it('carries the cause first in reasons and the story in summary (the SPEC example: logged out, then refused logins)', () => {
    const e = event('incident.opened', incident({ reason: 'login_rejected', reasons: ['forced_logout', 'login_rejected'], summary: 'facebook/web: users are logged out and cannot log back in' }));
    const body = buildJsonBody(e, 'd', sentAt);
    expect(body.incident).toMatchObject({ reason: 'login_rejected', reasons: ['forced_logout', 'login_rejected'], summary: 'facebook/web: users are logged out and cannot log back in' });
    expect(buildSlackBody(e).text).toContain('`forced_logout` → `login_rejected`');
  });

  it('nulls endpoint and check for a group incident, and group too for a multi-platform one', () => {
    const g = buildJsonBody(event('incident.opened', groupIncident({ endpoint: 'web', check: 'feed' })), 'd', sentAt).incident;
    expect([g.scope, g.group, g.endpoint, g.check, g.groups]).toEqual(['group', 'instagram', null, null, ['instagram']]);
    const m = buildJsonBody(event('incident.opened', multiIncident({ group: 'facebook' })), 'd', sentAt).incident;
    expect([m.scope, m.group, m.endpoint, m.check, m.groups]).toEqual(['multi_platform', null, null, null, ['facebook', 'instagram', 'threads']]);
  });

  it('gives a resolved incident its resolvedAt and its whole duration; lastResult may be null', () => {
    const b = buildJsonBody(event('incident.resolved', incident({ lastResult: null })), 'd', sentAt);
    expect(b.incident.status).toBe('resolved');
    expect(b.incident.resolvedAt).toBe('2024-03-05T15:22:17.000Z');
    expect(b.incident.durationSeconds).toBe(130);
    expect(b.incident.lastResult).toBeNull();
  });
});

describe('buildSlackBody', () => {
  it('writes one readable line per event', () => {
    expect(buildSlackBody(event('incident.opened')).text).toBe(
      '🔴 OPENED check facebook/web/session: facebook/web: session rejected, users are being logged out (`forced_logout`, from eu-west)',
    );
    expect(buildSlackBody(event('incident.resolved', multiIncident())).text).toMatch(/^✅ RESOLVED multi-platform facebook \+ instagram \+ threads: .* after 2m 10s$/);
    expect(buildSlackBody(event('incident.reminder', groupIncident(), T0 + 3_900_000)).text).toMatch(/^⏰ STILL OPEN platform instagram: .* for 1h 5m$/);
  });

  it('humanDuration keeps the two largest units', () => {
    expect([humanDuration(0), humanDuration(45_000), humanDuration(130_000), humanDuration(3_600_000), humanDuration(90_061_000)]).toEqual(['0s', '45s', '2m 10s', '1h', '1d 1h']);
  });
});

describe('sign', () => {
  it('is sha256=<hex HMAC> of the raw body', () => {
    const raw = JSON.stringify(buildJsonBody(event('incident.opened'), 'd', sentAt));
    expect(sign('s3cret', raw)).toBe('sha256=' + createHmac('sha256', 's3cret').update(raw).digest('hex'));
    expect(sign('s3cret', raw)).not.toBe(sign('other', raw));
  });
});

describe('retry rules', () => {
  it('classifies answers: 2xx delivered, 408/429/5xx retried, other 4xx final', () => {
    const kinds = [200, 204, 408, 429, 500, 503, 400, 404, 410, 301].map((s) => classifyStatus(s, undefined, 0).kind);
    expect(kinds).toEqual(['delivered', 'delivered', 'retry', 'retry', 'retry', 'retry', 'final', 'final', 'final', 'final']);
  });

  it('reads Retry-After as seconds or an HTTP date, and caps it', () => {
    const now = Date.parse('2024-03-05T15:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('Tue, 05 Mar 2024 15:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(undefined, now)).toBeNull();
    const o = { ...DEFAULT_BACKOFF, maxRetryAfterMs: 60_000 };
    expect(retryDelayMs(classifyStatus(429, '7', now), 1, o, () => 0.5)).toBe(7000);
    expect(retryDelayMs(classifyStatus(503, '86400', now), 1, o, () => 0.5)).toBe(60_000);
  });

  it('backs off exponentially with full jitter, capped', () => {
    const o = { minMs: 1000, maxMs: 300_000, factor: 2, maxRetryAfterMs: 0 };
    expect([1, 2, 3, 4].map((n) => backoffMs(n, o, () => 0.999999))).toEqual([999, 1999, 3999, 7999]);
    expect(backoffMs(30, o, () => 0.999999)).toBe(299_999);
    expect(backoffMs(5, o, () => 0)).toBe(0);
  });
});

describe('queue policy', () => {
  const entry = (name: Parameters<typeof event>[0], id: string): OutboxEntry => ({ webhook: 'w', deliveryId: id, event: event(name), attempts: 0, enqueuedAt: 0 });
  const ids = (q: OutboxEntry[]) => q.map((x) => x.deliveryId);

  it('drops the oldest reminder that is not in flight, never an opened or resolved', () => {
    const q = [entry('incident.reminder', 'r0'), entry('incident.opened', 'o1'), entry('incident.reminder', 'r1')];
    const a = admit(q, entry('incident.resolved', 'x'), 3, 1);
    expect(ids(a.queue)).toEqual(['r0', 'o1', 'x']);
    expect(a.dropped?.deliveryId).toBe('r1');
    const b = admit(a.queue, entry('incident.reminder', 'r2'), 3, 1);
    expect(ids(b.queue)).toEqual(['r0', 'o1', 'x']);
    expect(b.dropped?.deliveryId).toBe('r2');
    const c = admit(b.queue, entry('incident.opened', 'o2'), 3, 1);
    expect(ids(c.queue)).toEqual(['r0', 'o1', 'x', 'o2']);
    expect(c.dropped).toBeNull();
  });

  it('filters by events, scopes and any of the incident groups', () => {
    const w = { events: new Set(['incident.opened']), groups: new Set(['instagram']), scopes: new Set(['group', 'multi_platform']) };
    expect(matches(w, event('incident.opened', multiIncident()))).toBe(true);
    expect(matches(w, event('incident.opened', groupIncident()))).toBe(true);
    expect(matches(w, event('incident.resolved', groupIncident()))).toBe(false);
    expect(matches(w, event('incident.opened', groupIncident({ groups: ['threads'] })))).toBe(false);
    expect(matches(w, event('incident.opened', incident({ groups: ['instagram'] })))).toBe(false);
    expect(matches({}, event('incident.reminder'))).toBe(true);
  });
});

describe('outbox entries', () => {
  it('snapshots drop the timeline and survive JSON; malformed entries are skipped', () => {
    const e = snapshot(event('incident.opened'));
    expect(e.incident.timeline).toEqual([]);
    const good: OutboxEntry = { webhook: 'w', deliveryId: 'id-1', event: e, attempts: 3, enqueuedAt: T0 };
    const { entries, skipped } = parseOutbox(JSON.parse(JSON.stringify([good, { webhook: 'w' }, 42, { ...good, event: { ...e, event: 'nope' } }])));
    expect(entries).toEqual([good]);
    expect(skipped).toBe(3);
    expect(parseOutbox(null)).toEqual({ entries: [], skipped: 0 });
    expect(parseOutbox({ not: 'a list' }).entries).toEqual([]);
  });
});
