/**
 * A loopback reverse proxy in front of the simulator that records every credential that crosses
 * it: session cookies the platforms set, bearer tokens they issue in login answers, and the
 * Authorization and Cookie headers Outpost sends. The secrets test then looks for each of them in
 * everything Outpost emitted.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordingProxy {
  url: string;
  /** Every credential value seen (cookies, tokens, Authorization values), deduplicated. */
  secrets(): string[];
  requests(): number;
  close(): Promise<void>;
}

const TOKEN_FIELDS = /^(token|access_token|session|sessionid|sid)$/i;

export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const seen = new Set<string>();
  let count = 0;
  const add = (v: string | undefined) => {
    if (v && v.length >= 8) seen.add(v);
  };
  const upstream = new URL(target);

  const server = http.createServer((req, res) => {
    count++;
    const auth = req.headers.authorization;
    if (auth) add(auth.replace(/^(Bearer|Basic)\s+/i, ''));
    for (const pair of (req.headers.cookie ?? '').split(';')) add(pair.split('=')[1]?.trim());
    const out = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
      (up) => {
        for (const c of [up.headers['set-cookie'] ?? []].flat()) add(c.split(';')[0]!.split('=').slice(1).join('='));
        const chunks: Buffer[] = [];
        up.on('data', (c: Buffer) => chunks.push(c));
        up.on('end', () => {
          const body = Buffer.concat(chunks);
          if ((up.headers['content-type'] ?? '').includes('json') && body.length < 64 * 1024) {
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
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    secrets: () => [...seen],
    requests: () => count,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function collect(v: unknown, add: (s: string) => void, depth = 0): void {
  if (depth > 4 || v === null || typeof v !== 'object') return;
  for (const [k, x] of Object.entries(v)) {
    if (typeof x === 'string' && TOKEN_FIELDS.test(k)) add(x);
    else collect(x, add, depth + 1);
  }
}
