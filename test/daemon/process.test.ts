/** `node dist/cli.js run` as a process: SIGHUP reload, SIGTERM/SIGINT shutdown, a bad config at start. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { assertBuilt } from '../cli/helpers.js';
import { waitFor } from '../support/wait.js';
import { getMetrics } from '../support/metrics.js';
import { simulatorConfig } from '../cli/helpers.js';
import { spawnRun, type Spawned } from '../support/daemon.js';

let dir: string;
let sim: Simulator;
const spawned: Spawned[] = [];

beforeAll(async () => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'outpost-process-'));
  sim = await startSimulator({ port: 0, seed: 9, latencyMs: [0, 0] });
});
afterEach(() => {
  for (const s of spawned.splice(0)) s.kill();
});
afterAll(async () => {
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
function start(text: (stateDir: string) => string): { s: Spawned; path: string; stateDir: string } {
  const stateDir = join(dir, `data-${++n}`);
  const path = join(dir, `outpost-${n}.yaml`);
  writeFileSync(path, text(stateDir));
  const s = spawnRun(path);
  spawned.push(s);
  return { s, path, stateDir };
}
const cfg = (stateDir: string) => simulatorConfig(sim.url, { stateDir, logLevel: 'info', interval: '1s', extraTop: 'server: { reload: false }\n' }).replace('timeout: 3s', 'timeout: 900ms');
const value = async (url: string, name: string) => (await getMetrics(url)).find((s) => s.name === name)?.value;

describe('signals', () => {
  it('SIGHUP reloads: a good file is taken (removed check has no series), a bad one refused and logged', async () => {
    const { s, path, stateDir } = start(cfg);
    const url = await s.url();
    await waitFor(async () => (await getMetrics(url)).some((x) => x.name === 'outpost_check_runs_total' && x.labels.check === 'feed' && x.labels.group === 'threads' && x.value > 0), 'a threads feed run');

    const good = cfg(stateDir).replace('          feed: { type: feed, path: /api/feed, items: threads, timestamp: published_at, maxAge: 2m }', '          me-again: { type: session, path: /api/me }');
    writeFileSync(path, good);
    s.child.kill('SIGHUP');
    await waitFor(() => s.logs().some((l) => l.msg === 'configuration reloaded'), 'the reload');
    const m = await getMetrics(url);
    expect(m.filter((x) => x.labels.group === 'threads' && x.labels.check === 'feed')).toEqual([]);
    expect(m.some((x) => x.name === 'outpost_check_info' && x.labels.check === 'me-again')).toBe(true);
    expect(await value(url, 'outpost_config_last_reload_successful')).toBe(1);

    writeFileSync(path, good.replace('location: test', 'location: Not Valid'));
    s.child.kill('SIGHUP');
    const refused = await waitFor(() => s.logs().find((l) => l.level === 'error' && String(l.msg).includes('reload refused')), 'the refusal');
    expect(refused.errors).toEqual(['location: location must match [a-z0-9_-]+']);
    expect(await value(url, 'outpost_config_last_reload_successful')).toBe(0);
    // The old config keeps running.
    expect((await getMetrics(url)).filter((x) => x.name === 'outpost_check_info')).toHaveLength(9);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    expect(s.child.exitCode).toBeNull();
    s.child.kill('SIGTERM');
    expect((await s.exited).code).toBe(0);
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal}: exits 0 within the grace period and leaves the state file`, async () => {
      const { s, stateDir } = start(cfg);
      const url = await s.url();
      await waitFor(async () => (await getMetrics(url)).some((x) => x.name === 'outpost_check_runs_total' && x.value > 0), 'a run');
      s.child.kill(signal);
      const exit = await Promise.race([s.exited, new Promise<'late'>((r) => setTimeout(() => r('late'), 15_000))]);
      expect(exit).toEqual({ code: 0, signal: null });
      const file = join(stateDir, 'state.json');
      expect(existsSync(file)).toBe(true);
      const saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      expect(JSON.stringify(saved)).toContain('facebook/web/login');
      expect(s.logs().some((l) => l.msg === 'stopped')).toBe(true);
    });
  }
});

describe('start', () => {
  it('a bad config at start: exit 2, every error on stderr', async () => {
    const { s } = start((stateDir) => cfg(stateDir).replace('listen: 127.0.0.1:0', 'listen: nowhere').replace('items: data, ', ''));
    const exit = await s.exited;
    expect(exit.code).toBe(2);
    const lines = s.stderr().trim().split('\n');
    expect(lines[0]).toMatch(/: invalid configuration$/);
    expect(lines).toContain('listen: expected host:port, e.g. 0.0.0.0:9464 or [::1]:9464');
  });

  it('a port already in use: exit 1 with a message, no stack trace', async () => {
    const first = start(cfg);
    const url = new URL(await first.s.url());
    const { s } = start((stateDir) => cfg(stateDir).replace('listen: 127.0.0.1:0', `listen: 127.0.0.1:${url.port}`));
    const exit = await Promise.race([s.exited, new Promise<'late'>((r) => setTimeout(() => r('late'), 15_000))]);
    expect(exit).not.toBe('late');
    expect(exit).toEqual({ code: 1, signal: null });
    expect(s.stderr()).toMatch(/^outpost: cannot listen \(EADDRINUSE\)/);
    expect(s.stderr()).not.toMatch(/\n\s+at /);
  });
});
