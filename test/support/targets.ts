/**
 * Loopback targets for probe and journey tests: HTTP or HTTPS servers on 127.0.0.1 (port 0) with a
 * scripted behaviour per path. A route is a handler, or a list of handlers used in turn (the last
 * one repeats), e.g. `[reply.status(503), reply.status(503), reply.json(200, {})]`. Every request
 * is recorded (method, path, headers, body). `closeTargets()` closes every target started, hanging
 * sockets included; call it in afterEach.
 */
import { createServer as createHttpServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';

export interface Recorded {
  method: string;
  /** Path without the query string. */
  path: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type Handler = (req: Recorded, res: ServerResponse, raw: IncomingMessage) => void;
/** Keyed by `/path` (any method) or `METHOD /path`. */
export type Routes = Record<string, Handler | Handler[]>;

export interface Target {
  /** http(s)://127.0.0.1:port */
  url: string;
  port: number;
  requests: Recorded[];
  /** Requests made to `path` (any method, or only `method`). */
  hits(path: string, method?: string): Recorded[];
  /** Add or replace a route (its turn counter restarts). */
  route(key: string, handler: Handler | Handler[]): void;
  close(): Promise<void>;
}

export interface TargetOptions {
  routes?: Routes;
  tls?: { key: string; cert: string };
}

const open = new Set<Target>();

export async function startTarget(opts: TargetOptions = {}): Promise<Target> {
  const routes = new Map<string, { handlers: Handler[]; turn: number }>();
  const route = (key: string, h: Handler | Handler[]) => routes.set(key, { handlers: Array.isArray(h) ? h : [h], turn: 0 });
  for (const [k, h] of Object.entries(opts.routes ?? {})) route(k, h);
  const requests: Recorded[] = [];
  const sockets = new Set<Socket>();

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '/';
      const rec: Recorded = { method: req.method ?? '', path: url.split('?')[0]!, url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(rec);
      const r = routes.get(`${rec.method} ${rec.path}`) ?? routes.get(rec.path);
      if (!r) return reply.json(404, { error: 'not found' })(rec, res, req);
      const h = r.handlers[Math.min(r.turn++, r.handlers.length - 1)]!;
      h(rec, res, req);
    });
  };
  const server: Server = opts.tls ? createHttpsServer({ key: opts.tls.key, cert: opts.tls.cert }, onRequest) : createHttpServer(onRequest);
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('tlsClientError', () => undefined); // a client refusing our certificate is the test's point
  const port = await listen(server);
  const target: Target = {
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    requests,
    hits: (path, method) => requests.filter((r) => r.path === path && (!method || r.method === method)),
    route,
    async close() {
      open.delete(target);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
  open.add(target);
  return target;
}

/** Close every target started (hanging sockets too). */
export async function closeTargets(): Promise<void> {
  await Promise.all([...open].map((t) => t.close()));
}

/** A port on 127.0.0.1 that was bound and closed again: connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const s = createNetServer();
  const port = await listen(s);
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

function listen(server: Server | ReturnType<typeof createNetServer>): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : 0);
    });
  });
}

type Headers = Record<string, string | string[]>;

/** Scripted answers. */
export const reply = {
  status(status: number, headers: Headers = {}): Handler {
    return (_q, res) => {
      res.writeHead(status, { 'content-type': 'text/plain', ...headers });
      res.end(`status ${status}`);
    };
  },
  json(status: number, body: unknown, headers: Headers = {}): Handler {
    return (_q, res) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
  },
  /** Raw text with a content type (e.g. truncated JSON). */
  text(status: number, body: string, contentType = 'text/plain', headers: Headers = {}): Handler {
    return (_q, res) => {
      res.writeHead(status, { 'content-type': contentType, ...headers });
      res.end(body);
    };
  },
  html(status: number, body: string, headers: Headers = {}): Handler {
    return reply.text(status, body, 'text/html; charset=utf-8', headers);
  },
  redirect(status: number, location: string, headers: Headers = {}): Handler {
    return (_q, res) => {
      res.writeHead(status, { location, ...headers });
      res.end();
    };
  },
  /** A body sent gzip-encoded. */
  gzip(status: number, body: Buffer | string, contentType = 'application/json'): Handler {
    const gz = gzipSync(body);
    return (_q, res) => {
      res.writeHead(status, { 'content-type': contentType, 'content-encoding': 'gzip', 'content-length': String(gz.length) });
      res.end(gz);
    };
  },
  /** Never answers (the socket stays open until the target closes). */
  hang(): Handler {
    return () => undefined;
  },
  /** Headers and the start of a body, then nothing more. */
  hangMidBody(): Handler {
    return (_q, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"items": [');
    };
  },
  /** Headers and the start of a body, then the connection is reset. */
  resetMidBody(): Handler {
    return (_q, res, raw) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"items": [', () => setTimeout(() => raw.socket.resetAndDestroy(), 20));
    };
  },
  /** Any handler, with a side effect first (count, flip a flag). */
  tap(fn: (req: Recorded) => void, then: Handler): Handler {
    return (q, res, raw) => {
      fn(q);
      then(q, res, raw);
    };
  },
};
