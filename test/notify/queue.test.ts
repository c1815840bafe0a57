/** The notifier's queues: overflow, filters, outbox and restore, drain, reconfigure, robustness. */
import { describe, expect, it } from 'vitest';
import { type Receiver } from '../support/receiver.js';
import { captureLogger, harness, deliveries, event, FAST, groupIncident, incident, multiIncident, newMetrics, parse, queueDepth, webhook } from './fixtures.js';
import { waitFor } from '../support/wait.js';

const { receiver, notifier, onCleanup } = harness();
const events = (r: Receiver) => r.delivered().map((q) => `${parse(q.body).event}:${parse(q.body).incident.id}`);

describe('queue overflow', () => {
  it('drops reminders (oldest first, counted) and keeps every opened and resolved beyond the bound', async () => {
    const r = await receiver('hang');
    const metrics = newMetrics();
    const n = notifier({ webhooks: [webhook('ops', r.url, { queueSize: 3 })], metrics, ...FAST });
    const a = incident({ id: 'A' });
    const b = incident({ id: 'B' });
    n.enqueue(event('incident.opened', a));
    await waitFor(() => r.requests.length === 1, 'first notification in flight');
    n.enqueue(event('incident.reminder', a, 1)); // queue: openedA*, rem1
    n.enqueue(event('incident.reminder', a, 2)); // full: openedA*, rem1, rem2
    n.enqueue(event('incident.resolved', a)); // drops rem1
    n.enqueue(event('incident.opened', b)); // drops rem2
    n.enqueue(event('incident.reminder', b)); // no reminder to give up: this one is dropped
    n.enqueue(event('incident.resolved', b)); // beyond the bound
    expect(await deliveries(metrics, 'ops', 'dropped')).toBe(3);
    expect(await queueDepth(metrics, 'ops')).toBe(4);
    expect(n.outbox().map((x) => `${x.event.event}:${x.event.incident.id}`)).toEqual(['incident.opened:A', 'incident.resolved:A', 'incident.opened:B', 'incident.resolved:B']);

    await r.setMode(200);
    r.release(200);
    await waitFor(() => r.delivered().length === 4 && n.outbox().length === 0, 'four delivered');
    expect(events(r)).toEqual(['incident.opened:A', 'incident.resolved:A', 'incident.opened:B', 'incident.resolved:B']);
    expect(await deliveries(metrics, 'ops', 'success')).toBe(4);
    expect(await queueDepth(metrics, 'ops')).toBe(0);
  });
});

describe('filters', () => {
  it('sends each webhook only the events, groups and scopes it asked for', async () => {
    const all = await receiver();
    const picky = await receiver();
    const n = notifier({
      webhooks: [
        webhook('all', all.url),
        webhook('picky', picky.url, { events: new Set(['incident.opened']), groups: new Set(['instagram']), scopes: new Set(['group', 'multi_platform']) }),
      ],
      metrics: newMetrics(),
      ...FAST,
    });
    const sent = [
      event('incident.opened', incident({ id: 'fb-check' })),
      event('incident.opened', groupIncident({ id: 'ig-group' })),
      event('incident.reminder', groupIncident({ id: 'ig-group' })),
      event('incident.opened', incident({ id: 'ig-check', group: 'instagram', groups: ['instagram'] })),
      event('incident.opened', multiIncident({ id: 'multi' })),
      event('incident.opened', groupIncident({ id: 'th-group', group: 'threads', groups: ['threads'] })),
      event('incident.resolved', groupIncident({ id: 'ig-group' })),
    ];
    for (const e of sent) n.enqueue(e);
    await waitFor(() => all.delivered().length === sent.length && n.outbox().length === 0, 'all sent');
    expect(events(picky)).toEqual(['incident.opened:ig-group', 'incident.opened:multi']);
    expect(events(all)).toEqual(sent.map((e) => `${e.event}:${e.incident.id}`));
  });
});

describe('outbox and restore', () => {
  it('keeps undelivered notifications through drain and re-sends them with the same delivery ids after a restart', async () => {
    const r = await receiver(503);
    const logger = captureLogger();
    const first = notifier({ webhooks: [webhook('ops', r.url)], metrics: newMetrics(), logger, ...FAST, minBackoffMs: 50, maxBackoffMs: 50 });
    first.enqueue(event('incident.opened'));
    first.enqueue(event('incident.resolved'));
    await waitFor(() => r.requests.length >= 2, 'a couple of failed attempts');
    await first.drain(500);
    const saved = JSON.parse(JSON.stringify(first.outbox())) as unknown;
    const ids = first.outbox().map((x) => x.deliveryId);
    expect(ids.length).toBe(2);
    expect(first.outbox()[0]!.attempts).toBeGreaterThanOrEqual(2);
    // Stopped: nothing more is sent, but what arrives stays in the outbox for the state file.
    const seen = r.requests.length;
    first.enqueue(event('incident.reminder'));
    expect(first.outbox().length).toBe(3);

    await r.setMode(200);
    const metrics = newMetrics();
    const second = notifier({ webhooks: [webhook('ops', r.url), webhook('new', r.url.replace('/hook', '/new'))], metrics, ...FAST });
    second.restore(saved);
    second.restore(saved); // twice: no duplicates
    second.restore({ garbage: true });
    second.restore([null, 1, 'x', { webhook: 'gone', deliveryId: 'z', event: {} }]);
    await waitFor(() => r.delivered().length === 2 && second.outbox().length === 0, 'both re-sent');
    expect(r.delivered().map((q) => q.headers['x-outpost-delivery'])).toEqual(ids);
    expect(r.delivered().map((q) => parse(q.body).deliveryId)).toEqual(ids);
    expect(r.requests.length).toBe(seen + 2);
    expect(await deliveries(metrics, 'ops', 'success')).toBe(2);
    expect(await deliveries(metrics, 'new', 'success')).toBe(0);
    expect(logger.text()).toContain('undelivered');
  });

  it('restored notifications go before ones queued since start, and skip webhooks no longer configured', async () => {
    const r = await receiver('hang');
    const n = notifier({ webhooks: [webhook('ops', r.url)], metrics: newMetrics(), ...FAST });
    const old = { webhook: 'ops', deliveryId: 'old-1', event: event('incident.opened', incident({ id: 'old' })), attempts: 0, enqueuedAt: 0 };
    n.enqueue(event('incident.opened', incident({ id: 'now' })));
    await waitFor(() => r.requests.length === 1, 'in flight');
    n.enqueue(event('incident.resolved', incident({ id: 'now' })));
    n.restore([old, { ...old, webhook: 'removed', deliveryId: 'old-2' }]);
    expect(n.outbox().map((x) => x.event.incident.id + ':' + x.event.event)).toEqual(['now:incident.opened', 'old:incident.opened', 'now:incident.resolved']);
  });
});

describe('drain', () => {
  it('lets an attempt in flight finish within the grace', async () => {
    const r = await receiver('hang');
    const metrics = newMetrics();
    const n = notifier({ webhooks: [webhook('ops', r.url)], metrics, ...FAST });
    n.enqueue(event('incident.opened'));
    await waitFor(() => r.requests.length === 1, 'in flight');
    const drained = n.drain(10_000);
    r.release(200);
    await drained;
    expect(await deliveries(metrics, 'ops', 'success')).toBe(1);
    expect(n.outbox()).toEqual([]);
  });

  it('abandons an attempt still hanging at the end of the grace, keeping it in the outbox', async () => {
    const r = await receiver('hang');
    const metrics = newMetrics();
    const n = notifier({ webhooks: [webhook('ops', r.url)], metrics, ...FAST });
    n.enqueue(event('incident.opened'));
    await waitFor(() => r.requests.length === 1, 'in flight');
    await n.drain(100);
    expect(n.outbox().map((x) => x.deliveryId)).toEqual([r.requests[0]!.headers['x-outpost-delivery']]);
    expect(await deliveries(metrics, 'ops', 'failure')).toBe(0);
  });
});

describe('reconfigure', () => {
  it('adds, updates and removes webhooks, removing the series of removed ones', async () => {
    const r1 = await receiver();
    const r2 = await receiver();
    const metrics = newMetrics();
    const n = notifier({ webhooks: [webhook('one', r1.url), webhook('two', r2.url)], metrics, ...FAST });
    n.reconfigure([webhook('one', r1.url, { headers: { 'x-v': '2' } }), webhook('three', r2.url)]);
    n.enqueue(event('incident.opened'));
    await waitFor(() => r1.delivered().length === 1 && r2.delivered().length === 1 && n.outbox().length === 0, 'delivered to one and three');
    expect(r1.requests[0]!.headers['x-v']).toBe('2');
    expect(await queueDepth(metrics, 'two')).toBeUndefined();
    expect(await queueDepth(metrics, 'three')).toBe(0);
    expect(await deliveries(metrics, 'three', 'success')).toBe(1);
  });
});

describe('robustness', () => {
  it('never throws into the caller, even when onChange throws', async () => {
    const r = await receiver();
    const logger = captureLogger();
    let changes = 0;
    const n = notifier({
      webhooks: [webhook('ops', r.url)],
      metrics: newMetrics(),
      logger,
      onChange: () => {
        changes++;
        throw new Error('disk on fire');
      },
      ...FAST,
    });
    expect(() => n.enqueue(event('incident.opened'))).not.toThrow();
    expect(() => n.enqueue(null as never)).not.toThrow();
    expect(() => n.restore(undefined)).not.toThrow();
    await waitFor(() => r.delivered().length === 1 && n.outbox().length === 0, 'still delivered');
    expect(changes).toBeGreaterThan(0);
    expect(logger.lines.some((l) => l.level === 'error' && l.msg?.includes('onChange'))).toBe(true);
  });

  it('a receiver on a closed port is retried, never an unhandled rejection', async () => {
    const r = await receiver();
    await r.setMode('refuse');
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    onCleanup(() => process.off('unhandledRejection', onUnhandled));
    const metrics = newMetrics();
    const n = notifier({ webhooks: [webhook('ops', r.url, { retries: 3 })], metrics, ...FAST });
    n.enqueue(event('incident.opened'));
    await waitFor(() => n.outbox().length === 0, 'given up');
    expect(await deliveries(metrics, 'ops', 'failure')).toBe(1);
    expect(unhandled).toEqual([]);
  });
});
