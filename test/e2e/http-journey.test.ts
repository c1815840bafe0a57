/**
 * A multi-step `http` journey through the real daemon against a loopback API: values extracted
 * from one answer (JSON, a header, a cookie, the final URL after a redirect, a regex) are sent in
 * the next requests, and a failing step names itself and its reason.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startOutpost, stopOutposts } from '../journey/daemon-harness.js';
import { closeTargets, reply, startTarget } from '../support/targets.js';

afterEach(async () => {
  await stopOutposts();
  await closeTargets();
});

describe('http journey with extraction between steps', () => {
  it('carries a token from step 1 JSON in a header, a header value, a cookie, the final URL and a regex match into later steps', async () => {
    const t = await startTarget({
      routes: {
        'POST /auth': reply.json(200, { data: { token: 'tok-123', user: { id: 42 } } }, { 'x-request-id': 'req-9', 'set-cookie': 'csrf=c-77; Path=/' }),
        '/go': reply.redirect(302, '/landing?ref=abc'),
        '/landing': reply.html(200, '<p>welcome <b id="handle">seller_42</b></p>'),
        '/api/orders': (q, res) => {
          const ok = q.headers.authorization === 'Bearer tok-123' && q.headers['x-request-id'] === 'req-9' && q.headers['x-csrf'] === 'c-77';
          res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
          res.end(JSON.stringify(ok ? { orders: [{ id: 1 }] } : { error: 'unauthorised' }));
        },
        'POST /api/audit': reply.json(200, { ok: true }),
      },
    });
    const o = await startOutpost({
      endpoints: {
        api: {
          baseUrl: t.url,
          checks: {
            orders: {
              type: 'http',
              steps: [
                {
                  name: 'auth',
                  method: 'POST',
                  path: '/auth',
                  json: { user: 'probe' },
                  extract: { token: { json: 'data.token' }, uid: { json: 'data.user.id' }, rid: { header: 'x-request-id' }, csrf: { cookie: 'csrf' } },
                },
                { name: 'landing', path: '/go', extract: { where: { url: true }, handle: { regex: 'id="handle">([^<]+)<' } } },
                {
                  name: 'orders',
                  path: '/api/orders?user={{uid}}',
                  headers: { authorization: 'Bearer {{token}}', 'x-request-id': '{{rid}}', 'x-csrf': '{{csrf}}' },
                  expect: { json: [{ path: 'orders', minCount: 1 }] },
                },
                { name: 'audit', method: 'POST', path: '/api/audit', form: { from: '{{where}}', handle: '{{handle}}' } },
              ],
            },
          },
        },
      },
    });
    const r = await o.run('orders', 'api');
    expect(r.status.lastResult?.ok, r.status.lastResult?.error ?? '').toBe(true);
    expect(t.hits('/api/orders')[0]!.url).toBe('/api/orders?user=42');
    const audit = new URLSearchParams(t.hits('/api/audit')[0]!.body);
    expect(audit.get('from')).toBe(`${t.url}/landing?ref=abc`);
    expect(audit.get('handle')).toBe('seller_42');

    // The token stops working: the orders step fails and says so.
    t.route('POST /auth', reply.json(200, { data: { token: 'tok-old', user: { id: 42 } } }, { 'x-request-id': 'req-9', 'set-cookie': 'csrf=c-77; Path=/' }));
    const failed = await o.run('orders', 'api');
    expect(failed.status.lastResult).toMatchObject({ ok: false, reason: 'http_4xx', httpStatus: 401 });
    expect(failed.status.lastResult?.error).toContain('/api/orders');
    expect(t.hits('/api/audit')).toHaveLength(1);

    // A value the next steps need is missing: invalid_response, naming what.
    t.route('POST /auth', reply.json(200, { data: {} }));
    const missing = await o.run('orders', 'api');
    expect(missing.status.lastResult).toMatchObject({ ok: false, reason: 'invalid_response' });
    expect(missing.status.lastResult?.error).toMatch(/token/);
  });
});
