/**
 * Nothing lost, nothing duplicated across a crash: a spawned daemon is SIGKILLed mid-incident and
 * started again on the same state directory.
 * - an incident still ongoing is not announced a second time, and its resolution is still sent;
 * - an incident that cleared while the process was down is still resolved;
 * - a notification that could not be delivered before the crash is delivered after it, with the
 *   same delivery id;
 * - a corrupt state file is moved aside and the daemon starts fresh.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { assertBuilt, cleanEnv } from '../cli/helpers.js';
import { waitFor } from '../support/wait.js';
import { spawnRun, type Spawned } from '../support/daemon.js';

interface Note {
  event: string;
  deliveryId: string;
  incident: { id: string; scope: string; group: string | null };
}

describe('restart after SIGKILL', () => {
  let sim: Simulator;
  let hook: Receiver;
  let dir: string;
  let config: string;
  const running: Spawned[] = [];

  const notes = (): Note[] => hook.delivered().map((r) => JSON.parse(r.body) as Note);
  const threads = (event: string) => notes().filter((n) => n.event === event && n.incident.scope === 'group' && n.incident.group === 'threads');
  const start = async () => {
    const d = spawnRun(config, cleanEnv({ SIM_URL: sim.url, HOOK_URL: hook.url }));
    running.push(d);
    await d.url();
    return d;
  };
  /** Kill once the state file has caught up (it is written within ~200 ms of a change). */
  const crash = async (d: Spawned) => {
    await new Promise((r) => setTimeout(r, 800));
    d.kill();
    await d.exited;
  };

  beforeAll(async () => {
    assertBuilt();
    sim = await startSimulator({ port: 0, latencyMs: [0, 0], itemEverySeconds: 1 });
    hook = await startReceiver(200);
    dir = mkdtempSync(join(tmpdir(), 'outpost-restart-'));
    config = join(dir, 'outpost.yaml');
    writeFileSync(
      config,
      `
location: crash
listen: 127.0.0.1:0
stateDir: ${join(dir, 'state')}
logLevel: info
defaults: { interval: 1s, timeout: 900ms, retries: 0, failureThreshold: 1, successThreshold: 1 }
incidents: { groupWait: 300ms }
webhooks:
  - { name: hook, url: "\${HOOK_URL}", timeout: 1s }
groups:
  threads:
    endpoints:
      web:
        baseUrl: \${SIM_URL}/threads
        account: { username: seller.one, password: th-pass-1 }
        auth: { path: /api/login, token: access_token }
        checks:
          session: { type: session, path: /api/me }
          feed: { type: feed, path: /api/feed, items: threads, timestamp: published_at, maxAge: 1m }
`,
    );
  });

  afterEach(async () => {
    // A clean stop (SIGTERM flushes the state file), so that each test starts from a settled state.
    for (const d of running.splice(0)) {
      if (d.child.exitCode === null && d.child.signalCode === null) d.child.kill('SIGTERM');
      await d.exited;
    }
    sim.clearFaults();
    await hook.setMode(200);
  });

  afterAll(async () => {
    await sim?.close();
    await hook?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('does not announce an ongoing incident twice, and still resolves it', async () => {
    const before = threads('incident.opened').length;
    const d1 = await start();
    sim.setFaults('threads', [{ type: 'error_page' }]);
    const opened = await waitFor(() => threads('incident.opened')[before], 'the threads incident to be announced');
    await crash(d1);

    await start();
    // Several runs later, still failing: no second announcement of the same incident.
    await new Promise((r) => setTimeout(r, 3000));
    expect(threads('incident.opened').filter((n) => n.incident.id === opened.incident.id)).toHaveLength(1);
    expect(threads('incident.opened')).toHaveLength(before + 1);

    sim.clearFaults();
    const resolved = await waitFor(() => threads('incident.resolved').find((n) => n.incident.id === opened.incident.id), 'its resolution');
    expect(resolved.deliveryId).not.toBe(opened.deliveryId);
  }, 40_000);

  it('resolves an incident that cleared while the process was down', async () => {
    const d1 = await start();
    sim.setFaults('threads', [{ type: 'http_5xx' }]);
    const opened = await waitFor(() => threads('incident.opened').find((n) => !threads('incident.resolved').some((r) => r.incident.id === n.incident.id)), 'a new threads incident');
    await crash(d1);
    sim.clearFaults();

    await start();
    await waitFor(() => threads('incident.resolved').find((n) => n.incident.id === opened.incident.id), 'the resolution after the restart');
    expect(threads('incident.opened').filter((n) => n.incident.id === opened.incident.id)).toHaveLength(1);
  }, 40_000);

  it('delivers after the restart what could not be delivered before the crash, with the same delivery id', async () => {
    await hook.setMode(503);
    const d1 = await start();
    sim.setFaults('threads', [{ type: 'error_page' }]);
    // The receiver refuses it: it waits in the outbox (and the state file).
    const attempt = await waitFor(
      () => hook.requests.map((r) => JSON.parse(r.body) as Note).find((n) => n.event === 'incident.opened' && n.incident.group === 'threads' && !notes().some((d) => d.deliveryId === n.deliveryId)),
      'an attempt that the receiver refuses',
    );
    await crash(d1);
    await hook.setMode(200);

    await start();
    await waitFor(() => notes().some((n) => n.deliveryId === attempt.deliveryId), 'the same notification delivered after the restart', 30_000);
    await new Promise((r) => setTimeout(r, 500));
    const delivered = notes().filter((n) => n.deliveryId === attempt.deliveryId);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]!.incident.id).toBe(attempt.incident.id);
  }, 60_000);

  it('moves a corrupt state file aside and starts fresh', async () => {
    const stateDir = join(dir, 'state');
    writeFileSync(join(stateDir, 'state.json'), '{"version": 1, "data": {"checks": ');
    const d = await start();
    await waitFor(() => readdirSync(stateDir).some((f) => f.startsWith('state.json.corrupt-')), 'the corrupt file to be moved aside');
    expect(d.logs().some((l) => /corrupt|unreadable/i.test(String(l.msg)))).toBe(true);
    await waitFor(() => existsSync(join(stateDir, 'state.json')), 'a fresh state file');
  }, 30_000);
});
