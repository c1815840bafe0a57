/**
 * Outpost's own HTTP server: /metrics, /healthz, /readyz, /api/v1/*, the status page, and the
 * opt-in write endpoints. It reads state through the functions it is given and never drives it.
 */
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { ServerOptions } from '../config/types.js';
import type { Logger } from '../log.js';
import { parseDuration } from '../config/units.js';
import { negotiateFormat, wantsGzip, type ExpositionFormat } from './negotiate.js';
import { writeExposition, type Exposition } from './exposition.js';

export interface ServerDeps {
  /** The exposition in a format, as chunks written one after the other (backpressure respected). */
  metrics(format: ExpositionFormat): { contentType: string } & Exposition;
  status(): unknown;
  incidents(): unknown;
  statusPage(): string;
  healthy(): boolean;
  ready(): boolean;
  reload(): Promise<{ ok: boolean; issues?: { path: string; message: string }[] }>;
  maintenance: {
    add(group: string, durationMs: number, note?: string): { ok: true; window: unknown } | { ok: false; error: string };
    list(): unknown;
  };
  logger: Logger;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
  /** Apply new options that do not need a new socket (auth, reload/api switches). */
  update(opts: ServerOptions): void;
}

const SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};
const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const MAX_BODY = 16 * 1024;

export async function startServer(initial: ServerOptions, deps: ServerDeps): Promise<RunningServer> {
  let opts = initial;
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    handle(req, res).catch((err) => {
      deps.logger.error({ err, path: req.url?.split('?')[0] }, 'HTTP handler failed');
      if (!res.headersSent) send(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const open = path === '/healthz' || path === '/readyz' || (path === '/' && !opts.authStatusPage);
    if (!open && !authorized(req, opts)) {
      res.setHeader('www-authenticate', opts.auth && 'bearer' in opts.auth ? 'Bearer realm="outpost"' : 'Basic realm="outpost"');
      return send(res, 401, { error: 'unauthorized' });
    }
    const route = `${method} ${path}`;
    switch (route) {
      case 'GET /metrics':
      case 'HEAD /metrics': {
        const m = deps.metrics(negotiateFormat(req.headers.accept));
        const gzip = wantsGzip(req.headers['accept-encoding']);
        res.writeHead(200, { 'content-type': m.contentType, vary: 'Accept, Accept-Encoding', ...(gzip ? { 'content-encoding': 'gzip' } : {}) });
        if (method === 'HEAD') return res.end();
        return writeExposition(res, m, gzip);
      }
      case 'GET /healthz':
        return deps.healthy() ? text(res, 200, 'ok\n') : text(res, 503, 'scheduler stalled\n');
      case 'GET /readyz':
        return deps.ready() ? text(res, 200, 'ready\n') : text(res, 503, 'not ready\n');
      case 'GET /api/v1/status':
        return send(res, 200, deps.status());
      case 'GET /api/v1/incidents':
        return send(res, 200, deps.incidents());
      case 'GET /api/v1/maintenance':
        return send(res, 200, deps.maintenance.list());
      case 'POST /api/v1/maintenance': {
        if (!opts.api) return send(res, 403, { error: 'write API disabled: set server.api: true' });
        const body = await readJson(req);
        if (!body.ok) return send(res, 400, { error: body.error });
        const b = body.value as { group?: unknown; duration?: unknown; note?: unknown };
        const durationMs = typeof b.duration === 'string' ? parseDuration(b.duration) : undefined;
        if (typeof b.group !== 'string' || durationMs === undefined) {
          return send(res, 400, { error: 'expected {"group": "name", "duration": "30m", "note": "optional"}' });
        }
        const r = deps.maintenance.add(b.group, durationMs, typeof b.note === 'string' ? b.note.slice(0, 500) : undefined);
        return r.ok ? send(res, 201, r.window) : send(res, 400, { error: r.error });
      }
      case 'POST /-/reload': {
        if (!opts.reload) return send(res, 403, { error: 'reload endpoint disabled: set server.reload: true' });
        const r = await deps.reload();
        return send(res, r.ok ? 200 : 400, r.ok ? { status: 'reloaded' } : { status: 'refused', errors: r.issues?.map((i) => `${i.path}: ${i.message}`) });
      }
      case 'GET /':
        res.setHeader('content-security-policy', PAGE_CSP);
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        return res.end(deps.statusPage());
      default:
        if (['/metrics', '/healthz', '/readyz', '/', '/-/reload', '/api/v1/status', '/api/v1/incidents', '/api/v1/maintenance'].includes(path)) {
          return send(res, 405, { error: `method ${method} not allowed` });
        }
        return send(res, 404, { error: 'not found' });
    }
  };

  const server = opts.tls
    ? https.createServer({ cert: readFileSync(opts.tls.cert), key: readFileSync(opts.tls.key) }, handler)
    : http.createServer(handler);
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return {
    url: `${opts.tls ? 'https' : 'http'}://${hostPart}:${port}`,
    port,
    update(next) {
      opts = { ...next, host: opts.host, port: opts.port, tls: opts.tls };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function authorized(req: http.IncomingMessage, opts: ServerOptions): boolean {
  const auth = opts.auth;
  if (!auth) return true;
  const header = req.headers.authorization ?? '';
  // Auth schemes are case-insensitive (RFC 9110 §11.1).
  const scheme = header.slice(0, header.indexOf(' ') + 1).toLowerCase();
  if ('bearer' in auth) return scheme === 'bearer ' && safeEqual(header.slice(7).trim(), auth.bearer);
  if (scheme !== 'basic ') return false;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return false;
  // Evaluate both comparisons so timing does not tell which part was wrong.
  const userOk = safeEqual(decoded.slice(0, i), auth.basic.username);
  const passOk = safeEqual(decoded.slice(i + 1), auth.basic.password);
  return userOk && passOk;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

async function readJson(req: http.IncomingMessage): Promise<{ ok: true; value: unknown } | { ok: false; error: string }> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) return { ok: false, error: 'body too large' };
    chunks.push(c as Buffer);
  }
  try {
    return { ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
  } catch {
    return { ok: false, error: 'body is not valid JSON' };
  }
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body, null, 2) + '\n');
}

function text(res: http.ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(body);
}
