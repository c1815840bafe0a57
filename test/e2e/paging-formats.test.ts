/**
 * One webhook entry per paging service, across a real incident: a daemon (in this process) probes
 * the simulator; Instagram and Threads fail together (check, platform and multi-platform
 * incidents), then recover. Loopback stand-ins of PagerDuty, Opsgenie, Teams and Discord
 * (test/support/services.ts) refuse anything their documentation would refuse; every request must
 * be taken, and everything triggered/created must be resolved/closed under the same key.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { simulatorPlatforms } from '../support/platforms.js';
import { startService, type FakeService, type Service } from '../support/services.js';
import { waitFor } from '../support/wait.js';

const KEYS = { routingKey: 'pd-routing-key-e2e', apiKey: 'og-genie-key-e2e' };
const SERVICES: Service[] = ['pagerduty', 'opsgenie', 'teams', 'discord'];

describe('paging formats across a real incident', () => {
  let sim: Simulator;
  let outpost: TestDaemon;
  let dir: string;
  const services = new Map<Service, FakeService>();
  const incidentIds = async (): Promise<{ open: { id: string; scope: string }[]; recent: { id: string; scope: string }[] }> =>
    (await fetch(`${outpost.url}/api/v1/incidents`)).json() as never;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'outpost-paging-'));
    sim = await startSimulator({ port: 0, latencyMs: [0, 0], itemEverySeconds: 1 });
    for (const s of SERVICES) services.set(s, await startService(s, KEYS));
    const svc = (s: Service) => services.get(s)!;
    outpost = await startTestDaemon(
      {
        location: 'e2e',
        listen: '127.0.0.1:0',
        stateDir: join(dir, 'state'),
        defaults: { interval: '1s', timeout: '900ms', retries: 0, failureThreshold: 1, successThreshold: 1 },
        incidents: { groupWait: '300ms' },
        webhooks: [
          { name: 'pd', format: 'pagerduty', url: svc('pagerduty').url, routingKey: '${PD_KEY}', timeout: '1s' },
          { name: 'og', format: 'opsgenie', url: svc('opsgenie').url, apiKey: '${OG_KEY}', timeout: '1s' },
          { name: 'teams', format: 'teams', url: svc('teams').url, timeout: '1s' },
          { name: 'discord', format: 'discord', url: svc('discord').url, timeout: '1s' },
        ],
        groups: simulatorPlatforms(sim.url, { only: ['instagram', 'threads'], checks: { session: {}, feed: {} }, feedMaxAge: '1m' }),
      },
      { dir, logLevel: 'info', env: { PATH: process.env.PATH ?? '', PD_KEY: KEYS.routingKey, OG_KEY: KEYS.apiKey } },
    );
  });

  afterAll(async () => {
    await outpost?.stop();
    await sim?.close();
    for (const s of services.values()) await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('triggers/creates on opened and resolves/closes the same keys on resolved, every request well-formed', async () => {
    sim.setFaults('instagram', [{ type: 'error_page' }]);
    sim.setFaults('threads', [{ type: 'error_page' }]);
    const opened = await waitFor(async () => {
      const { open } = await incidentIds();
      return open.some((i) => i.scope === 'multi_platform') && open.some((i) => i.scope === 'check') ? open : undefined;
    }, 'check, platform and multi-platform incidents', 20_000);
    const ids = opened.map((i) => i.id);
    // One event pages once: incidents that are part of the multi-platform one are not announced on their own.
    await waitFor(() => SERVICES.every((s) => services.get(s)!.opened.length > 0) || undefined, 'every service paged', 15_000);

    sim.clearFaults();
    await waitFor(async () => ((await incidentIds()).open.length === 0 ? true : undefined), 'every incident resolved', 20_000);
    await waitFor(() => SERVICES.every((s) => services.get(s)!.open().length === 0 && services.get(s)!.opened.length > 0) || undefined, 'every alert resolved or closed', 15_000);

    for (const s of SERVICES) {
      const svc = services.get(s)!;
      expect(svc.refused().map((r) => `${r.path}: ${r.problems.join('; ')}`), s).toEqual([]);
      expect(svc.closed.slice().sort(), s).toEqual(svc.opened.slice().sort());
    }
    // PagerDuty and Opsgenie are keyed by the incident id itself.
    for (const s of ['pagerduty', 'opsgenie'] as const) for (const key of services.get(s)!.opened) expect(ids, s).toContain(key);
    expect(services.get('pagerduty')!.opened).toEqual(services.get('opsgenie')!.opened);
    const pd = services.get('pagerduty')!.requests.map((r) => r.json as { routing_key: string; payload?: { severity: string } });
    expect(new Set(pd.map((b) => b.routing_key))).toEqual(new Set([KEYS.routingKey]));
    expect(pd.some((b) => b.payload?.severity === 'critical')).toBe(true);
    for (const r of services.get('opsgenie')!.requests) expect(r.headers.authorization).toBe(`GenieKey ${KEYS.apiKey}`);
    // The keys never reach the logs (they are secrets like passwords).
    expect(JSON.stringify(outpost.logs)).not.toContain(KEYS.routingKey);
  }, 60_000);
});
