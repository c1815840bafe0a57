/**
 * Our own dependencies failing: the webhook receiver (down, hanging, answering 5xx, then back),
 * the state directory (unwritable), and the event loop (blocked). Checks keep running, failures
 * are counted, nothing is lost or duplicated, and missed runs show up as scheduler lag.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import type { Daemon } from '../../src/daemon.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { captureLogger, tempDir, trapUnhandled, type TempDir } from './support.js';
import { simulatorPlatforms } from '../support/platforms.js';
import { waitFor } from '../support/wait.js';
import { metricValue, scrape } from '../support/metrics.js';
import { startTestDaemon } from '../support/daemon.js';

let sim: Simulator;
let tmp: TempDir;
let daemon: Daemon | undefined;
let receiver: Receiver | undefined;
let trap: ReturnType<typeof trapUnhandled>;

beforeEach(async () => {
  trap = trapUnhandled();
  sim = await startSimulator({ port: 0, seed: 7, latencyMs: [0, 0] });
  tmp = tempDir();
});

afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
  await receiver?.close();
  receiver = undefined;
  await sim.close();
  tmp.cleanup();
  trap.dispose();
  expect(trap.reasons).toEqual([]);
});

const fast = { interval: '1s', timeout: '800ms', retries: 0, failureThreshold: 1, successThreshold: 1 };
const runs = (m: string) => metricValue(m, 'outpost_check_runs_total');
const lagCount = (m: string) => metricValue(m, 'outpost_scheduler_lag_seconds_count');
const lagWithin = (m: string, le: string) => metricValue(m, 'outpost_scheduler_lag_seconds_bucket', { le });

describe('webhook receiver down, hanging, answering 503, then back', () => {
  it('delivers every notification exactly once in the end and never delays the checks', async () => {
    receiver = await startReceiver('hang');
    daemon = (await startTestDaemon({
      location: 'test',
      listen: '127.0.0.1:0',
      stateDir: `${tmp.dir}/state`,
      defaults: fast,
      incidents: { groupWait: '100ms' },
      webhooks: [{ name: 'ops', url: receiver.url, secret: 'hook-secret-xyz', timeout: '1s', retries: 30 }],
      groups: simulatorPlatforms(sim.url, { checks: { session: {} }, only: ['facebook'] }),
    }, { dir: tmp.dir, env: {}, graceMs: 3000 })).daemon;
    const url = daemon.server.url;
    await waitFor(async () => runs(await scrape(url)) >= 1, 'a first run');

    // The platform breaks: an incident opens while the receiver hangs.
    sim.setFaults('facebook', [{ type: 'forced_logout' }]);
    await waitFor(() => receiver!.requests.length >= 1, 'a first (hanging) delivery attempt');
    const before = await scrape(url);
    await new Promise((r) => setTimeout(r, 2500)); // the receiver hangs for a while…
    const during = await scrape(url);
    // …and the checks went on, on time: two or more runs, no run started a second late.
    expect(runs(during) - runs(before)).toBeGreaterThanOrEqual(2);
    expect(lagWithin(during, '1')).toBe(lagCount(during));

    // Down: connections refused. The platform recovers meanwhile: `resolved` queues behind `opened`.
    await receiver.setMode('refuse');
    sim.clearFaults();
    await waitFor(() => openCount(daemon!) === 0, 'the incident to resolve');
    // Answering 503 (asking for a retry after 1 s), then back.
    await receiver.setMode({ status: 503, headers: { 'retry-after': '1' } });
    const n = receiver.requests.length;
    await waitFor(() => receiver!.requests.length >= n + 2, 'two attempts answered 503', 20_000);
    await receiver.setMode(200);
    await waitFor(() => receiver!.delivered().some((r) => r.headers['x-outpost-event'] === 'incident.resolved'), 'the resolved notification', 30_000);
    await waitFor(async () => metricValue(await scrape(url), 'outpost_webhook_queue_depth') === 0, 'an empty outbox', 10_000);

    const delivered = receiver.delivered();
    const ids = delivered.map((r) => String(r.headers['x-outpost-delivery']));
    expect(new Set(ids).size).toBe(ids.length); // nothing delivered twice
    const attempted = new Set(receiver.requests.map((r) => String(r.headers['x-outpost-delivery'])));
    expect(new Set(ids)).toEqual(attempted); // nothing attempted was lost
    const byIncident = new Map<string, string[]>();
    for (const r of delivered) {
      const body = JSON.parse(r.body) as { event: string; incident: { id: string } };
      byIncident.set(body.incident.id, [...(byIncident.get(body.incident.id) ?? []), body.event]);
    }
    expect(byIncident.size).toBeGreaterThanOrEqual(1);
    for (const events of byIncident.values()) expect(events).toEqual(['incident.opened', 'incident.resolved']);
    const m = await scrape(url);
    expect(metricValue(m, 'outpost_webhook_deliveries_total', { result: 'dropped' })).toBe(0);
    expect(metricValue(m, 'outpost_webhook_deliveries_total', { result: 'failure' })).toBe(0);
    expect(metricValue(m, 'outpost_webhook_deliveries_total', { result: 'success' })).toBe(delivered.length);
  }, 90_000);
});

function openCount(d: Daemon): number {
  const snap = d.incidents.snapshot() as { open?: unknown[] };
  if (!Array.isArray(snap.open)) throw new Error('incidents snapshot without an open list');
  return snap.open.length;
}

describe('state directory unwritable', () => {
  it('logs, counts outpost_state_write_failures_total and keeps checking', async () => {
    const blocker = tmp.file('not-a-directory', 'a regular file');
    const { logger, log } = captureLogger('info');
    daemon = (await startTestDaemon({ location: 'test', listen: '127.0.0.1:0', stateDir: `${blocker}/state`, defaults: fast, groups: simulatorPlatforms(sim.url, { checks: { session: {} }, only: ['facebook'] }) }, { dir: tmp.dir, env: {}, graceMs: 3000, logger })).daemon;
    const url = daemon.server.url;
    await waitFor(async () => metricValue(await scrape(url), 'outpost_state_write_failures_total') >= 2, 'two failed state writes');
    const m1 = await scrape(url);
    await waitFor(async () => runs(await scrape(url)) >= runs(m1) + 2, 'two more runs');
    const m2 = await scrape(url);
    expect(metricValue(m2, 'outpost_check_up')).toBe(1);
    expect(metricValue(m2, 'outpost_check_failures_total', { reason: 'internal' })).toBeNaN();
    const errors = log.parsed().filter((l) => l.level === 'error' && /state file write failed/.test(String(l.msg)));
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors[0]).toMatchObject({ error: 'ENOTDIR' });
    expect(await fetch(`${url}/healthz`).then((r) => r.status)).toBe(200);
  });
});

describe('event loop blocked for 2 s', () => {
  it('records the missed runs as scheduler lag and goes on', async () => {
    daemon = (await startTestDaemon({
      location: 'test',
      listen: '127.0.0.1:0',
      stateDir: `${tmp.dir}/state`,
      defaults: fast,
      groups: simulatorPlatforms(sim.url, { checks: { session: {}, feed: {} }, only: ['facebook', 'threads'] }),
    }, { dir: tmp.dir, env: {}, graceMs: 3000 })).daemon;
    const url = daemon.server.url;
    await waitFor(async () => runs(await scrape(url)) >= 4, 'first runs');
    const before = await scrape(url);
    const lateBefore = lagCount(before) - lagWithin(before, '1');

    const until = Date.now() + 2000;
    while (Date.now() < until) {
      // busy: the whole process (daemon included) is blocked
    }
    await waitFor(async () => runs(await scrape(url)) >= runs(before) + 8, 'runs after the block');
    const after = await scrape(url);
    // Every check was due during the block: each started over a second late, and that was recorded.
    const late = lagCount(after) - lagWithin(after, '1') - lateBefore;
    expect(late).toBeGreaterThanOrEqual(4);
    expect(metricValue(after, 'outpost_check_up')).toBe(4);
  });
});
