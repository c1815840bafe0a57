/**
 * A real Prometheus + Alertmanager stack for tests, as child processes on 127.0.0.1.
 *
 *   const am = await startAlertmanager({ webhookUrl: receiver.url });
 *   const prom = await startPrometheus({ scrapeTargets: ['127.0.0.1:9464'], rulesFiles: [...], alertmanagerUrl: am.url });
 *   await waitFor(async () => (await prom.alerts()).some((a) => a.state === 'firing'), 'an alert');
 *   await prom.stop(); await am.stop();
 *
 * Everything is bounded: readiness waits, polls and shutdown (SIGTERM, then SIGKILL). Each process
 * gets its own temporary directory (config and storage), removed on stop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { waitFor } from './wait.js';

/** The first of `names` found as an executable on PATH, or undefined. */
export function findBinary(...names: string[]): string | undefined {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  for (const name of names) {
    for (const dir of dirs) {
      const candidate = path.join(dir, name);
      try {
        accessSync(candidate, fsConstants.X_OK);
        return candidate;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

export const PROMETHEUS_BIN = findBinary('prometheus');
/** Debian names the binary prometheus-alertmanager; upstream archives name it alertmanager. */
export const ALERTMANAGER_BIN = findBinary('prometheus-alertmanager', 'alertmanager');
export const PROMTOOL_BIN = findBinary('promtool');
export const AMTOOL_BIN = findBinary('amtool');

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** An ephemeral port that was free a moment ago (the child binds it; startup retries on a clash). */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function getJson(url: string): Promise<any> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

// ---------------------------------------------------------------------------------------------
// Child processes

interface Child {
  proc: ChildProcess;
  /** Last lines of stdout/stderr, for error messages. */
  output: () => string;
  exited: Promise<number | null>;
}

function spawnChild(bin: string, args: string[]): Child {
  const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const keep = (chunk: Buffer): void => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (lines.length > 60) lines.splice(0, lines.length - 60);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => {
    proc.once('exit', (code) => resolve(code));
    proc.once('error', (err) => {
      lines.push(String(err));
      resolve(-1);
    });
  });
  return { proc, output: () => lines.join('\n'), exited };
}

async function stopChild(child: Child, graceMs = 5_000): Promise<void> {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return;
  child.proc.kill('SIGTERM');
  const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref());
  if ((await Promise.race([child.exited, timer])) === 'timeout') {
    child.proc.kill('SIGKILL');
    await Promise.race([child.exited, sleep(2_000)]);
  }
}

/**
 * Start `bin` on a free port and wait until `<url>/-/ready` answers 200. Retries on another
 * port when the child exits early (a port taken in between), at most 3 times.
 */
async function startReady(
  name: string,
  bin: string,
  argsFor: (listen: string) => string[],
  readyTimeoutMs: number,
): Promise<{ child: Child; url: string }> {
  let lastOutput = '';
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const listen = `127.0.0.1:${await freePort()}`;
    const url = `http://${listen}`;
    const child = spawnChild(bin, argsFor(listen));
    let exited = false;
    void child.exited.then(() => {
      exited = true;
    });
    const outcome = await waitFor(
      async () => {
        if (exited) return 'exited' as const;
        const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) });
        return res.status === 200 ? ('ready' as const) : false;
      },
      `${name} ready at ${url}`,
      readyTimeoutMs,
      100,
    ).catch(() => 'timeout' as const);
    if (outcome === 'ready') return { child, url };
    lastOutput = child.output();
    await stopChild(child);
    if (outcome === 'timeout') {
      throw new Error(`${name} not ready at ${url} within ${readyTimeoutMs} ms\n--- ${name} output ---\n${lastOutput}`);
    }
  }
  throw new Error(`${name} exited at startup 3 times\n--- ${name} output ---\n${lastOutput}`);
}

async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(tmpdir(), prefix));
}

// ---------------------------------------------------------------------------------------------
// Prometheus

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface PromAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
  activeAt: string;
  value: string;
}

export interface PrometheusHandle {
  url: string;
  /** Instant query (`/api/v1/query`); the `result` array of a vector answer. */
  query(q: string): Promise<PromSample[]>;
  /** Active (pending and firing) alerts (`/api/v1/alerts`). */
  alerts(): Promise<PromAlert[]>;
  /** Last lines the process printed, for assertion messages. */
  output(): string;
  stop(): Promise<void>;
}

export interface PrometheusOptions {
  /** host:port of each target of the scrape job. */
  scrapeTargets: string[];
  /** Absolute paths of rule files to load. */
  rulesFiles?: string[];
  /** Base URL of an Alertmanager, e.g. the `url` of startAlertmanager(). */
  alertmanagerUrl?: string;
  /** Default `outpost` (the job OutpostDown/OutpostAbsent watch). */
  jobName?: string;
  scrapeInterval?: string;
  evaluationInterval?: string;
  readyTimeoutMs?: number;
}

export function prometheusConfig(opts: PrometheusOptions): Record<string, unknown> {
  const config: Record<string, unknown> = {
    global: {
      scrape_interval: opts.scrapeInterval ?? '1s',
      scrape_timeout: '1s',
      evaluation_interval: opts.evaluationInterval ?? '1s',
    },
    rule_files: opts.rulesFiles ?? [],
    scrape_configs: [{ job_name: opts.jobName ?? 'outpost', static_configs: [{ targets: opts.scrapeTargets }] }],
  };
  if (opts.alertmanagerUrl) {
    const am = new URL(opts.alertmanagerUrl);
    config.alerting = {
      alertmanagers: [{ scheme: am.protocol.replace(':', ''), static_configs: [{ targets: [am.host] }] }],
    };
  }
  return config;
}

export async function startPrometheus(opts: PrometheusOptions): Promise<PrometheusHandle> {
  if (!PROMETHEUS_BIN) throw new Error('prometheus is not installed (Debian package prometheus)');
  const run = await startWithConfig('prometheus', PROMETHEUS_BIN, prometheusConfig(opts), opts.readyTimeoutMs, (listen, configFile, dir) => [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${path.join(dir, 'data')}`,
    `--web.listen-address=${listen}`,
    '--rules.alert.resend-delay=1s',
    '--log.level=warn',
  ]);
  return {
    ...run,
    async query(q) {
      const body = await getJson(`${run.url}/api/v1/query?query=${encodeURIComponent(q)}`);
      return body.data.result as PromSample[];
    },
    async alerts() {
      const body = await getJson(`${run.url}/api/v1/alerts`);
      return body.data.alerts as PromAlert[];
    },
  };
}

/** A tool started on its config file in a temporary directory, ready; stop() removes the directory. */
async function startWithConfig(
  name: 'prometheus' | 'alertmanager',
  bin: string,
  config: Record<string, unknown>,
  readyTimeoutMs: number | undefined,
  argsFor: (listen: string, configFile: string, dir: string) => string[],
): Promise<{ url: string; output: () => string; stop: () => Promise<void> }> {
  const dir = await tempDir(`outpost-${name}-`);
  const configFile = path.join(dir, `${name}.yml`);
  try {
    await writeFile(configFile, stringify(config));
    const { child, url } = await startReady(name, bin, (listen) => argsFor(listen, configFile, dir), readyTimeoutMs ?? 20_000);
    return {
      url,
      output: child.output,
      async stop() {
        await stopChild(child);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// Alertmanager

export interface AlertmanagerHandle {
  url: string;
  /** Alerts Alertmanager holds (`/api/v2/alerts`). */
  alerts(): Promise<Array<{ labels: Record<string, string>; status: { state: string } }>>;
  output(): string;
  stop(): Promise<void>;
}

export interface AlertmanagerOptions {
  /** Where the single receiver POSTs (send_resolved: true). */
  webhookUrl: string;
  groupBy?: string[];
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
  /** Extra inhibit_rules, in Alertmanager's YAML shape. */
  inhibitRules?: unknown[];
  readyTimeoutMs?: number;
}

export function alertmanagerConfig(opts: AlertmanagerOptions): Record<string, unknown> {
  return {
    route: {
      receiver: 'webhook',
      group_by: opts.groupBy ?? ['alertname', 'group', 'location'],
      group_wait: opts.groupWait ?? '1s',
      group_interval: opts.groupInterval ?? '1s',
      repeat_interval: opts.repeatInterval ?? '1h',
    },
    receivers: [{ name: 'webhook', webhook_configs: [{ url: opts.webhookUrl, send_resolved: true }] }],
    inhibit_rules: opts.inhibitRules ?? [],
  };
}

export async function startAlertmanager(opts: AlertmanagerOptions): Promise<AlertmanagerHandle> {
  if (!ALERTMANAGER_BIN) {
    throw new Error('alertmanager is not installed (Debian package prometheus-alertmanager)');
  }
  const run = await startWithConfig('alertmanager', ALERTMANAGER_BIN, alertmanagerConfig(opts), opts.readyTimeoutMs, (listen, configFile, dir) => [
    `--config.file=${configFile}`,
    `--storage.path=${path.join(dir, 'data')}`,
    `--web.listen-address=${listen}`,
    '--cluster.listen-address=',
    '--log.level=warn',
  ]);
  return {
    ...run,
    async alerts() {
      return getJson(`${run.url}/api/v2/alerts`);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Webhook receiver: what Alertmanager POSTs

/** Alertmanager's webhook payload (version 4), the fields tests look at. */
export interface AlertmanagerNotification {
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  alerts: Array<{
    status: 'firing' | 'resolved';
    labels: Record<string, string>;
    annotations: Record<string, string>;
  }>;
}

export interface WebhookReceiver {
  url: string;
  /** Every notification received so far, oldest first. */
  notifications: AlertmanagerNotification[];
  stop(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const notifications: AlertmanagerNotification[] = [];
  const server = createHttpServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        notifications.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as AlertmanagerNotification);
        res.writeHead(200).end();
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/alerts`,
    notifications,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
