/**
 * A loopback reverse proxy in front of a platform (the simulator or a shape server) that records
 * every session secret crossing it: cookies the platform sets, tokens in its JSON answers, and the
 * Authorization and Cookie values Outpost sends. Secrets tests then look for each of them in
 * everything Outpost emitted. With `leakToken`, a threads feed request carrying a bearer token is
 * redirected to /threads/login/<token> (a session id in a URL, as some platforms do), so a failure
 * message holds the token.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordingProxy {
  url: string;
  /** Every secret seen (8 characters or more), deduplicated. */
  secrets: Set<string>;
  requests(): number;
  close(): Promise<void>;
}

const TOKEN_FIELD = /token|session|sid/i;
const MAX_JSON = 64 * 1024;

export async function startRecordingProxy(target: string, opts: { leakToken?: boolean } = {}): Promise<RecordingProxy> {
  const secrets = new Set<string>();
  let count = 0;
  const add = (v: string | undefined) => {
    if (v && v.length >= 8 && v !== 'deleted') secrets.add(v);
  };
  const upstream = new URL(target);

  const server = http.createServer((req, res) => {
    count++;
    const auth = req.headers.authorization;
    const token = auth?.replace(/^(Bearer|Basic)\s+/i, '');
    add(token);
    for (const part of (req.headers.cookie ?? '').split(';')) add(part.split('=').slice(1).join('=').trim());
    if (opts.leakToken && token && req.url?.startsWith('/threads/api/feed')) {
      req.resume();
      res.writeHead(302, { location: `/threads/login/${token}` });
      res.end();
      return;
    }
    const out = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
      (up) => {
        for (const c of [up.headers['set-cookie'] ?? []].flat()) add(c.split(';')[0]!.split('=').slice(1).join('=').trim());
        const chunks: Buffer[] = [];
        up.on('data', (c: Buffer) => chunks.push(c));
        up.on('end', () => {
          const body = Buffer.concat(chunks);
          if (String(up.headers['content-type'] ?? '').includes('json') && body.length < MAX_JSON) {
            try {
              collect(JSON.parse(body.toString('utf8')), add);
            } catch {
              // not JSON after all: nothing to record
            }
          }
          res.writeHead(up.statusCode ?? 502, up.headers);
          res.end(body);
        });
        up.on('error', () => res.destroy());
      },
    );
    out.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(out);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    secrets,
    requests: () => count,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function collect(v: unknown, add: (s: string) => void, depth = 0): void {
  if (depth > 5 || v === null || typeof v !== 'object') return;
  for (const [k, x] of Object.entries(v)) {
    if (typeof x === 'string' && TOKEN_FIELD.test(k)) add(x);
    else collect(x, add, depth + 1);
  }
}
