/**
 * Hostile targets: every misbehaving server is named with the right SPEC reason within the
 * check's deadline (elapsed ≤ timeout + slack: a deadline contract, not a benchmark), the next
 * run against a sane path succeeds, and nothing escapes as an unhandled rejection.
 */
import net from 'node:net';
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reason } from '../../src/reasons.js';
import { testCerts, type TestCerts } from '../support/certs.js';
import { GIB, HOSTILE_COOKIE, HOSTILE_TOKEN, startHostileServer, type HostileServer } from './hostile-server.js';
import { httpCheck, sampleRss, timedRun, trapUnhandled } from './support.js';

const TIMEOUT_MS = 1500;
/** Retry backoff and the last socket teardown may overrun the deadline a little; never by a second. */
const SLACK_MS = 1000;
const MB = 1024 * 1024;

let srv: HostileServer;
let other: HostileServer;
let certs: TestCerts;
const tlsServers: https.Server[] = [];
const trap = trapUnhandled();

const startTls = async (cert: string, key: string): Promise<string> => {
  const s = https.createServer({ cert, key }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
  s.on('tlsClientError', () => undefined);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  tlsServers.push(s);
  return `https://127.0.0.1:${(s.address() as net.AddressInfo).port}`;
};

const refusedPort = async (): Promise<number> => {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
};

beforeAll(async () => {
  srv = await startHostileServer();
  other = await startHostileServer();
  certs = testCerts();
});

afterAll(async () => {
  await srv?.close();
  await other?.close();
  for (const s of tlsServers) {
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
  trap.dispose();
});

async function expectReason(baseUrl: string, path: string, reason: Reason, opts: Record<string, unknown> = {}, endpoint: Record<string, unknown> = {}) {
  const check = httpCheck(baseUrl, path, { timeout: `${TIMEOUT_MS}ms`, retries: 1, ...opts }, endpoint);
  const out = await timedRun(check);
  expect(out.reason, out.message ?? '').toBe(reason);
  expect(out.ok).toBe(false);
  expect(out.elapsedMs).toBeLessThanOrEqual(check.timeoutMs + SLACK_MS);
  // The next run goes on, on the same process and the same server.
  const next = await timedRun(httpCheck(srv.url, '/ok', { timeout: `${TIMEOUT_MS}ms` }));
  expect(next.ok, next.message ?? '').toBe(true);
  return out;
}

describe('hostile targets are named with the right reason within the timeout', () => {
  it('hangs before the headers → timeout', () => expectReason(srv.url, '/hang-headers', 'timeout'));
  it('hangs in the middle of the body → timeout', () => expectReason(srv.url, '/hang-body', 'timeout'));
  it('trickles the body a byte a second → timeout', () => expectReason(srv.url, '/trickle', 'timeout'));
  it('resets the connection mid-body → connection_reset', async () => {
    const out = await expectReason(srv.url, '/reset', 'connection_reset');
    expect(out.trace.attempts).toBe(2); // transient: retried once
  });
  it('sends 10,000 header lines → body_too_large (header section over its cap)', () => expectReason(srv.url, '/many-headers', 'body_too_large'));
  it('redirects for ever → assertion_failed after maxRedirects hops', async () => {
    const out = await expectReason(srv.url, '/redirect/0', 'assertion_failed', { maxRedirects: 5 });
    expect(out.trace.attempts).toBe(6);
    expect(out.message).toMatch(/more than 5 redirects/);
  });
  it('answers invalid JSON → invalid_response', () => expectReason(srv.url, '/invalid-json', 'invalid_response'));
  it('answers 200 with an HTML error page where JSON is expected → error_page', () => expectReason(srv.url, '/html-200', 'error_page'));
  it('a name that does not resolve → dns', () => expectReason('http://outpost-hostile-test.invalid', '/ok', 'dns'));
  it('a refused connection → connect_refused', async () => expectReason(`http://127.0.0.1:${await refusedPort()}`, '/ok', 'connect_refused'));
  it('a gzip bomb (256 MiB of zeros in 250 KiB) → body_too_large, without inflating it', async () => {
    const rss = sampleRss();
    const before = process.memoryUsage.rss();
    await expectReason(srv.url, '/gzip-bomb', 'body_too_large', { maxBodyBytes: '1MiB' });
    expect(rss.stop() - before).toBeLessThan(100 * MB);
  });
});

describe('a 1 GiB body is cut at maxBodyBytes, never buffered', () => {
  for (const path of ['/huge', '/huge-chunked']) {
    it(`${path}: body_too_large, RSS growth < 100 MB, far less than 1 GiB read`, async () => {
      const sentBefore = srv.hugeBytesSent();
      const rss = sampleRss();
      const before = process.memoryUsage.rss();
      await expectReason(srv.url, path, 'body_too_large', { maxBodyBytes: '8MiB', timeout: '10s', interval: '30s' });
      const peak = rss.stop();
      expect(peak - before).toBeLessThan(100 * MB);
      // What the server managed to push (cap + socket buffers) is a sliver of the gigabyte.
      expect(srv.hugeBytesSent() - sentBefore).toBeLessThan(GIB / 8);
    });
  }
});

describe('TLS failures → tls', () => {
  it('a certificate signed by the trusted CA for 127.0.0.1 is accepted (the control)', async () => {
    const base = await startTls(certs.valid.cert, certs.valid.key);
    const out = await timedRun(httpCheck(base, '/', { timeout: `${TIMEOUT_MS}ms` }, { tls: { ca: certs.ca } }));
    expect(out.ok, out.message ?? '').toBe(true);
    expect(out.trace.certExpiry).toBeGreaterThan(Date.now());
  });
  it('an expired certificate', async () => {
    const out = await expectReason(await startTls(certs.expired.cert, certs.expired.key), '/', 'tls', {}, { tls: { ca: certs.ca } });
    expect(out.message).toMatch(/CERT_HAS_EXPIRED|expired/i);
  });
  it('a self-signed certificate', async () => {
    const out = await expectReason(await startTls(certs.selfSigned.cert, certs.selfSigned.key), '/', 'tls');
    expect(out.message).toMatch(/SELF_SIGNED|self.signed/i);
  });
  it('a certificate for another host name', async () => {
    const out = await expectReason(await startTls(certs.wrongHost.cert, certs.wrongHost.key), '/', 'tls', {}, { tls: { ca: certs.ca } });
    expect(out.message).toMatch(/ALTNAME|does not match|not in the cert/i);
  });
  it('plain HTTP spoken to an HTTPS port', async () => {
    const base = await startTls(certs.valid.cert, certs.valid.key);
    const check = httpCheck(base.replace('https:', 'http:'), '/', { timeout: `${TIMEOUT_MS}ms`, retries: 0 });
    const out = await timedRun(check);
    expect(out.ok).toBe(false);
    expect(out.reason).not.toBe('internal');
    expect(out.elapsedMs).toBeLessThanOrEqual(check.timeoutMs + SLACK_MS);
  });
});

describe('a redirect to another host', () => {
  it('hands it neither the session cookie nor the bearer token', async () => {
    other.requests.length = 0;
    srv.crossTo = `http://localhost:${other.port}/ok`;
    const check = httpCheck(
      srv.url,
      '/cross',
      { timeout: `${TIMEOUT_MS}ms`, steps: [{ path: '/cross', expect: { json: [{ path: 'ok', exists: true }] } }], path: undefined, expect: undefined },
      { account: { username: 'u', password: 'p' }, auth: { path: '/login', token: 'token', cookie: 'sid' }, headers: { 'x-trace': 'fine-to-forward' } },
    );
    expect(check.usesSession).toBe(true);
    const out = await timedRun(check);
    expect(out.ok, out.message ?? '').toBe(true);
    const own = srv.requests.filter((r) => r.line.startsWith('GET /cross'));
    expect(own.at(-1)!.head).toContain(HOSTILE_TOKEN); // the session was really carried to its own origin
    expect(own.at(-1)!.head).toContain(HOSTILE_COOKIE);
    expect(other.requests).toHaveLength(1);
    const seen = other.requests[0]!.head;
    expect(seen).not.toContain(HOSTILE_TOKEN);
    expect(seen).not.toContain(HOSTILE_COOKIE);
    expect(seen.toLowerCase()).not.toMatch(/^authorization:/m);
    expect(seen.toLowerCase()).not.toMatch(/^cookie:/m);
  });
});

describe('the process', () => {
  it('never saw an unhandled rejection', async () => {
    await new Promise((r) => setTimeout(r, 100));
    expect(trap.reasons).toEqual([]);
  });
});
