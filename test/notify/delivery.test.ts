/** The notifier against real loopback receivers: headers, signature, retries, timeouts, final answers. */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { captureLogger, harness, deliveries, event, FAST, groupIncident, incident, multiIncident, newMetrics, parse, queueDepth, webhook } from './fixtures.js';
import { waitFor } from '../support/wait.js';

const { receiver, notifier } = harness();

describe('a delivery', () => {
  it('POSTs the SPEC body with the contract headers and a signature verifiable from the raw body', async () => {
    const r = await receiver();
    const metrics = newMetrics();
    const secret = 'whsec-0123456789';
    const n = notifier({ webhooks: [webhook('ops', r.url, { secret, headers: { 'X-Team': 'sre', 'Content-Type': 'text/plain' } })], metrics, ...FAST });
    n.enqueue(event('incident.opened'));
    await waitFor(() => r.delivered().length === 1 && n.outbox().length === 0, 'one delivery');

    const req = r.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/hook');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['user-agent']).toBe('outpost/9.9.9');
    expect(req.headers['x-outpost-event']).toBe('incident.opened');
    expect(req.headers['x-team']).toBe('sre');
    const body = parse(req.body);
    expect(req.headers['x-outpost-delivery']).toBe(body.deliveryId);
    expect(body.deliveryId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const expected = 'sha256=' + createHmac('sha256', secret).update(req.body).digest('hex');
    expect(req.headers['x-outpost-signature-256']).toBe(expected);
    expect(body).toMatchObject({ version: '1', event: 'incident.opened', incident: { scope: 'check', group: 'facebook', endpoint: 'web', check: 'session', durationSeconds: 60 } });
    expect(Date.parse((body as unknown as { sentAt: string }).sentAt)).not.toBeNaN();
    expect(await deliveries(metrics, 'ops', 'success')).toBe(1);
    expect(await queueDepth(metrics, 'ops')).toBe(0);
    expect(n.outbox()).toEqual([]);
  });

  it('sends the payload shape of every scope, and no signature header without a secret', async () => {
    const r = await receiver();
    const n = notifier({ webhooks: [webhook('ops', r.url)], metrics: newMetrics(), ...FAST });
    n.enqueue(event('incident.opened', incident()));
    n.enqueue(event('incident.opened', groupIncident()));
    n.enqueue(event('incident.opened', multiIncident()));
    await waitFor(() => r.delivered().length === 3 && n.outbox().length === 0, 'three deliveries');
    expect(r.requests.map((q) => q.headers['x-outpost-signature-256'])).toEqual([undefined, undefined, undefined]);
    const shapes = r.requests.map((q) => {
      const i = parse(q.body).incident;
      return [i.scope, i.group, i.endpoint, i.check];
    });
    expect(shapes).toEqual([
      ['check', 'facebook', 'web', 'session'],
      ['group', 'instagram', null, null],
      ['multi_platform', null, null, null],
    ]);
  });

  it('posts {text} to a slack-format webhook', async () => {
    const r = await receiver();
    const n = notifier({ webhooks: [webhook('chat', r.url, { format: 'slack' })], metrics: newMetrics(), ...FAST });
    n.enqueue(event('incident.opened'));
    n.enqueue(event('incident.resolved'));
    await waitFor(() => r.delivered().length === 2 && n.outbox().length === 0, 'two deliveries');
    const bodies = r.requests.map((q) => JSON.parse(q.body) as Record<string, unknown>);
    expect(bodies.map((b) => Object.keys(b))).toEqual([['text'], ['text']]);
    expect(bodies[0]!.text).toMatch(/^🔴 OPENED check facebook\/web\/session: /);
    expect(bodies[1]!.text).toMatch(/^✅ RESOLVED .* after 2m 10s$/);
    expect(r.requests[1]!.headers['x-outpost-event']).toBe('incident.resolved');
  });

  it('turns URL userinfo into basic auth and keeps the query', async () => {
    const r = await receiver();
    const url = r.url.replace('http://', 'http://bot:pa%24%24@') + '?token=q-secret';
    const n = notifier({ webhooks: [webhook('ops', url)], metrics: newMetrics(), ...FAST });
    n.enqueue(event('incident.opened'));
    await waitFor(() => r.delivered().length === 1 && n.outbox().length === 0, 'one delivery');
    expect(r.requests[0]!.path).toBe('/hook?token=q-secret');
    expect(r.requests[0]!.headers.authorization).toBe('Basic ' + Buffer.from('bot:pa$$').toString('base64'));
  });
});

describe('retries', () => {
  it('503 for a while, then refused connections, then back: each notification delivered exactly once, in order', async () => {
    const r = await receiver(503);
    const metrics = newMetrics();
    const logger = captureLogger();
    const n = notifier({ webhooks: [webhook('ops', r.url)], metrics, logger, ...FAST });
    const a = incident();
    const b = groupIncident();
    const sent = [event('incident.opened', a), event('incident.opened', b), event('incident.reminder', a), event('incident.resolved', a), event('incident.resolved', b)];
    for (const e of sent) n.enqueue(e);
    await waitFor(() => r.requests.length >= 3, 'a few 503s');
    await r.setMode('refuse');
    const refusals = () => logger.lines.filter((l) => (l.obj as { error?: unknown }).error === 'ECONNREFUSED').length;
    await waitFor(() => refusals() >= 3, 'a few refused connections');
    await r.setMode(200);
    await waitFor(() => r.delivered().length >= 5 && n.outbox().length === 0, 'everything delivered');

    const ok = r.delivered().map((q) => parse(q.body));
    expect(ok.length).toBe(5);
    expect(new Set(ok.map((b) => b.deliveryId)).size).toBe(5);
    expect(ok.map((b) => [b.event, b.incident.id])).toEqual(sent.map((e) => [e.event, e.incident.id]));
    // Every request carried a delivery id of one of the five, and the header always matches the body.
    const ids = new Set(ok.map((b) => b.deliveryId));
    for (const q of r.requests) {
      expect(ids.has(parse(q.body).deliveryId)).toBe(true);
      expect(q.headers['x-outpost-delivery']).toBe(parse(q.body).deliveryId);
    }
    expect(r.requests.filter((q) => q.answered === 503).length).toBeGreaterThanOrEqual(3);
    expect(await deliveries(metrics, 'ops', 'success')).toBe(5);
    expect(await deliveries(metrics, 'ops', 'failure')).toBe(0);
  });

  it('honours Retry-After (seconds and HTTP date), capped', async () => {
    const r = await receiver({ status: 429, headers: { 'retry-after': '3' } });
    const waits: number[] = [];
    const sleep = async (ms: number) => {
      waits.push(ms);
      await new Promise((res) => setTimeout(res, 5));
    };
    // Enough retries that the ones made while the test switches the receiver's answer never run out.
    const n = notifier({ webhooks: [webhook('ops', r.url, { retries: 10_000 })], metrics: newMetrics(), sleep, ...FAST, maxRetryAfterMs: 10_000 });
    n.enqueue(event('incident.opened'));
    await waitFor(() => r.requests.length >= 2, 'two attempts at 429');
    await r.setMode({ status: 503, headers: { 'retry-after': new Date(Date.now() + 3_600_000).toUTCString() } });
    await waitFor(() => r.requests.filter((q) => q.answered === 503).length >= 2, 'two attempts at 503 with a date');
    await r.setMode(200);
    await waitFor(() => r.delivered().length === 1 && n.outbox().length === 0, 'delivered');
    expect(waits[0]).toBe(3000);
    // An hour away is capped at maxRetryAfterMs.
    expect(waits.some((w) => w === 10_000)).toBe(true);
    // Without Retry-After, the jittered backoff (≤ maxBackoffMs) would have applied.
    expect(waits.every((w) => w === 3000 || w === 10_000)).toBe(true);
  });

  it('gives up after `retries` and counts a failure', async () => {
    const r = await receiver(500);
    const metrics = newMetrics();
    const n = notifier({ webhooks: [webhook('ops', r.url, { retries: 2 })], metrics, ...FAST });
    n.enqueue(event('incident.opened'));
    await waitFor(() => n.outbox().length === 0, 'given up');
    expect(r.requests.length).toBe(3);
    expect(await deliveries(metrics, 'ops', 'failure')).toBe(1);
  });

  it('a 400 is final: one attempt, a failure, and the next notification is still delivered', async () => {
    const r = await receiver(400);
    const metrics = newMetrics();
    const n = notifier({ webhooks: [webhook('ops', r.url)], metrics, ...FAST });
    n.enqueue(event('incident.opened'));
    await waitFor(() => n.outbox().length === 0, 'first given up');
    expect(r.requests.length).toBe(1);
    expect(await deliveries(metrics, 'ops', 'failure')).toBe(1);
    await r.setMode(200);
    n.enqueue(event('incident.resolved'));
    await waitFor(() => r.delivered().length === 1 && n.outbox().length === 0, 'second delivered');
    expect(parse(r.delivered()[0]!.body).event).toBe('incident.resolved');
    expect(await deliveries(metrics, 'ops', 'success')).toBe(1);
  });
});

describe('a hanging receiver', () => {
  it('times each attempt out and retries it with the same delivery id', async () => {
    const r = await receiver('hang');
    const metrics = newMetrics();
    const n = notifier({ webhooks: [webhook('slow', r.url, { timeoutMs: 150 })], metrics, ...FAST });
    n.enqueue(event('incident.opened'));
    await waitFor(() => r.requests.length >= 2, 'a second attempt after the first timed out');
    await r.setMode(200);
    await waitFor(() => r.delivered().length === 1 && n.outbox().length === 0, 'delivered');
    const ids = new Set(r.requests.map((q) => q.headers['x-outpost-delivery']));
    expect(ids.size).toBe(1);
    expect(await deliveries(metrics, 'slow', 'success')).toBe(1);
  });

  it('delays neither the caller nor the other webhooks', async () => {
    const slow = await receiver('hang');
    const fast = await receiver(200);
    const metrics = newMetrics();
    const n = notifier({ webhooks: [webhook('slow', slow.url, { timeoutMs: 20_000 }), webhook('fast', fast.url)], metrics, ...FAST });
    for (let i = 0; i < 3; i++) n.enqueue(event('incident.opened', incident({ id: `inc-${i}` })));
    await waitFor(() => fast.delivered().length === 3 && n.outbox().every((x) => x.webhook === 'slow'), 'fast webhook got all three');
    expect(slow.requests.length).toBe(1);
    expect(slow.requests[0]!.answered).toBeNull();
    expect(await deliveries(metrics, 'slow', 'success')).toBe(0);
    expect(await queueDepth(metrics, 'slow')).toBe(3);
    expect(n.outbox().filter((x) => x.webhook === 'slow').length).toBe(3);
  });
});

describe('secrets', () => {
  it('never puts the secret, the signature or the URL credentials in bodies or logs', async () => {
    const r = await receiver(503);
    const logger = captureLogger();
    const secret = 'whsec-DO-NOT-LEAK-42';
    const url = r.url.replace('http://', 'http://user:url-pass-LEAK@') + '?key=query-LEAK';
    const metrics = newMetrics();
    const n = notifier({ webhooks: [webhook('ops', url, { secret, retries: 1 })], metrics, logger, ...FAST });
    n.enqueue(event('incident.opened'));
    await waitFor(() => n.outbox().length === 0, 'given up');
    await r.setMode(400);
    n.enqueue(event('incident.resolved'));
    await waitFor(() => r.requests.length === 3 && n.outbox().length === 0, 'final 400');
    await r.setMode(200);
    n.enqueue(event('incident.reminder'));
    await waitFor(() => r.delivered().length === 1 && n.outbox().length === 0, 'delivered');

    const logs = logger.text();
    expect(logger.lines.length).toBeGreaterThan(3);
    const signatures = r.requests.map((q) => String(q.headers['x-outpost-signature-256']));
    expect(signatures.every((sig) => sig.startsWith('sha256='))).toBe(true);
    for (const leak of [secret, 'url-pass-LEAK', 'query-LEAK', 'user:', ...signatures.map((sig) => sig.slice('sha256='.length))]) {
      expect(logs).not.toContain(leak);
      for (const q of r.requests) expect(q.body).not.toContain(leak);
    }
    expect(logs).toContain('"webhook":"ops"');
  });
});
