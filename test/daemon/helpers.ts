/**
 * Daemon test helpers: an in-process daemon on a temp config, a spawned `node dist/cli.js run`,
 * a Prometheus text parser, and a recording proxy that learns the session secrets a platform issues.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { startDaemon, type Daemon } from '../../src/daemon.js';
import { createLogger } from '../../src/log.js';
import { createRedactor } from '../../src/redact.js';
import { CLI, ROOT, cleanEnv } from '../cli/helpers.js';

export { simulatorConfig } from '../cli/helpers.js';

/** Polls until fn returns a truthy value; bounded in time and count. */
export async function waitFor<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 10_000 && Date.now() < deadline; i++) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** An in-process daemon whose log lines are kept (parsed) in `logs`. */
export async function inProcessDaemon(configPath: string, level = 'info'): Promise<{ d: Daemon; logs: Record<string, unknown>[] }> {
  const logs: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n')) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const logger = createLogger({ level, redactor: createRedactor(), destination });
  const d = await startDaemon({ configPath, env: cleanEnv(), defaultMetrics: false, retryMinMs: 10, logger, graceMs: 2000 });
  return { d, logs };
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus text exposition → samples. */
export function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`unparseable metrics line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

export async function getMetrics(url: string): Promise<Sample[]> {
  return parseMetrics(await (await fetch(`${url}/metrics`)).text());
}

export interface Spawned {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** JSON log lines so far. */
  logs: () => Record<string, unknown>[];
  url: () => Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(): void;
}

/** `node dist/cli.js run --config …`; its URL comes from the "outpost running" log line (logLevel ≤ info). */
export function spawnRun(configPath: string, env: NodeJS.ProcessEnv = cleanEnv()): Spawned {
  const child = spawn(process.execPath, [CLI, 'run', '--config', configPath], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c) => (out += String(c)));
  child.stderr!.on('data', (c) => (err += String(c)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const logs = () =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    logs,
    url: () => waitFor(() => logs().find((l) => l.msg === 'outpost running')?.url as string | undefined, `the daemon to start (stderr: ${err})`),
    exited,
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

export interface RecordingProxy {
  url: string;
  /** Every session secret seen: Set-Cookie values, tokens in answers, Authorization and Cookie values sent. */
  secrets: Set<string>;
  close(): Promise<void>;
}

/**
 * A proxy in front of the simulator that records the session secrets passing through it. With
 * `leakToken`, a threads feed request carrying a bearer token is redirected to /threads/login/<token>
 * (a session id in a URL, as some platforms do): the failure's message then holds the token.
 */
export async function startRecordingProxy(target: string, opts: { leakToken?: boolean } = {}): Promise<RecordingProxy> {
  const secrets = new Set<string>();
  const t = new URL(target);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const auth = req.headers.authorization;
      if (auth) secrets.add(auth.replace(/^Bearer\s+/i, ''));
      for (const part of (req.headers.cookie ?? '').split(';')) {
        const v = part.split('=').slice(1).join('=').trim();
        if (v) secrets.add(v);
      }
      if (opts.leakToken && auth && req.url?.startsWith('/threads/api/feed')) {
        res.writeHead(302, { location: `/threads/login/${auth.replace(/^Bearer\s+/i, '')}` });
        res.end();
        return;
      }
      const up = http.request(
        { host: t.hostname, port: t.port, method: req.method, path: req.url, headers: { ...req.headers, host: t.host } },
        (ures) => {
          const body: Buffer[] = [];
          ures.on('data', (c: Buffer) => body.push(c));
          ures.on('end', () => {
            for (const sc of ([] as string[]).concat(ures.headers['set-cookie'] ?? [])) {
              const v = sc.split(';')[0]!.split('=').slice(1).join('=').trim();
              if (v && v !== 'deleted') secrets.add(v);
            }
            const text = Buffer.concat(body).toString('utf8');
            if (/json/.test(String(ures.headers['content-type']))) {
              try {
                collectTokens(JSON.parse(text), secrets);
              } catch {
                /* not JSON after all */
              }
            }
            res.writeHead(ures.statusCode ?? 502, ures.headers);
            res.end(Buffer.concat(body));
          });
        },
      );
      up.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      up.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    secrets,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

function collectTokens(v: unknown, out: Set<string>, depth = 0): void {
  if (depth > 5 || v === null || typeof v !== 'object') return;
  for (const [k, x] of Object.entries(v)) {
    if (typeof x === 'string' && /token|session|sid/i.test(k) && x.length >= 8) out.add(x);
    else collectTokens(x, out, depth + 1);
  }
}
