/**
 * The prober on its own: one request against loopback targets, the reason of each transport
 * failure, body and decompression caps, phase timings and certificate expiry.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { deflateSync, brotliCompressSync } from 'node:zlib';
import { newTrace, probe, ProbeError, type ProbeRequest } from '../../src/probe/http.js';
import type { Reason } from '../../src/reasons.js';
import { closedPort, closeTargets, reply, startTarget, type Handler } from '../support/targets.js';
import { opensslMissing, testCerts } from '../support/certs.js';

afterEach(closeTargets);

function req(url: string, over: Partial<ProbeRequest> = {}): ProbeRequest {
  return { url: new URL(url), method: 'GET', headers: {}, deadline: performance.now() + 2000, maxBodyBytes: 64 * 1024, tls: { insecureSkipVerify: false }, ...over };
}

async function reasonOf(r: ProbeRequest): Promise<Reason> {
  try {
    await probe(r, newTrace());
  } catch (err) {
    expect(err).toBeInstanceOf(ProbeError);
    return (err as ProbeError).reason;
  }
  throw new Error('the probe succeeded');
}

const serve = async (h: Handler) => (await startTarget({ routes: { '/x': h } })).url + '/x';

describe('answers', () => {
  it('status, headers, body, and the request as sent', async () => {
    const t = await startTarget({ routes: { '/x': reply.json(201, { a: 1 }, { 'x-y': 'z' }) } });
    const trace = newTrace();
    const res = await probe(req(`${t.url}/x?q=1`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-h': 'v' }, body: '{"b":2}' }), trace);
    expect(res.status).toBe(201);
    expect(res.headers['x-y']).toBe('z');
    expect(JSON.parse(res.body.toString())).toEqual({ a: 1 });
    expect(t.requests[0]).toMatchObject({ method: 'POST', url: '/x?q=1', body: '{"b":2}' });
    expect(t.requests[0]!.headers['x-h']).toBe('v');
    expect(trace.attempts).toBe(1);
    expect(trace.timings.tls).toBe(0);
    expect(trace.certExpiry).toBeUndefined();
  });

  it('redirects are not followed here (the journey does it)', async () => {
    const res = await probe(req(await serve(reply.redirect(302, '/y'))), newTrace());
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/y');
  });

  for (const [enc, compress] of [
    ['gzip', (b: Buffer) => reply.gzip(200, b, 'text/plain')],
    ['deflate', (b: Buffer) => encoded('deflate', deflateSync(b))],
    ['br', (b: Buffer) => encoded('br', brotliCompressSync(b))],
  ] as const) {
    it(`${enc}: decoded; a bomb past the cap is body_too_large`, async () => {
      const small = await probe(req(await serve(compress(Buffer.from('hello')))), newTrace());
      expect(small.body.toString()).toBe('hello');
      expect(await reasonOf(req(await serve(compress(Buffer.alloc(4 * 1024 * 1024))), { maxBodyBytes: 64 * 1024 }))).toBe('body_too_large');
    });
  }

  it('an exactly-at-cap body passes; one byte more is body_too_large', async () => {
    const at = await probe(req(await serve(reply.text(200, 'x'.repeat(1024))), { maxBodyBytes: 1024 }), newTrace());
    expect(at.body.length).toBe(1024);
    expect(await reasonOf(req(await serve(reply.text(200, 'x'.repeat(1025))), { maxBodyBytes: 1024 }))).toBe('body_too_large');
  });

  it('a corrupt gzip body is invalid_response', async () => {
    expect(await reasonOf(req(await serve(encoded('gzip', Buffer.from('not gzip at all')))))).toBe('invalid_response');
  });

  it('an oversized header section is body_too_large', async () => {
    expect(await reasonOf(req(await serve(reply.status(200, { 'x-big': 'y'.repeat(8192) })), { maxHeaderSize: 4096 }))).toBe('body_too_large');
  });
});

describe('connections', () => {
  /** A loopback server that counts the TCP connections it accepted. */
  async function counting(): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
    const { createServer: createHttp } = await import('node:http');
    let n = 0;
    const sockets = new Set<Socket>();
    const server = createHttp((_q, res) => res.end('ok'));
    server.on('connection', (s: Socket) => {
      n++;
      sockets.add(s);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    return {
      url: `http://127.0.0.1:${port}/x`,
      connections: () => n,
      close: () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
    };
  }

  it('a fresh connection per request by default; one kept for the next with keepAlive', async () => {
    const srv = await counting();
    try {
      for (let i = 0; i < 3; i++) await probe(req(srv.url), newTrace());
      expect(srv.connections()).toBe(3);
      const tls = { insecureSkipVerify: false };
      const traces = [newTrace(), newTrace(), newTrace()];
      for (const t of traces) await probe(req(srv.url, { keepAlive: true, tls }), t);
      expect(srv.connections()).toBe(4);
      expect(traces[1]!.timings.connect).toBe(0);
      // Other TLS settings never share the kept connection.
      await probe(req(srv.url, { keepAlive: true, tls: { insecureSkipVerify: true } }), newTrace());
      expect(srv.connections()).toBe(5);
    } finally {
      await srv.close();
    }
  });
});

describe('transport failures', () => {
  it('dns', async () => expect(await reasonOf(req('http://no-such-host.outpost.invalid/'))).toBe('dns'));
  it('connect_refused', async () => expect(await reasonOf(req(`http://127.0.0.1:${await closedPort()}/`))).toBe('connect_refused'));
  it('timeout before headers', async () => expect(await reasonOf(req(await serve(reply.hang()), { deadline: performance.now() + 300 }))).toBe('timeout'));
  it('timeout mid-body', async () => expect(await reasonOf(req(await serve(reply.hangMidBody()), { deadline: performance.now() + 300 }))).toBe('timeout'));
  it('no time left', async () => expect(await reasonOf(req('http://127.0.0.1:1/', { deadline: performance.now() - 1 }))).toBe('timeout'));
  it('connection_reset mid-body', async () => expect(await reasonOf(req(await serve(reply.resetMidBody())))).toBe('connection_reset'));
  it('connection_reset: closed before any answer', async () => {
    expect(await reasonOf(req(await serve((_q, _res, raw) => raw.socket.destroy())))).toBe('connection_reset');
  });
  it('a body shorter than its Content-Length is connection_reset', async () => {
    const short: Handler = (_q, res, raw) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('short', () => raw.socket.end());
    };
    expect(await reasonOf(req(await serve(short)))).toBe('connection_reset');
  });
  it('every attempt is counted, failures too', async () => {
    const trace = newTrace();
    await probe(req(`http://127.0.0.1:${await closedPort()}/`), trace).catch(() => undefined);
    await probe(req(await serve(reply.status(200))), trace);
    expect(trace.attempts).toBe(2);
  });
});

describe.skipIf(opensslMissing)(`TLS${opensslMissing ? ` (${opensslMissing})` : ''}`, () => {
  const https = async (pick: 'valid' | 'expired' | 'selfSigned' | 'wrongHost') => (await startTarget({ tls: testCerts()[pick], routes: { '/x': reply.json(200, {}) } })).url + '/x';

  it('a valid certificate: TLS phase timed, expiry = notAfter', async () => {
    const certs = testCerts();
    const trace = newTrace();
    const res = await probe(req(await https('valid'), { tls: { insecureSkipVerify: false, ca: certs.ca } }), trace);
    expect(res.status).toBe(200);
    expect(trace.timings.tls).toBeGreaterThan(0);
    expect(trace.certExpiry).toBe(certs.valid.notAfter.getTime());
  });

  it('serverName is checked against the certificate', async () => {
    const certs = testCerts();
    const url = await https('wrongHost');
    expect(await reasonOf(req(url, { tls: { insecureSkipVerify: false, ca: certs.ca } }))).toBe('tls');
    const ok = await probe(req(url, { tls: { insecureSkipVerify: false, ca: certs.ca, serverName: 'other.invalid' } }), newTrace());
    expect(ok.status).toBe(200);
  });

  for (const pick of ['expired', 'selfSigned', 'wrongHost'] as const) {
    it(`${pick}: tls`, async () => expect(await reasonOf(req(await https(pick), { tls: { insecureSkipVerify: false, ca: testCerts().ca } }))).toBe('tls'));
  }

  it('the test CA is needed: without it the valid certificate is tls', async () => {
    expect(await reasonOf(req(await https('valid')))).toBe('tls');
  });

  it('insecureSkipVerify accepts an expired certificate and still records its expiry', async () => {
    const trace = newTrace();
    await probe(req(await https('expired'), { tls: { insecureSkipVerify: true } }), trace);
    expect(trace.certExpiry).toBe(testCerts().expired.notAfter.getTime());
  });

  it('plain HTTP where TLS was expected is tls', async () => {
    const t = await startTarget({ routes: { '/x': reply.json(200, {}) } });
    expect(await reasonOf(req(t.url.replace('http:', 'https:') + '/x'))).toBe('tls');
  });
});

function encoded(encoding: string, body: Buffer): Handler {
  return (_q, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': encoding, 'content-length': String(body.length) });
    res.end(body);
  };
}

describe('a TLS handshake that never completes', () => {
  it('is a timeout', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    try {
      expect(await reasonOf(req(`https://127.0.0.1:${port}/`, { deadline: performance.now() + 300 }))).toBe('timeout');
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });
});
