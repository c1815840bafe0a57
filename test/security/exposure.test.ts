/**
 * Outpost's own HTTP surface: optional basic or bearer auth on /metrics and the API, TLS, the
 * write endpoints off unless enabled, security headers, and a status page that escapes every
 * string from the config or a run.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Agent, fetch as ufetch } from 'undici';
import type { Daemon } from '../../src/daemon.js';
import { testCerts, type TestCerts } from '../support/certs.js';
import { startHostileServer, type HostileServer } from '../reliability/hostile-server.js';
import { tempDir, type TempDir } from '../reliability/support.js';
import { startTestDaemon } from '../support/daemon.js';

const PROTECTED = ['/metrics', '/api/v1/status', '/api/v1/incidents', '/api/v1/maintenance'];
const OPEN = ['/healthz', '/readyz'];
const BEARER = 'outpost-scrape-token-0123456789abcdef';
const XSS = '<script>alert(1)</script>';
const XSS_RE = '<img src=x onerror=alert(1)>';

let target: HostileServer;
let certs: TestCerts;
let tmp: TempDir;
let d: Daemon | undefined;

beforeAll(async () => {
  target = await startHostileServer();
  certs = testCerts();
});
afterAll(async () => {
  await target.close();
});
afterEach(async () => {
  await d?.stop();
  d = undefined;
  tmp?.cleanup();
});

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

async function start(server: object, extra: object = {}): Promise<Daemon> {
  tmp = tempDir('outpost-exposure-');
  d = (await startTestDaemon({
    location: 'test',
    listen: '127.0.0.1:0',
    stateDir: `${tmp.dir}/state`,
    server,
    groups: {
      web: {
        endpoints: {
          main: {
            baseUrl: target.url,
            checks: { page: { type: 'http', path: '/ok', interval: '1h', timeout: '2s', expect: { json: [{ path: 'ok', equals: XSS }], bodyMatches: [XSS_RE] } } },
          },
        },
      },
    },
    ...extra,
  }, { dir: tmp.dir, env: {}, graceMs: 3000 })).daemon;
  return d;
}

async function status(path: string, headers: Record<string, string> = {}, method = 'GET', body?: string): Promise<Response> {
  return fetch(d!.server.url + path, { method, headers, body, signal: AbortSignal.timeout(5000) });
}

describe('basic auth', () => {
  it('guards /metrics and the API; health, readiness and (by default) the page stay open', async () => {
    await start({ auth: { basic: { username: 'ops', password: 'correct horse' } } });
    for (const path of PROTECTED) {
      const none = await status(path);
      expect(none.status, path).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
      expect((await status(path, { authorization: basic('ops', 'wrong') })).status, path).toBe(401);
      expect((await status(path, { authorization: basic('other', 'correct horse') })).status, path).toBe(401);
      expect((await status(path, { authorization: basic('ops', 'correct horse!') })).status, path).toBe(401);
      expect((await status(path, { authorization: `Bearer correct horse` })).status, path).toBe(401);
      expect((await status(path, { authorization: 'Basic !!!not-base64' })).status, path).toBe(401);
      expect((await status(path, { authorization: basic('ops', 'correct horse') })).status, path).toBe(200);
    }
    for (const path of [...OPEN, '/']) expect((await status(path)).status, path).toBe(200);
  });

  it('authStatusPage protects the page too', async () => {
    await start({ auth: { basic: { username: 'ops', password: 'pw' } }, authStatusPage: true });
    expect((await status('/')).status).toBe(401);
    expect((await status('/', { authorization: basic('ops', 'pw') })).status).toBe(200);
    for (const path of OPEN) expect((await status(path)).status, path).toBe(200);
  });
});

describe('bearer auth', () => {
  it('accepts only the exact token', async () => {
    await start({ auth: { bearer: BEARER } });
    for (const path of PROTECTED) {
      const none = await status(path);
      expect(none.status, path).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
      expect((await status(path, { authorization: `Bearer ${BEARER.slice(0, -1)}` })).status, path).toBe(401);
      expect((await status(path, { authorization: `Bearer ${BEARER}x` })).status, path).toBe(401);
      expect((await status(path, { authorization: basic('x', BEARER) })).status, path).toBe(401);
      expect((await status(path, { authorization: `Bearer ${BEARER}` })).status, path).toBe(200);
    }
    for (const path of OPEN) expect((await status(path)).status, path).toBe(200);
  });
});

describe('write endpoints', () => {
  const maintenance = JSON.stringify({ group: 'web', duration: '5m', note: XSS });

  it('are refused with 403 unless enabled', async () => {
    await start({});
    expect((await status('/-/reload', {}, 'POST')).status).toBe(403);
    expect((await status('/api/v1/maintenance', { 'content-type': 'application/json' }, 'POST', maintenance)).status).toBe(403);
    expect((await status('/-/reload')).status).toBe(405);
  });

  it('need credentials first when auth is on, and work once enabled', async () => {
    await start({ reload: true, api: true, auth: { bearer: BEARER } });
    expect((await status('/-/reload', {}, 'POST')).status).toBe(401);
    expect((await status('/api/v1/maintenance', {}, 'POST', maintenance)).status).toBe(401);
    const auth = { authorization: `Bearer ${BEARER}` };
    expect((await status('/-/reload', auth, 'POST')).status).toBe(200);
    expect((await status('/api/v1/maintenance', auth, 'POST', maintenance)).status).toBe(201);
    expect((await status('/api/v1/maintenance', auth, 'POST', 'x'.repeat(100_000))).status).toBe(400);
    expect((await status('/api/v1/maintenance', auth, 'POST', '{"group":"nope","duration":"5m"}')).status).toBe(400);
  });
});

describe('security headers and escaping', () => {
  it('sets nosniff, frame-options and no-store everywhere, and a CSP on the page', async () => {
    await start({ api: true });
    for (const path of ['/', '/metrics', '/api/v1/status', '/healthz', '/nope']) {
      const r = await status(path);
      expect(r.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(r.headers.get('x-frame-options'), path).toBe('DENY');
      expect(r.headers.get('cache-control'), path).toBe('no-store');
    }
    const csp = (await status('/')).headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/script-src/);
  });

  it('escapes config strings, run errors and maintenance notes on the status page', async () => {
    await start({ api: true });
    const check = d!.config().checks[0]!;
    const rec = await d!.runCheck(check);
    expect(rec.status.lastResult?.error ?? '').toContain(XSS); // the hostile text really reaches the page…
    expect((await status('/api/v1/maintenance', {}, 'POST', JSON.stringify({ group: 'web', duration: '5m', note: XSS }))).status).toBe(201);
    const page = await (await status('/')).text();
    expect(page).not.toContain(XSS); // …but only escaped
    expect(page).not.toContain(XSS_RE);
    expect(page).not.toMatch(/<script/i);
    expect(page).toContain('&lt;script&gt;');
  });
});

describe('TLS for Outpost’s own endpoints', () => {
  it('serves HTTPS with the configured certificate and still asks for credentials', async () => {
    await start({ tls: { cert: certs.valid.certPath, key: certs.valid.keyPath }, auth: { bearer: BEARER } });
    expect(d!.server.url).toMatch(/^https:\/\//);
    const dispatcher = new Agent({ connect: { ca: certs.ca } });
    try {
      const get = (path: string, headers: Record<string, string> = {}) => ufetch(d!.server.url + path, { dispatcher, headers, signal: AbortSignal.timeout(5000) });
      expect((await get('/healthz')).status).toBe(200);
      expect((await get('/metrics')).status).toBe(401);
      expect((await get('/metrics', { authorization: `Bearer ${BEARER}` })).status).toBe(200);
      // Plain HTTP on the TLS port gets no answer with data.
      const plain = await fetch(d!.server.url.replace('https:', 'http:') + '/metrics', { signal: AbortSignal.timeout(5000) }).then(
        (r) => r.status,
        () => 'failed',
      );
      expect(plain === 'failed' || plain === 400).toBe(true);
      // A client that does not trust the CA is refused at the handshake.
      await expect(fetch(d!.server.url + '/healthz', { signal: AbortSignal.timeout(5000) })).rejects.toThrow();
    } finally {
      await dispatcher.close();
    }
  });
});
