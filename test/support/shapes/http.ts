/** The plumbing every shape server shares: a loopback HTTP server, request parsing, per-path counters. */
import { createServer, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ShapeRequest {
  method: string;
  url: URL;
  /** Path without the query string. */
  path: string;
  headers: IncomingHttpHeaders;
  cookies: Record<string, string>;
  /** Form (`application/x-www-form-urlencoded`) or JSON body fields; strings only. */
  fields: Record<string, string>;
}

export interface ShapeReply {
  status: number;
  headers?: Record<string, string | string[]>;
  body?: string;
}

/** What every shape server exposes. */
export interface ShapeServer {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  baseUrl: string;
  /** Requests seen for `path` (no query string), for one method or all. */
  requestCount(path: string, method?: string): number;
  /** All counters, keyed `METHOD /path`. */
  counts(): Record<string, number>;
  resetCounts(): void;
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;

export function json(status: number, value: unknown, headers: Record<string, string | string[]> = {}): ShapeReply {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(value) };
}

export function html(status: number, body: string, headers: Record<string, string | string[]> = {}): ShapeReply {
  return { status, headers: { 'content-type': 'text/html; charset="utf-8"', ...headers }, body };
}

export function redirect(location: string, headers: Record<string, string | string[]> = {}): ShapeReply {
  return { status: 302, headers: { location, 'content-type': 'text/html; charset="utf-8"', ...headers }, body: '' };
}

/** A `Set-Cookie` value; loopback is plain HTTP, so no `Secure`. */
export function setCookie(name: string, value: string, opts: { httpOnly?: boolean; maxAgeSeconds?: number } = {}): string {
  const parts = [`${name}=${value}`, 'Path=/', 'SameSite=None'];
  if (opts.maxAgeSeconds !== undefined) parts.push(`Max-Age=${opts.maxAgeSeconds}`);
  if (opts.httpOnly ?? false) parts.push('HttpOnly');
  return parts.join('; ');
}

export function clearCookie(name: string): string {
  return `${name}=deleted; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:01 GMT`;
}

export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  return match?.[1];
}

function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim()] = decodeURIComponent(part.slice(eq + 1).trim());
  }
  return out;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    if (size < MAX_BODY) chunks.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, MAX_BODY);
}

function parseFields(body: string, contentType: string | undefined): Record<string, string> {
  if (body.trim() === '') return {};
  const strings = (entries: [string, unknown][]) =>
    Object.fromEntries(entries.filter(([, v]) => typeof v === 'string' || typeof v === 'number').map(([k, v]) => [k, String(v)]));
  if ((contentType ?? '').includes('application/x-www-form-urlencoded')) return strings([...new URLSearchParams(body)]);
  try {
    const value: unknown = JSON.parse(body);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return strings(Object.entries(value));
  } catch {
    // not JSON: try a form body without its content type
    return strings([...new URLSearchParams(body)]);
  }
  return {};
}

/** Starts a server on 127.0.0.1 with an ephemeral port that answers every request with `handle`. */
export async function startShapeServer(handle: (req: ShapeRequest) => ShapeReply): Promise<ShapeServer> {
  const counters = new Map<string, number>();
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const method = (req.method ?? 'GET').toUpperCase();
      const key = `${method} ${url.pathname}`;
      counters.set(key, (counters.get(key) ?? 0) + 1);
      const body = await readBody(req);
      let reply: ShapeReply;
      try {
        reply = handle({
          method,
          url,
          path: url.pathname,
          headers: req.headers,
          cookies: parseCookies(req.headers.cookie),
          fields: parseFields(body, req.headers['content-type']),
        });
      } catch (err) {
        reply = json(500, { error: 'shape_server_bug', message: String(err) });
      }
      const text = reply.body ?? '';
      res.writeHead(reply.status, { ...reply.headers, 'content-length': String(Buffer.byteLength(text)) });
      res.end(text);
    })().catch(() => res.destroy());
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requestCount(path, method) {
      let total = 0;
      for (const [key, n] of counters) {
        const [m, p] = [key.slice(0, key.indexOf(' ')), key.slice(key.indexOf(' ') + 1)];
        if (p === path && (method === undefined || m === method.toUpperCase())) total += n;
      }
      return total;
    },
    counts: () => Object.fromEntries(counters),
    resetCounts: () => counters.clear(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
