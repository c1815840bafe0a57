/**
 * The bundle that ships (dist/bundle/outpost.cjs: package.json's bin, the image's ENTRYPOINT), run
 * for real, so that a bundle that breaks fails `npm test` (which builds it first):
 * - files found relative to import.meta.url (package.json's version, the built-in scenarios) are
 *   found from dist/bundle/ too, from any working directory;
 * - `validate` answers as dist/cli.js does;
 * - `run` against the simulator: logins (cookies: tough-cookie, loaded on demand, a chunk of its
 *   own), sessions and feeds through undici's Client, and an incident's webhook through its
 *   `request` and `Agent`, both from the cut-down undici of scripts/undici-client.cjs;
 * - that cut-down undici hands out undici's own objects.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import nodeModule, { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { BUNDLE, CLI, ROOT, cleanEnv, runCli, simulatorConfig } from '../cli/helpers.js';
import { spawnRun, type Spawned } from '../support/daemon.js';
import { samplesOf, getMetrics } from '../support/metrics.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { startTarget, closeTargets } from '../support/targets.js';
import { waitFor } from '../support/wait.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string> };

describe('the shipped bundle', () => {
  it('is what package.json\'s bin names', () => {
    expect(join(ROOT, pkg.bin.outpost!)).toBe(BUNDLE);
  });

  it('--version prints package.json\'s version, from any directory', async () => {
    const r = await runCli(['--version'], { cli: BUNDLE, cwd: tmpdir() });
    expect([r.code, r.stdout, r.stderr]).toEqual([0, `outpost ${pkg.version}\n`, '']);
  });

  it('validate answers as dist/cli.js does, for a valid and an invalid config', async () => {
    for (const config of ['config/outpost.example.yaml', 'test/fixtures/does-not-exist.yaml']) {
      const env = cleanEnv({ ONCALL_WEBHOOK_URL: 'https://hooks.example.test/x' });
      const [bundled, plain] = await Promise.all([runCli(['validate', '--config', config], { cli: BUNDLE, env }), runCli(['validate', '--config', config], { env })]);
      expect(bundled).toEqual(plain);
    }
    const ok = await runCli(['validate', '--config', 'config/outpost.example.yaml'], { cli: BUNDLE });
    expect(ok.code).toBe(0);
  });

  // Node ≥ 22.1 has its own compile cache (Outpost enables it); before, the bundle keeps V8's code cache itself.
  it.skipIf(typeof (nodeModule as { enableCompileCache?: unknown }).enableCompileCache === 'function')(
    'keeps the V8 code cache of its chunks in a private directory (Node 20), unless NODE_DISABLE_COMPILE_CACHE',
    async () => {
      const tmp = mkdtempSync(join(tmpdir(), 'outpost-codecache-'));
      try {
        const cacheDir = join(tmp, `outpost-v8-cache-${process.getuid!()}`);
        const args = ['validate', '--config', 'config/outpost.example.yaml'];
        const off = await runCli(args, { cli: BUNDLE, env: cleanEnv({ TMPDIR: tmp, NODE_DISABLE_COMPILE_CACHE: '1' }) });
        expect(off.code).toBe(0);
        expect(existsSync(cacheDir)).toBe(false);
        const cold = await runCli(args, { cli: BUNDLE, env: cleanEnv({ TMPDIR: tmp }) });
        const cached = readdirSync(cacheDir);
        expect(cached.some((f) => f.startsWith('load-'))).toBe(true);
        expect(statSync(cacheDir).mode & 0o077).toBe(0);
        const written = cached.map((f) => statSync(join(cacheDir, f)).mtimeMs);
        const warm = await runCli(args, { cli: BUNDLE, env: cleanEnv({ TMPDIR: tmp }) });
        expect(warm).toEqual(cold);
        expect(warm.code).toBe(0);
        // Read back and accepted by V8: nothing written again.
        expect(readdirSync(cacheDir).sort()).toEqual([...cached].sort());
        expect(cached.map((f) => statSync(join(cacheDir, f)).mtimeMs)).toEqual(written);
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    },
  );

  it('simulate finds the built-in scenarios from any directory', async () => {
    const child = spawn(process.execPath, [BUNDLE, 'simulate', '--scenario', 'march-5', '--host', '127.0.0.1', '--port', '0'], { cwd: tmpdir(), env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += String(c)));
    child.stderr.on('data', (c) => (out += String(c)));
    try {
      await waitFor(() => /\[scenario march-5 \+0s\]/.test(out) || child.exitCode !== null, 'the scenario to start');
      expect(out).toMatch(/\[scenario march-5 \+0s\]/);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('outpost run from the bundle', () => {
  let sim: Simulator;
  let hook: Receiver;
  let dir: string;
  let d: Spawned | undefined;

  beforeAll(async () => {
    sim = await startSimulator({ port: 0, latencyMs: [0, 0], itemEverySeconds: 1 });
    hook = await startReceiver(200);
    dir = mkdtempSync(join(tmpdir(), 'outpost-bundle-'));
  });

  afterAll(async () => {
    d?.kill();
    await d?.exited;
    await sim?.close();
    await hook?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs in, runs every check, and sends an incident\'s webhook', async () => {
    const config = join(dir, 'outpost.yaml');
    writeFileSync(
      config,
      simulatorConfig(sim.url, {
        stateDir: join(dir, 'state'),
        logLevel: 'info',
        defaults: '{ interval: 1s, timeout: 900ms, retries: 0, failureThreshold: 1, successThreshold: 1 }',
        extraTop: `incidents: { groupWait: 200ms }\nwebhooks:\n  - { name: hook, url: "${hook.url}", timeout: 2s }`,
      }),
    );
    d = spawnRun(config, cleanEnv(), BUNDLE);
    const url = await d.url();
    // Every check (cookie logins included) has succeeded at least once.
    const checks = await waitFor(async () => {
      const runs = samplesOf(await getMetrics(url), 'outpost_check_runs_total');
      const names = new Set(runs.map((s) => `${s.labels.group}/${s.labels.check}`));
      const ok = new Set(runs.filter((s) => s.labels.result === 'success' && s.value > 0).map((s) => `${s.labels.group}/${s.labels.check}`));
      return names.size > 0 && ok.size === names.size ? [...ok] : undefined;
    }, 'every check to succeed once');
    expect(checks.some((c) => c.startsWith('facebook/'))).toBe(true);

    sim.setFaults('threads', [{ type: 'http_5xx' }]);
    const opened = await waitFor(
      () => hook.delivered().map((r) => JSON.parse(r.body) as { event: string; incident: { group: string | null } }).find((n) => n.event === 'incident.opened' && n.incident.group === 'threads'),
      'the threads incident\'s webhook',
    );
    expect(opened.event).toBe('incident.opened');

    d.child.kill('SIGTERM');
    expect((await d.exited).code).toBe(0);
    expect(d.stderr()).toBe('');
  }, 30_000);
});

describe('the cut-down undici of the bundle (scripts/undici-client.cjs)', () => {
  const require = createRequire(import.meta.url);
  const slim = require('../../scripts/undici-client.cjs') as typeof import('undici');

  afterAll(closeTargets);

  it('hands out undici\'s own Client, Agent and Dispatcher, with the request API installed by itself', () => {
    // In a process of its own: undici's index.js, once loaded, installs the request API too.
    const probe = `const slim = require('./scripts/undici-client.cjs');
      const before = typeof slim.Client.prototype.request;
      const undici = require('undici');
      console.log(JSON.stringify([before, slim.Client === undici.Client, slim.Agent === undici.Agent, slim.Dispatcher === undici.Dispatcher]));`;
    const out = execFileSync(process.execPath, ['-e', probe], { cwd: ROOT, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual(['function', true, true, true]);
  });

  it('request() through an Agent, and client.request(), reach a server', async () => {
    const target = await startTarget({ routes: { '/hook': (_req, res) => res.writeHead(204).end() } });
    const agent = new slim.Agent();
    const client = new slim.Client(target.url);
    try {
      const a = await slim.request(`${target.url}/hook`, { method: 'POST', body: '{}', dispatcher: agent });
      await a.body.dump();
      const b = await client.request({ path: '/hook', method: 'GET' });
      await b.body.dump();
      expect([a.statusCode, b.statusCode]).toEqual([204, 204]);
    } finally {
      await client.close();
      await agent.close();
    }
  });
});

// dist/cli.js stays a working entry (the rest of the suite spawns it).
it('dist/cli.js still runs', async () => {
  const r = await runCli(['--version'], { cli: CLI });
  expect(r.stdout).toBe(`outpost ${pkg.version}\n`);
});
