/**
 * Secrets never leave Outpost. The production daemon (`node dist/cli.js run`) runs at `debug`
 * against the simulator — through a proxy that records every cookie and token the platforms issue —
 * while faults come and go (forced logout, refused and challenged logins, error pages, 5xx…), with
 * webhooks, server auth and the write APIs on. Then every known password, session cookie, bearer
 * token, webhook secret and server credential is searched for in everything it emitted: stdout and
 * stderr, /metrics, /api/v1/status, /api/v1/incidents, the status page, webhook requests and the
 * state file. None may be found.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import type { Fault, Platform } from '../../src/simulator/types.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { tempDir, type TempDir } from '../reliability/support.js';
import { simulatorPlatforms } from '../support/platforms.js';
import { startRecordingProxy, type RecordingProxy } from '../support/recording-proxy.js';
import { waitFor } from '../support/wait.js';
import { metricValue } from '../support/metrics.js';

const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const WEBHOOK_SECRET = 'webhook-signing-secret-5b7e1c';
const SERVER_PASSWORD = 'server-basic-password-a8c2f0';
/** Slack-style webhook URLs carry their secret in the path. */
const WEBHOOK_PATH_SECRET = 'slack-path-secret-9d8e7f';
const PASSWORDS = ['fb-pass-1', 'ig-pass-1', 'th-pass-1'];
const AUTH = { authorization: `Basic ${Buffer.from(`ops:${SERVER_PASSWORD}`).toString('base64')}` };

const PHASES: { note: string; faults: Partial<Record<Platform, Fault[]>> }[] = [
  { note: 'healthy', faults: {} },
  { note: 'the 5 March case', faults: { facebook: [{ type: 'forced_logout' }, { type: 'login_refused' }], instagram: [{ type: 'feed_stale', ageSeconds: 3600 }], threads: [{ type: 'error_page' }] } },
  { note: 'challenges and garbage', faults: { facebook: [{ type: 'login_challenge' }], instagram: [{ type: 'invalid_json' }], threads: [{ type: 'http_5xx', status: 502 }] } },
  { note: 'limits', faults: { facebook: [{ type: 'rate_limited' }], instagram: [{ type: 'forced_logout' }], threads: [{ type: 'feed_empty' }] } },
  { note: 'recovered', faults: {} },
];

let sim: Simulator;
let proxy: RecordingProxy;
let receiver: Receiver;
let tmp: TempDir;
let child: ChildProcess;
let stdout = '';
let stderr = '';
let exitCode: number | null = null;
const surfaces: Record<string, string> = {};

const get = async (base: string, path: string, init: RequestInit = {}) => {
  const res = await fetch(base + path, { headers: AUTH, signal: AbortSignal.timeout(5000), ...init });
  return { status: res.status, text: await res.text() };
};

describe.skipIf(!existsSync(CLI))('secrets (needs `npm run build`)', () => {
  beforeAll(async () => {
    sim = await startSimulator({ port: 0, seed: 11, latencyMs: [0, 0] });
    proxy = await startRecordingProxy(sim.url);
    receiver = await startReceiver(200);
    tmp = tempDir('outpost-secrets-');
    const groups = simulatorPlatforms(proxy.url, { checks: { login: {}, session: {}, feed: {} } });
    // A hand-written journey too: the token is extracted from the login answer and sent in a header.
    (groups.threads as { endpoints: { web: { checks: Record<string, unknown> } } }).endpoints.web.checks.journey = {
      type: 'http',
      steps: [
        { name: 'login', method: 'POST', path: '/api/login', session: false, json: { username: '{{username}}', password: '{{password}}' }, extract: { tok: { json: 'access_token' } } },
        { name: 'me', path: '/api/me', session: false, headers: { authorization: 'Bearer {{tok}}' }, expect: { json: [{ path: 'username', exists: true }] } },
      ],
    };
    (groups.threads as { endpoints: { web: { variables?: object } } }).endpoints.web.variables = { username: 'seller.one', password: 'th-pass-1' };
    const config = {
      location: 'secrets',
      listen: '127.0.0.1:0',
      logLevel: 'debug',
      stateDir: `${tmp.dir}/state`,
      server: { reload: true, api: true, auth: { basic: { username: 'ops', password: SERVER_PASSWORD } } },
      defaults: { interval: '1s', timeout: '900ms', retries: 0, failureThreshold: 1, successThreshold: 1 },
      incidents: { groupWait: '100ms' },
      webhooks: [
        { name: 'ops', url: `${receiver.url}/${WEBHOOK_PATH_SECRET}`, secret: WEBHOOK_SECRET, timeout: '2s' },
        { name: 'chat', url: `${receiver.url}/${WEBHOOK_PATH_SECRET}/slack`, format: 'slack', timeout: '2s' },
      ],
      groups,
    };
    const configPath = tmp.file('outpost.yaml', stringify(config));
    child = spawn(process.execPath, [CLI, 'run', '--config', configPath], { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const exited = new Promise<void>((r) => child.on('exit', (code) => ((exitCode = code), r())));

    await waitFor(() => /"msg":"outpost running"/.test(stdout) || exitCode !== null, 'the daemon to start', 15_000);
    const base = String((JSON.parse(stdout.split('\n').find((l) => l.includes('"outpost running"'))!) as { url: string }).url);
    const runs = async () => metricValue((await get(base, '/metrics')).text, 'outpost_check_runs_total');

    for (const phase of PHASES) {
      sim.clearFaults();
      for (const [p, f] of Object.entries(phase.faults)) sim.setFaults(p as Platform, f);
      const start = await runs();
      await waitFor(async () => (await runs()) >= start + 20, `runs during "${phase.note}"`, 20_000, 100);
    }
    await waitFor(() => receiver.delivered().some((r) => r.headers['x-outpost-event'] === 'incident.resolved'), 'a resolved notification', 20_000, 100);

    // The write APIs, an unauthorised attempt, then every read surface.
    await get(base, '/-/reload', { method: 'POST' });
    await get(base, '/api/v1/maintenance', { method: 'POST', body: JSON.stringify({ group: 'facebook', duration: '1m', note: 'secret test' }) });
    await fetch(`${base}/metrics`, { headers: { authorization: `Basic ${Buffer.from('ops:wrong-password').toString('base64')}` } });
    for (const path of ['/metrics', '/api/v1/status', '/api/v1/incidents', '/api/v1/maintenance', '/', '/healthz', '/readyz']) {
      const r = await get(base, path);
      expect(r.status, path).toBe(200);
      surfaces[path] = r.text;
    }
    child.kill('SIGTERM');
    await exited;
    surfaces.stdout = stdout;
    surfaces.stderr = stderr;
    surfaces.webhooks = JSON.stringify(receiver.requests.map((r) => ({ path: r.path.replace(WEBHOOK_PATH_SECRET, '<path>'), headers: r.headers, body: r.body })));
    surfaces['state file'] = readFileSync(`${tmp.dir}/state/state.json`, 'utf8');
  }, 150_000);

  afterAll(async () => {
    if (child && exitCode === null) child.kill('SIGKILL');
    await receiver?.close();
    await proxy?.close();
    await sim?.close();
    tmp?.cleanup();
  });

  it('really exercised sessions, faults, incidents and webhooks (the test can see what it looks for)', () => {
    expect(exitCode).toBe(0);
    expect(proxy.secrets.size).toBeGreaterThanOrEqual(10);
    const lines = stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    const reasons = new Set(lines.filter((l) => l.msg === 'check run').map((l) => l.reason));
    for (const r of ['forced_logout', 'login_rejected', 'error_page', 'login_challenge', 'invalid_response', 'http_5xx', 'rate_limited', 'feed_empty', 'feed_stale']) expect(reasons, r).toContain(r);
    expect(receiver.delivered().length).toBeGreaterThanOrEqual(2);
    expect(surfaces['/api/v1/incidents']).toContain('"scope"');
  });

  it('no password, cookie, token, webhook secret or server credential appears anywhere', () => {
    const secrets = [...PASSWORDS, WEBHOOK_SECRET, SERVER_PASSWORD, WEBHOOK_PATH_SECRET, AUTH.authorization.slice(6), ...proxy.secrets];
    const leaks: string[] = [];
    for (const [where, text] of Object.entries(surfaces)) {
      for (const s of secrets) if (text.includes(s)) leaks.push(`${where}: ${s.slice(0, 4)}… (${s.length} chars)`);
    }
    expect(leaks).toEqual([]);
  });

  it('stdout is JSON lines only, and nothing went to stderr', () => {
    for (const l of stdout.split('\n').filter(Boolean)) expect(() => JSON.parse(l), l.slice(0, 100)).not.toThrow();
    expect(stderr).toBe('');
    expect(stdout).not.toMatch(/unhandled rejection/i);
  });
});
