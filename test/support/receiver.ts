/**
 * A webhook receiver for tests: a node:http server on 127.0.0.1 (ephemeral port) that records
 * every request (headers, raw body) and answers as told: a status (200, 400, 503…), optionally
 * with headers, `hang` (never answers until `release()`), or `refuse` (the listener is closed and
 * open connections destroyed; switching to another mode listens again on the same port).
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export type Mode = number | 'hang' | 'refuse' | { status: number; headers?: Record<string, string> };

export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
  /** What it was answered: a status, or null while hanging / when the connection was dropped. */
  answered: number | null;
}

export interface Receiver {
  url: string;
  port: number;
  requests: Received[];
  mode(): Mode;
  setMode(mode: Mode): Promise<void>;
  /** Answer every hanging request with `status`. */
  release(status?: number): void;
  /** Requests answered with a 2xx. */
  delivered(): Received[];
  close(): Promise<void>;
}

const listen = (server: Server, port: number): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });

export async function startReceiver(initial: Mode = 200): Promise<Receiver> {
  let mode: Mode = initial === 'refuse' ? 200 : initial;
  const requests: Received[] = [];
  const hanging: { res: ServerResponse; rec: Received }[] = [];
  const sockets = new Set<Socket>();

  const answer = (res: ServerResponse, rec: Received, status: number, headers: Record<string, string> = {}): void => {
    rec.answered = status;
    res.writeHead(status, { 'content-type': 'text/plain', ...headers });
    res.end(status < 300 ? 'ok' : 'nope');
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec: Received = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now(), answered: null };
      requests.push(rec);
      const m = mode;
      if (m === 'hang') hanging.push({ res, rec });
      else if (m === 'refuse') res.destroy();
      else if (typeof m === 'number') answer(res, rec, m);
      else answer(res, rec, m.status, m.headers);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const port = await listen(server, 0);
  let listening = true;

  const dropAll = (): void => {
    for (const s of sockets) s.destroy();
    hanging.length = 0;
  };

  const r: Receiver = {
    url: `http://127.0.0.1:${port}/hook`,
    port,
    requests,
    mode: () => mode,
    async setMode(next) {
      if (next === 'refuse' && listening) {
        listening = false;
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        dropAll();
        await closed;
      } else if (next !== 'refuse' && !listening) {
        await listen(server, port);
        listening = true;
      }
      mode = next;
    },
    release(status = 200) {
      for (const { res, rec } of hanging.splice(0)) if (!res.destroyed) answer(res, rec, status);
    },
    delivered: () => requests.filter((x) => x.answered !== null && x.answered >= 200 && x.answered < 300),
    async close() {
      dropAll();
      if (listening) await new Promise<void>((resolve) => server.close(() => resolve()));
      listening = false;
    },
  };
  return r;
}

