/**
 * The case Outpost exists for: the built-in `march-5` scenario, accelerated, through the real
 * daemon, simulator and a webhook receiver. Asserted from /metrics, /api/v1/status and the
 * notifications: forced_logout then login_rejected on Facebook, feed_stale on Instagram,
 * error_page on Threads, one multi_platform page opened and resolved, everything back up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import type { Daemon } from '../../src/daemon.js';
import { startTestDaemon } from '../support/daemon.js';
import { startWebhookSink, type WebhookSink } from '../../src/demo/sink.js';
import type { StatusDoc } from '../../src/server/status.js';
import { simulatorConfig } from '../cli/helpers.js';
import { metricValue } from '../support/metrics.js';
import { waitFor } from '../support/wait.js';

const SPEED = 8; // the scenario's outage at 5 s, recovery from 20 s to 25 s

describe('march-5 through the real daemon', () => {
  let sim: Simulator;
  let sink: WebhookSink;
  let daemon: Daemon;
  let dir: string;
  const metrics = async () => (await fetch(`${daemon.server.url}/metrics`)).text();
  const status = async () => (await (await fetch(`${daemon.server.url}/api/v1/status`)).json()) as StatusDoc;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'outpost-march5-'));
    sim = await startSimulator({ port: 0, seed: 7, latencyMs: [0, 2], itemEverySeconds: 1, scenario: 'march-5', speed: SPEED });
    sink = await startWebhookSink({ secret: 's3cr3t-hook' });
    writeFileSync(
      join(dir, 'outpost.yaml'),
      simulatorConfig(sim.url, {
        stateDir: join(dir, 'state'),
        defaults: '{ interval: 1s, timeout: 900ms, retries: 0, failureThreshold: 2, successThreshold: 1 }',
        extraTop: `incidents: { groupWait: 1500ms }\nwebhooks:\n  - { name: sink, url: "${sink.url}", secret: s3cr3t-hook, timeout: 1s }`,
      }),
    );
    daemon = (await startTestDaemon({ configPath: join(dir, 'outpost.yaml') })).daemon;
  });

  afterAll(async () => {
    await daemon?.stop();
    await sim?.close();
    await sink?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const checkOf = (s: StatusDoc, group: string, check: string) => s.groups.find((g) => g.name === group)!.endpoints[0]!.checks.find((c) => c.name === check)!;

  it('names each platform\'s failure by its reason', async () => {
    await waitFor(async () => {
      const m = await metrics();
      const fb = { group: 'facebook' };
      const ok =
        metricValue(m, 'outpost_check_failures_total', { ...fb, reason: 'forced_logout' }) > 0 &&
        metricValue(m, 'outpost_check_failures_total', { ...fb, reason: 'login_rejected' }) > 0 &&
        metricValue(m, 'outpost_check_failures_total', { group: 'instagram', check: 'feed', reason: 'feed_stale' }) > 0 &&
        metricValue(m, 'outpost_check_failures_total', { group: 'threads', reason: 'error_page' }) > 0;
      return ok || undefined;
    }, 'every platform failing for its reason', 30_000);
    const during = await waitFor(async () => {
      const s = await status();
      const ok = checkOf(s, 'facebook', 'session').state === 'down' && checkOf(s, 'instagram', 'feed').state === 'down' && checkOf(s, 'threads', 'feed').state === 'down';
      return ok ? s : undefined;
    }, 'all three groups down or failing in the status API', 30_000);
    expect(['forced_logout', 'login_rejected']).toContain(checkOf(during, 'facebook', 'session').reason);
    expect(checkOf(during, 'instagram', 'feed').reason).toBe('feed_stale');
    expect(checkOf(during, 'threads', 'feed').reason).toBe('error_page');
  }, 40_000);

  it('on Facebook, sees the forced logout first and then the refused logins', () => {
    // The earliest failure of the checks that carry the session is the forced logout (the login
    // check itself, running first, may already meet the refused login).
    const fbFailures = ['session', 'feed']
      .flatMap((c) => daemon.monitor.record(`facebook/web/${c}`)!.history)
      .filter((h) => !h.ok)
      .sort((a, b) => a.at - b.at);
    expect(fbFailures[0]?.reason).toBe('forced_logout');
    expect(fbFailures.some((h) => h.reason === 'login_rejected')).toBe(true);
    expect(daemon.monitor.record('facebook/web/login')!.history.some((h) => h.reason === 'login_rejected')).toBe(true);
  });

  it('sees every check recover and the event resolved', async () => {
    await waitFor(async () => {
      const s = await status();
      return s.groups.every((g) => g.endpoints.every((e) => e.checks.every((c) => c.state === 'up'))) ? s : undefined;
    }, 'every check up again', 40_000);
    await waitFor(
      async () => (sink.received.some((n) => n.event === 'incident.resolved' && n.body.incident?.scope === 'multi_platform') ? true : undefined),
      'the multi_platform incident resolved and announced',
      30_000,
    );
  }, 75_000);

  it('paged once for the event, as one multi-platform incident, and resolved it once', async () => {
    const opened = sink.received.filter((n) => n.event === 'incident.opened');
    expect(opened).toHaveLength(1);
    expect(opened[0]!.body.incident?.scope).toBe('multi_platform');
    expect([...(opened[0]!.body.incident?.groups ?? [])].sort()).toEqual(['facebook', 'instagram', 'threads']);
    expect(sink.received.filter((n) => n.event === 'incident.resolved')).toHaveLength(1);
    expect(sink.received.every((n) => n.signatureValid)).toBe(true);
    const m = await metrics();
    expect(metricValue(m, 'outpost_incidents_total', { scope: 'multi_platform' })).toBe(1);
    expect(metricValue(m, 'outpost_incidents_open', { scope: 'multi_platform' })).toBe(0);
  });
});
