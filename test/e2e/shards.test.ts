/**
 * Sharding by endpoint, live: two daemons (`--shard 0/2`, `1/2`) on one config watch the
 * simulator, a real Prometheus scrapes both with the shipped rules. Every endpoint, its checks and
 * its session are on exactly one shard (facebook/web on 0; instagram/mobile-api and threads/web
 * on 1). Then facebook and instagram log their users out: each shard sees one platform down, so
 * neither opens a multi-platform incident on its own, while the Prometheus rules, which count over
 * every shard, see two platforms down from the location and raise OutpostMultiPlatformOutage.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { shardOf, endpointKey } from '../../src/schedule/shard.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { simulatorPlatforms } from '../support/platforms.js';
import { PROMETHEUS_BIN, startPrometheus, type PrometheusHandle } from '../support/promstack.js';
import { waitFor } from '../support/wait.js';

const RULES = fileURLToPath(new URL('../../config/prometheus/outpost.rules.yml', import.meta.url));
const skipNote = PROMETHEUS_BIN ? '' : ' (SKIPPED: prometheus must be on PATH; apt-get install prometheus)';

describe.skipIf(!PROMETHEUS_BIN)(`two shards, one Prometheus${skipNote}`, () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  it('an endpoint lives on one shard; the rules correlate platforms across shards', async () => {
    // The split this test relies on (pinned by the hash): facebook/web on 0, the others on 1.
    expect([shardOf(endpointKey('facebook', 'web'), 2), shardOf(endpointKey('instagram', 'mobile-api'), 2), shardOf(endpointKey('threads', 'web'), 2)]).toEqual([0, 1, 1]);
    const sim: Simulator = await startSimulator({ port: 0, seed: 7, latencyMs: [0, 0], itemEverySeconds: 5 });
    cleanups.push(() => sim.close());
    const dir = mkdtempSync(join(tmpdir(), 'outpost-shards-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const config = (i: number) => ({
      location: 'lab',
      listen: '127.0.0.1:0',
      stateDir: join(dir, `state-${i}`),
      logLevel: 'error',
      defaults: { interval: '1s', timeout: '900ms', retries: 0, failureThreshold: 1, successThreshold: 1 },
      incidents: { groupWait: '0s' },
      groups: simulatorPlatforms(sim.url, { feedMaxAge: '2m' }),
    });
    const shards: TestDaemon[] = [];
    for (const index of [0, 1]) {
      mkdirSync(join(dir, `d${index}`));
      const t = await startTestDaemon(config(index), { dir: join(dir, `d${index}`), shard: { index, count: 2 }, defaultMetrics: false });
      cleanups.push(t.stop);
      shards.push(t);
    }
    const endpointsOf = (t: TestDaemon) => t.daemon.config().endpoints.map((e) => `${e.group}/${e.name}`).sort();
    expect(endpointsOf(shards[0]!)).toEqual(['facebook/web']);
    expect(endpointsOf(shards[1]!)).toEqual(['instagram/mobile-api', 'threads/web']);
    for (const t of shards) for (const c of t.daemon.config().checks) expect(endpointsOf(t)).toContain(`${c.group}/${c.endpoint}`);

    const prom: PrometheusHandle = await startPrometheus({ scrapeTargets: shards.map((t) => new URL(t.url).host), rulesFiles: [RULES] });
    cleanups.push(prom.stop);
    const context = () => `\n--- prometheus ---\n${prom.output()}`;
    const value = async (q: string) => (await prom.query(q))[0]?.value[1];

    // Every endpoint's checks and session age come from exactly one shard.
    const total = shards.reduce((n, t) => n + t.daemon.config().checks.length, 0);
    await waitFor(async () => (await value('count(outpost_check_info)')) === String(total), `all ${total} checks in Prometheus${context()}`, 20_000);
    expect(await value('max(count by (group, endpoint) (count by (group, endpoint, instance) (outpost_check_info)))')).toBe('1');
    await waitFor(async () => (await value('count(outpost_session_age_seconds)')) === '3', `one session age per endpoint${context()}`, 20_000);
    expect(await value('max(count by (group, endpoint) (outpost_session_age_seconds))')).toBe('1');

    // The 5 March pattern, split over the two shards.
    sim.setFaults('facebook', [{ type: 'forced_logout' }]);
    sim.setFaults('instagram', [{ type: 'forced_logout' }]);
    await waitFor(async () => (await value('outpost:groups_down:count{location="lab"}')) === '2', `two platforms down over both shards${context()}`, 30_000);
    // Neither shard sees two platforms down on its own: no multi-platform incident in either.
    expect(await value('max(outpost_incidents_open{scope="multi_platform"})')).toBe('0');
    expect(await value('count(outpost_group_state{state="down"} == 1)')).toBe('2');
    const alert = await waitFor(async () => (await prom.alerts()).find((a) => a.labels.alertname === 'OutpostMultiPlatformOutage'), `OutpostMultiPlatformOutage pending${context()}`, 15_000);
    expect(alert.labels.location).toBe('lab');
    expect(['pending', 'firing']).toContain(alert.state);
  });
});
