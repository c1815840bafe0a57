import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoPath } from './helpers.js';

/** The image's HEALTHCHECK script, run as Docker runs it, against a loopback server. */
const SCRIPT = repoPath('deploy', 'docker', 'healthcheck.mjs');

function runHealthcheck(url: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [SCRIPT], {
      env: { PATH: process.env.PATH ?? '', OUTPOST_HEALTHCHECK_URL: url, OUTPOST_HEALTHCHECK_TIMEOUT_MS: '2000' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolvePromise({ code, stderr }));
  });
}

describe('deploy/docker/healthcheck.mjs', () => {
  let server: Server;
  let base = '';
  const seen: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.url ?? '');
      if (req.url === '/healthz') return res.writeHead(200).end('ok');
      if (req.url === '/sick') return res.writeHead(503).end('no');
      if (req.url === '/moved') return res.writeHead(302, { location: '/healthz' }).end();
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('exits 0 when /healthz answers 200', async () => {
    const result = await runHealthcheck(`${base}/healthz`);
    expect(result.code, result.stderr).toBe(0);
    expect(seen).toContain('/healthz');
  });

  it('exits 1 on a 503, on a redirect and when nothing listens', async () => {
    expect((await runHealthcheck(`${base}/sick`)).code).toBe(1);
    expect((await runHealthcheck(`${base}/moved`)).code).toBe(1);
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const refused = await runHealthcheck(`http://127.0.0.1:${port}/healthz`);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/healthcheck: .* failed/);
  });

  it('asks the default listen address when no URL is set', () => {
    expect(readFileSync(SCRIPT, 'utf8')).toContain("'http://127.0.0.1:9464/healthz'");
  });
});
