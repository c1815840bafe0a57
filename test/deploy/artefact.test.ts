/**
 * The production artefact, as the image runs it: package.json, package-lock.json and dist/ only,
 * production dependencies from `npm ci --omit=dev`, `node dist/bundle/outpost.cjs run --config
 * <read-only file>` as a non-root user (nobody, when the tests run as root) in a directory it
 * cannot write, with only the state dir writable. Starts, answers /healthz, probes, and exits 0 on
 * SIGTERM. Needs the registry for `npm ci` (up to ~2 minutes); runs once the bundle is built.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, cpSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoPath } from './helpers.js';

const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}

async function get(url: string): Promise<{ status: number; body: string } | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return { status: response.status, body: await response.text() };
  } catch {
    return undefined;
  }
}

describe.skipIf(!existsSync(repoPath('dist', 'bundle', 'outpost.cjs')))('production artefact (dist/ + npm ci --omit=dev)', () => {
  const dirs: string[] = [];
  let appDir = '';
  let stateDir = '';
  let configPath = '';
  let target: Server;
  let targetHits = 0;
  let port = 0;
  let child: ChildProcess | undefined;
  let output = '';
  let exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  let ended = false;

  beforeAll(async () => {
    const temp = (prefix: string) => {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(dir);
      chmodSync(dir, 0o755);
      return dir;
    };
    appDir = temp('outpost-artefact-app-');
    copyFileSync(repoPath('package.json'), join(appDir, 'package.json'));
    copyFileSync(repoPath('package-lock.json'), join(appDir, 'package-lock.json'));
    cpSync(repoPath('dist'), join(appDir, 'dist'), { recursive: true });
    const install = spawnSync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], {
      cwd: appDir,
      encoding: 'utf8',
      timeout: 150_000,
    });
    if (install.status !== 0) {
      // The image's runtime stage runs the same command: if this fails, `docker build` fails too.
      const why = (install.stderr || install.error?.message || '').split('\n').filter((l) => /error code|Missing:|in sync|E404/.test(l)).join('\n');
      throw new Error(`npm ci --omit=dev (as in the Dockerfile) failed:\n${why}`);
    }
    spawnSync('chmod', ['-R', 'a+rX,go-w', appDir]);

    target = createServer((_req, res) => {
      targetHits += 1;
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const targetPort = (target.address() as AddressInfo).port;

    stateDir = temp('outpost-artefact-state-');
    if (asRoot) chownSync(stateDir, NOBODY, NOBODY);
    port = await freePort();
    const configDir = temp('outpost-artefact-config-');
    configPath = join(configDir, 'outpost.yaml');
    writeFileSync(
      configPath,
      [
        'location: test',
        `listen: 127.0.0.1:${port}`,
        `stateDir: ${stateDir}`,
        'groups:',
        '  demo:',
        '    endpoints:',
        '      web:',
        `        baseUrl: http://127.0.0.1:${targetPort}`,
        '        checks:',
        '          home: { type: http, interval: 5s, timeout: 2s, steps: [{ path: / }] }',
        '',
      ].join('\n'),
    );
    chmodSync(configPath, 0o444);

    child = spawn(process.execPath, ['dist/bundle/outpost.cjs', 'run', '--config', configPath], {
      cwd: appDir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NODE_ENV: 'production', OUTPOST_STATE_DIR: stateDir, HOME: appDir },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}),
    });
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    // 'close' comes after the last output, so a failure message shows all of it.
    exit = new Promise((r) => child!.once('close', (code, signal) => r({ code, signal })));
    void exit.then(() => (ended = true));
  }, 180_000);

  afterAll(async () => {
    if (child && !ended) child.kill('SIGKILL');
    await new Promise<void>((r) => (target ? target.close(() => r()) : r()));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('starts as a non-root user from a read-only directory and answers /healthz with 200', async () => {
    if (asRoot) {
      const status = readFileSync(`/proc/${child!.pid}/status`, 'utf8');
      expect(/^Uid:\s+(\d+)/m.exec(status)?.[1]).toBe(String(NOBODY));
    }
    let health: { status: number; body: string } | undefined;
    for (let attempt = 0; attempt < 100 && health?.status !== 200; attempt++) {
      if (ended) break;
      health = await get(`http://127.0.0.1:${port}/healthz`);
      if (health?.status !== 200) await sleep(150);
    }
    if (ended) await exit;
    expect(health?.status, `daemon output:\n${output}`).toBe(200);
    const metrics = await get(`http://127.0.0.1:${port}/metrics`);
    expect(metrics?.status).toBe(200);
    expect(metrics?.body).toContain('outpost_build_info');
  });

  it('probes its target', async () => {
    for (let attempt = 0; attempt < 80 && targetHits === 0; attempt++) await sleep(150);
    expect(targetHits, `daemon output:\n${output}`).toBeGreaterThan(0);
  });

  it('exits 0 within 10 s of SIGTERM', async () => {
    expect(ended, `daemon output:\n${output}`).toBe(false);
    child!.kill('SIGTERM');
    const result = await Promise.race([exit, sleep(10_000).then(() => 'still running' as const)]);
    expect(result, `daemon output:\n${output}`).toEqual({ code: 0, signal: null });
  }, 15_000);
});
