/** The daemon in-process: health, readiness, the status API, reload through POST /-/reload. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import type { Daemon } from '../../src/daemon.js';
import { getMetrics } from '../support/metrics.js';
import { startTestDaemon } from '../support/daemon.js';
import { waitFor } from '../support/wait.js';
import { simulatorConfig } from '../cli/helpers.js';

let dir: string;
let sim: Simulator;
let d: Daemon | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'outpost-daemon-'));
  sim = await startSimulator({ port: 0, seed: 5, latencyMs: [0, 0] });
});
afterEach(async () => {
  await d?.stop();
  d = undefined;
  sim.clearFaults();
});
afterAll(async () => {
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
function configFile(text: string): string {
  const p = join(dir, `outpost-${++n}.yaml`);
  writeFileSync(p, text);
  return p;
}
const base = (extraTop = '') => simulatorConfig(sim.url, { stateDir: join(dir, `data-${n + 1}`), extraTop });

describe('health and status', () => {
  it('/healthz and /readyz answer 200 while running', async () => {
    ({ daemon: d } = await startTestDaemon({ configPath: configFile(base()) }, { logLevel: 'info' }));
    expect((await fetch(`${d.server.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${d.server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.text()).toBe('ready\n');
  });

  it('logs a change of state at info, except a check found up by its first run after a start (debug)', async () => {
    const started = await startTestDaemon({ configPath: configFile(base()) }, { logLevel: 'info' });
    d = started.daemon;
    sim.setFaults('facebook', [{ type: 'forced_logout' }]);
    // Enough runs for the failing checks to cross their failure threshold.
    for (let i = 0; i < 3; i++) for (const c of d.config().checks) await d.runCheck(c);
    const changes = started.logs.filter((l) => l.level === 'info' && typeof l.to === 'string');
    const fb = d.config().checks.filter((c) => c.group === 'facebook' && c.name !== 'login');
    expect(fb.length).toBeGreaterThan(0);
    // No line for the checks found up; one for each check that is not.
    expect(changes.filter((l) => l.to === 'up')).toEqual([]);
    expect(changes.length).toBeGreaterThan(0);
    expect(changes.every((l) => String(l.check).startsWith('facebook/'))).toBe(true);
  });

  it('/api/v1/status: every group, endpoint and check with state, last result, reason, since', async () => {
    ({ daemon: d } = await startTestDaemon({ configPath: configFile(base()) }, { logLevel: 'info' }));
    sim.setFaults('facebook', [{ type: 'forced_logout' }]);
    for (const c of d.config().checks) await d.runCheck(c);
    // A group's state follows its checks at the next incident evaluation, paced: under load that is
    // not before the next request.
    const url = `${d.server.url}/api/v1/status`;
    const groupsUp = async () => ((await (await fetch(url)).json()) as { groups: { state: string }[] }).groups[1]?.state === 'up';
    await waitFor(groupsUp, 'the instagram group to be up');
    const res = await fetch(`${d.server.url}/api/v1/status`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const doc = (await res.json()) as {
      location: string;
      generatedAt: string;
      groups: { name: string; state: string; maintenance: boolean; endpoints: { name: string; sessionAgeSeconds: number | null; checks: Record<string, unknown>[] }[] }[];
    };
    expect(doc.location).toBe('test');
    expect(Number.isNaN(Date.parse(doc.generatedAt))).toBe(false);
    expect(doc.groups.map((g) => g.name)).toEqual(['facebook', 'instagram', 'threads']);
    const fb = doc.groups[0]!;
    expect(fb.maintenance).toBe(false);
    expect(fb.endpoints.map((e) => e.name)).toEqual(['web']);
    const checks = Object.fromEntries(fb.endpoints[0]!.checks.map((c) => [c.name, c]));
    expect(Object.keys(checks)).toEqual(['login', 'session', 'feed']);
    expect(checks.session).toMatchObject({
      id: 'facebook/web/session',
      type: 'session',
      state: 'down',
      reason: 'forced_logout',
      reasonText: expect.any(String),
      consecutiveFailures: 1,
      lastResult: { ok: false, reason: 'forced_logout', httpStatus: expect.any(Number), durationMs: expect.any(Number), error: expect.any(String), attempts: expect.any(Number) },
    });
    expect(Number.isNaN(Date.parse(checks.session!.since as string))).toBe(false);
    expect(checks.login).toMatchObject({ state: 'up', reason: null, lastResult: { ok: true, reason: null, error: null } });
    const ig = doc.groups[1]!.endpoints[0]!;
    expect(ig.checks.every((c) => c.state === 'up')).toBe(true);
    expect(typeof ig.sessionAgeSeconds).toBe('number');
    expect(doc.groups[1]!.state).toBe('up');
  });

  it('/api/v1/incidents answers, and / is an HTML page', async () => {
    ({ daemon: d } = await startTestDaemon({ configPath: configFile(base()) }, { logLevel: 'info' }));
    expect((await fetch(`${d.server.url}/api/v1/incidents`)).status).toBe(200);
    const page = await fetch(`${d.server.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  });
});

describe('reload through POST /-/reload', () => {
  it('is 403 when server.reload is not enabled', async () => {
    const path = configFile(base());
    ({ daemon: d } = await startTestDaemon({ configPath: path }, { logLevel: 'info' }));
    const res = await fetch(`${d.server.url}/-/reload`, { method: 'POST' });
    expect(res.status).toBe(403);
    expect(d.config().checks).toHaveLength(9);
  });

  it('a good config: a check added, one removed, its series gone (no ghost series)', async () => {
    const text = base('server: { reload: true }\n');
    const path = configFile(text);
    ({ daemon: d } = await startTestDaemon({ configPath: path }, { logLevel: 'info' }));
    for (const c of d.config().checks) await d.runCheck(c);
    sim.setFaults('threads', [{ type: 'feed_empty' }]);
    await d.runCheck(d.config().checks.find((c) => c.id === 'threads/web/feed')!);
    const before = await getMetrics(d.server.url);
    expect(before.some((s) => s.labels.check === 'feed' && s.labels.group === 'threads' && s.name === 'outpost_check_failures_total')).toBe(true);

    // threads/web/feed removed, threads/web/home added.
    writeFileSync(path, text.replace('          feed: { type: feed, path: /api/feed, items: threads, timestamp: published_at, maxAge: 2m }', '          home: { type: http, path: /api/me }'));
    const res = await fetch(`${d.server.url}/-/reload`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'reloaded' });
    const ids = d.config().checks.map((c) => c.id);
    expect(ids).toContain('threads/web/home');
    expect(ids).not.toContain('threads/web/feed');

    const after = await getMetrics(d.server.url);
    const ghosts = after.filter((s) => s.labels.group === 'threads' && s.labels.check === 'feed');
    expect(ghosts).toEqual([]);
    expect(after.find((s) => s.name === 'outpost_check_info' && s.labels.check === 'home')).toMatchObject({ labels: { group: 'threads', type: 'http' }, value: 1 });
    expect(after.find((s) => s.name === 'outpost_config_last_reload_successful')!.value).toBe(1);
    // Unchanged checks keep their series and values.
    const runs = (xs: typeof after) => xs.find((s) => s.name === 'outpost_check_runs_total' && s.labels.group === 'facebook' && s.labels.check === 'feed' && s.labels.result === 'success')!.value;
    expect(runs(after)).toBe(runs(before));
  });

  it('a bad config is refused: the old config keeps running, reload_successful 0, the error logged', async () => {
    const text = base('server: { reload: true }\n');
    const path = configFile(text);
    const started = await startTestDaemon({ configPath: path }, { logLevel: 'info' });
    d = started.daemon;
    writeFileSync(path, text.replace('interval: 30s', 'interval: sometimes'));
    const res = await fetch(`${d.server.url}/-/reload`, { method: 'POST' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ status: 'refused', errors: ['defaults.interval: expected a duration such as 500ms, 30s, 5m, 1h or 1d'] });
    expect(d.config().checks).toHaveLength(9);
    const m = await getMetrics(d.server.url);
    expect(m.find((s) => s.name === 'outpost_config_last_reload_successful')!.value).toBe(0);
    expect(m.filter((s) => s.name === 'outpost_check_info')).toHaveLength(9);
    const err = started.logs.find((l) => l.level === 'error' && String(l.msg).includes('reload refused'));
    expect(err).toMatchObject({ errors: ['defaults.interval: expected a duration such as 500ms, 30s, 5m, 1h or 1d'] });
    // Still scheduling: /readyz is 200 and a later good file is taken.
    expect((await fetch(`${d.server.url}/readyz`)).status).toBe(200);
    writeFileSync(path, text);
    expect((await fetch(`${d.server.url}/-/reload`, { method: 'POST' })).status).toBe(200);
    expect((await getMetrics(d.server.url)).find((s) => s.name === 'outpost_config_last_reload_successful')!.value).toBe(1);
  });
});
