/**
 * A hostile HTTP target on 127.0.0.1: a raw TCP server (so it can misbehave below what node:http
 * allows) that answers by path. Every timer and socket is released by close().
 *
 *   /ok                 200 JSON {"ok":true}
 *   /hang-headers       reads the request, never answers
 *   /hang-body          headers and a few bytes of a 1000-byte body, then nothing
 *   /trickle            a body trickled one byte a second
 *   /huge               a 1 GiB body (Content-Length), streamed with back-pressure
 *   /huge-chunked       the same, chunked
 *   /gzip-bomb          a small gzip body that inflates to 256 MiB of zeros
 *   /reset              headers and part of the body, then a TCP reset
 *   /many-headers       10,000 header lines
 *   /redirect/N         302 to /redirect/N+1, for ever
 *   /cross              302 to `crossTo` (another origin)
 *   /invalid-json       200 application/json that is not JSON
 *   /html-200           200 text/html error page where JSON is expected
 *   /login              200 {"token": TOKEN} with Set-Cookie sid=COOKIE (for the cross-origin test)
 */
import net from 'node:net';
import { createGzip } from 'node:zlib';

export const HOSTILE_TOKEN = 'hostile-bearer-token-7f3a9c';
export const HOSTILE_COOKIE = 'hostile-cookie-value-c41d2e';
export const GIB = 1024 ** 3;

export interface HostileServer {
  url: string;
  port: number;
  /** Body bytes written by /huge and /huge-chunked so far (across requests). */
  hugeBytesSent(): number;
  /** Requests seen, as "METHOD path" plus their raw header section. */
  requests: { line: string; head: string }[];
  /** Where /cross redirects to. */
  crossTo: string;
  close(): Promise<void>;
}

const head = (status: string, headers: Record<string, string | number>): string =>
  `HTTP/1.1 ${status}\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}connection: close\r\n\r\n`;

/** 256 MiB of zeros, gzipped (about 250 KiB), built once. */
let bomb: Promise<Buffer> | undefined;
export function gzipBomb(): Promise<Buffer> {
  bomb ??= new Promise((resolve, reject) => {
    const gz = createGzip({ level: 9 });
    const out: Buffer[] = [];
    gz.on('data', (c: Buffer) => out.push(c));
    gz.on('end', () => resolve(Buffer.concat(out)));
    gz.on('error', reject);
    const zeros = Buffer.alloc(1024 * 1024);
    let i = 0;
    const pump = (): void => {
      while (i < 256) {
        i++;
        if (!gz.write(zeros)) return void gz.once('drain', pump);
      }
      gz.end();
    };
    pump();
  });
  return bomb;
}

export async function startHostileServer(): Promise<HostileServer> {
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const requests: HostileServer['requests'] = [];
  let hugeSent = 0;
  const gz = await gzipBomb();
  const self = { crossTo: 'http://localhost:9/' };

  const streamHuge = (s: net.Socket, chunked: boolean): void => {
    s.write(head('200 OK', chunked ? { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } : { 'content-type': 'application/json', 'content-length': GIB }));
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const frame = chunked ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]) : chunk;
    let sent = 0;
    const pump = (): void => {
      while (!s.destroyed && sent < GIB) {
        sent += chunk.length;
        hugeSent += chunk.length;
        if (!s.write(frame)) return void s.once('drain', pump);
      }
      if (!s.destroyed) {
        if (chunked) s.end('0\r\n\r\n');
        else s.end();
      }
    };
    pump();
  };

  const answer = (s: net.Socket, path: string): void => {
    const json = (status: string, body: string, extra: Record<string, string> = {}): void =>
      void s.end(head(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...extra }) + body);
    if (path === '/ok') return json('200 OK', '{"ok":true}');
    if (path === '/hang-headers') return;
    if (path === '/hang-body') return void s.write(head('200 OK', { 'content-type': 'application/json', 'content-length': 1000 }) + '{"ok":');
    if (path === '/trickle') {
      s.write(head('200 OK', { 'content-type': 'application/json', 'content-length': 100 }));
      const t = setInterval(() => (s.destroyed ? clearInterval(t) : s.write(' ')), 1000);
      timers.add(t);
      return;
    }
    if (path === '/huge') return streamHuge(s, false);
    if (path === '/huge-chunked') return streamHuge(s, true);
    if (path === '/gzip-bomb') {
      s.write(head('200 OK', { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': gz.length }));
      return void s.end(gz);
    }
    if (path === '/reset') {
      s.write(head('200 OK', { 'content-type': 'application/json', 'content-length': 1000 }) + '{"ok":true,"pad":"');
      const t = setTimeout(() => s.resetAndDestroy(), 50);
      timers.add(t);
      return;
    }
    if (path === '/many-headers') {
      let h = 'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\n';
      for (let i = 0; i < 10_000; i++) h += `x-hostile-${i}: value-${i}\r\n`;
      return void s.end(h + 'connection: close\r\n\r\n{"ok":true}');
    }
    const redirect = /^\/redirect\/(\d+)$/.exec(path);
    if (redirect) return json('302 Found', '{}', { location: `/redirect/${Number(redirect[1]) + 1}` });
    if (path === '/cross') return json('302 Found', '{}', { location: self.crossTo });
    if (path === '/invalid-json') return json('200 OK', '{"ok": true, "items": [1, 2,');
    if (path === '/html-200') {
      const body = '<!doctype html><html><body><h1>Sorry, something went wrong.</h1></body></html>';
      return void s.end(head('200 OK', { 'content-type': 'text/html', 'content-length': body.length }) + body);
    }
    if (path === '/login') return json('200 OK', JSON.stringify({ token: HOSTILE_TOKEN }), { 'set-cookie': `sid=${HOSTILE_COOKIE}; Path=/; HttpOnly` });
    return json('404 Not Found', '{"error":"not found"}');
  };

  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    let buf = '';
    const onData = (c: Buffer): void => {
      buf += c.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buf.length > 64 * 1024) s.destroy();
        return;
      }
      s.off('data', onData);
      s.resume();
      const line = buf.slice(0, buf.indexOf('\r\n'));
      requests.push({ line, head: buf.slice(0, end) });
      answer(s, line.split(' ')[1]?.split('?')[0] ?? '/');
    };
    s.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    hugeBytesSent: () => hugeSent,
    requests,
    get crossTo() {
      return self.crossTo;
    },
    set crossTo(v: string) {
      self.crossTo = v;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
