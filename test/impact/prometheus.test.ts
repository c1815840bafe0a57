/**
 * outpost_impact_estimated_total on a real Prometheus: a priced platform goes down for a few
 * seconds; increase() of the counter over the incident matches the incident's `estimated` (within
 * what one scrape interval accrues), and `outpost report --prometheus` reads the same figure.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/incidents/types.js';
import type { Report } from '../../src/report/build.js';
import { assertBuilt, cleanEnv, runCli } from '../cli/helpers.js';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';
import { PROMETHEUS_BIN, startPrometheus, type PrometheusHandle } from '../support/promstack.js';
import { waitFor } from '../support/wait.js';

const PER_MINUTE = 6000; // 100 USD a second

describe.skipIf(!PROMETHEUS_BIN)('impact counter on a real Prometheus', () => {
  let target: Server;
  let d: TestDaemon | undefined;
  let prom: PrometheusHandle | undefined;
  let dir: string | undefined;
  afterAll(async () => {
    await prom?.stop();
    await d?.stop();
    await new Promise((r) => target?.close(r));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("increase() over the incident equals the incident's estimated impact", async () => {
    let healthy = true;
    target = createServer((_req, res) => {
      res.writeHead(healthy ? 200 : 503, { 'content-type': 'text/plain' }).end(healthy ? 'ok' : 'down');
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
    dir = await mkdtemp(join(tmpdir(), 'outpost-impact-'));
    d = await startTestDaemon({
      location: 'test',
      stateDir: dir,
      listen: '127.0.0.1:0',
      defaults: { interval: '1s', timeout: '900ms', retries: 0, failureThreshold: 1, successThreshold: 1 },
      incidents: { groupWait: '0s' },
      groups: { shop: { impact: { perMinute: PER_MINUTE, unit: 'USD' }, endpoints: { web: { baseUrl: base, checks: { home: { type: 'http', steps: [{ path: '/' }] } } } } } },
    }, { dir });
    const daemon = d;
    prom = await startPrometheus({ scrapeTargets: [new URL(daemon.url).host], scrapeInterval: '1s' });
    const p = prom;
    const series = 'outpost_impact_estimated_total{group="shop",unit="USD",location="test"}';
    // The series exists at 0 before anything accrues, so increase() counts the first accrual.
    await waitFor(async () => (await p.query(series)).some((s) => s.value[1] === '0'), 'the counter scraped at 0', 15_000, 200);
    await new Promise((r) => setTimeout(r, 2000));
    const startedAt = Date.now();
    healthy = false;
    await waitFor(() => daemon.daemon.incidents.snapshot().open.some((i) => i.scope === 'group'), 'the group incident', 10_000, 50);
    await new Promise((r) => setTimeout(r, 5000));
    healthy = true;
    const resolved = await waitFor(() => daemon.daemon.incidents.snapshot().recent.find((i: Incident) => i.scope === 'group'), 'the group resolved', 10_000, 50);
    const estimated = resolved.impact!.estimated;
    expect(estimated).toBeGreaterThan(300); // ≥ 3 s at 100 USD/s
    const api = (await (await fetch(`${daemon.url}/api/v1/incidents`)).json()) as { recent: Incident[] };
    expect(api.recent.find((i) => i.id === resolved.id)!.impact).toEqual(resolved.impact);
    // Prometheus has the final value once a scrape after the resolution is in.
    await waitFor(async () => Number((await p.query(series))[0]?.value[1] ?? 0) >= estimated - 1e-6, 'the final counter value scraped', 10_000, 200);
    await new Promise((r) => setTimeout(r, 2000));
    const range = Math.ceil((Date.now() - startedAt) / 1000) + 2;
    const [inc] = await p.query(`increase(${series}[${range}s])`);
    // Within what one scrape interval (1 s at 100 USD/s) accrues: increase() extrapolates a little.
    expect(Math.abs(Number(inc!.value[1]) - estimated)).toBeLessThanOrEqual(100);
    expect(Number((await p.query(series))[0]!.value[1])).toBeCloseTo(estimated, 6);

    // `outpost report --prometheus` reads the same.
    assertBuilt();
    const r = await runCli(['report', '--prometheus', p.url, '--since', `${range}s`, '--json'], { env: cleanEnv() });
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout) as Report;
    const shop = report.groups.find((g) => g.name === 'shop')!;
    expect(Math.abs(shop.impact[0]!.estimated - estimated)).toBeLessThanOrEqual(100);
    expect(shop.checks[0]!.downSeconds).toBeGreaterThan(0);
    expect(shop.checks[0]!.downByReason).toHaveProperty('http_5xx');

    // Stopped, the daemon leaves its history: `outpost report` from the state directory says the same.
    await daemon.daemon.stop();
    expect(await readdir(join(dir, 'history'))).toContain('incidents.jsonl');
    const fromState = await runCli(['report', '--config', daemon.configPath, '--since', '1h', '--json'], { env: cleanEnv() });
    expect(fromState.stderr).toBe('');
    const saved = (JSON.parse(fromState.stdout) as Report).groups.find((g) => g.name === 'shop')!;
    expect(saved.incidents).toBe(1);
    expect(saved.impact).toEqual([{ unit: 'USD', estimated: Math.round(estimated * 100) / 100 }]);
    expect(saved.checks[0]!.downByReason.http_5xx).toBeGreaterThan(3);
  }, 60_000);
});
