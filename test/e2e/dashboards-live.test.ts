/**
 * Issue 6, live: every panel's and annotation's PromQL of both dashboards (dashboardQueries, with
 * variables substituted) against a real Prometheus that scraped a real daemon watching the
 * simulator through a fault (facebook logs users out: checks down, incidents open; then the fault
 * clears: checks up, incidents resolved). Every query parses, and every query returns data at
 * some point of the run, as the panel would over the dashboard's time range. One HTTPS loopback
 * endpoint is monitored too, so the certificate-expiry panel has data: no exceptions are needed.
 * Only that endpoint's check opts into `metrics: { detail: full }`; the rest keep the default
 * detail (structure.test.ts checks that only the "Full detail" row needs the opt-in series).
 *
 * The "Incident resolved" annotation compares incidents open now with a minute ago, so the run
 * lasts until a minute after the incident opened (about 75 s); every wait is bounded.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { dashboardQueries, type PanelQuery } from '../dashboards/queries.js';
import { PROMETHEUS_BIN, startPrometheus } from '../support/promstack.js';
import { simGroups, startSimDaemon } from '../server/sim-daemon.js';
import { waitFor } from '../support/wait.js';

const available = Boolean(PROMETHEUS_BIN);
const skipNote = available ? '' : ' (SKIPPED: prometheus must be on PATH; apt-get install prometheus)';

const DASHBOARDS = ['dashboards/outpost-overview.json', 'dashboards/outpost-platform.json'];
/**
 * Panels (`title#refId`) that cannot have data in this test, with the reason. Empty: the HTTPS
 * endpoint gives certificate expiry data, the fault gives failures and incidents.
 */
const NO_DATA_EXPECTED: Record<string, string> = {};
/** The longest the whole scenario may take before the panels still without data are reported. */
const DEADLINE_MS = 130_000;

// A self-signed certificate for 127.0.0.1 (test only; checked with insecureSkipVerify, so its
// validity dates never make the probe fail, while its expiry is still recorded).
const TLS_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgsRMKyumjcT+mxr1F
jqw4TMpQW2uMcXnK1c+otG66KzyhRANCAATiwcmnGQk5QOIsCo4+wA8Zm5M0RMpW
OCcdT/0y3VOPq2SzMRWjrizASxEAxl5146vp9++KQnlmxROABH9XMxuE
-----END PRIVATE KEY-----
`;
const TLS_CERT = `-----BEGIN CERTIFICATE-----
MIIBrDCCAVGgAwIBAgIUI1Y7baW17NfT1a+7A4i+p+j/Ta4wCgYIKoZIzj0EAwIw
HDEaMBgGA1UEAwwRb3V0cG9zdC10ZXN0LWVkZ2UwIBcNMjYxMTI4MjMxNDU5WhgP
MjEyNjExMDQyMzE0NTlaMBwxGjAYBgNVBAMMEW91dHBvc3QtdGVzdC1lZGdlMFkw
EwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE4sHJpxkJOUDiLAqOPsAPGZuTNETKVjgn
HU/9Mt1Tj6tkszEVo64swEsRAMZedeOr6ffvikJ5ZsUTgAR/VzMbhKNvMG0wHQYD
VR0OBBYEFHdcbjYIkWQHoA3LEKQQVeUo392qMB8GA1UdIwQYMBaAFHdcbjYIkWQH
oA3LEKQQVeUo392qMA8GA1UdEwEB/wQFMAMBAf8wGgYDVR0RBBMwEYcEfwAAAYIJ
bG9jYWxob3N0MAoGCCqGSM49BAMCA0kAMEYCIQCCKPNY1WYP7XfJzIdvuqpzO3xg
f6ld+rhCYl96qyPZqwIhAPNp0HyVgb17c2w6Sa5/wP5MZNhBJClR0e0YiRWOVAaJ
-----END CERTIFICATE-----
`;
/** notAfter of TLS_CERT. */
const TLS_CERT_EXPIRY_SECONDS = Date.UTC(2126, 10, 4, 23, 14, 59) / 1000;

interface PromAnswer {
  status: 'success' | 'error';
  error?: string;
  data?: { resultType: string; result: Array<{ metric: Record<string, string>; values?: [number, string][] }> };
}

async function promGet(url: string): Promise<PromAnswer> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return (await res.json()) as PromAnswer;
}

/** A range query as a Grafana panel runs it: data = at least one series with one point. */
async function hasData(prom: string, expr: string, startS: number, endS: number): Promise<boolean> {
  const q = new URLSearchParams({ query: expr, start: String(startS), end: String(endS), step: '1' });
  const a = await promGet(`${prom}/api/v1/query_range?${q}`);
  if (a.status !== 'success') throw new Error(`query failed: ${a.error}\n${expr}`);
  return (a.data?.result ?? []).some((s) => (s.values ?? []).length > 0);
}

/** Every query of both dashboards: once with the dashboards' defaults (All), once for the faulty group. */
function allQueries(): PanelQuery[] {
  return DASHBOARDS.flatMap((file) =>
    ([{}, { group: 'facebook' }] as Record<string, string>[]).flatMap((vars) =>
      dashboardQueries(file, vars).map((q) => ({ panel: `${file.replace('dashboards/', '')} ${JSON.stringify(vars)} ${q.panel}`, expr: q.expr })),
    ),
  );
}

describe.skipIf(!available)(`dashboards against a live Prometheus scraping a daemon through a fault${skipNote}`, () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  it('every panel and annotation query parses and returns data', async () => {
    const deadline = Date.now() + DEADLINE_MS;
    const queries = allQueries();
    expect(queries.length).toBeGreaterThan(20);

    // An HTTPS endpoint on loopback, so certificate expiry has data.
    const edge: Server = createServer({ key: TLS_KEY, cert: TLS_CERT }, (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}'));
    await new Promise<void>((r) => edge.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => { edge.closeAllConnections(); edge.close(() => r()); }));
    const edgeUrl = `https://127.0.0.1:${(edge.address() as AddressInfo).port}`;

    const s = await startSimDaemon({
      location: 'lab',
      interval: '2s',
      timeout: '1500ms',
      groups: (sim) => {
        const groups = simGroups(sim) as Record<string, { endpoints: Record<string, unknown>; impact?: unknown }>;
        groups.facebook!.impact = { perMinute: 1200, unit: 'USD' }; // the Business impact row
        groups.facebook!.endpoints.edge = {
          baseUrl: edgeUrl,
          tls: { insecureSkipVerify: true },
          // Full detail on this one check: the "Full detail" row's panels have data, every other panel is fed by default-detail checks.
          checks: { health: { type: 'http', metrics: { detail: 'full' }, steps: [{ path: '/health', expect: { json: [{ path: 'status', equals: 'ok' }] } }] } },
        };
        return groups;
      },
    });
    cleanups.push(s.stop);
    const prom = await startPrometheus({ scrapeTargets: [s.target] });
    cleanups.push(prom.stop);
    const startS = Math.floor(Date.now() / 1000) - 5;
    const context = () => `\n--- prometheus ---\n${prom.output()}`;

    // Every query parses (an instant query answers "success", with or without data).
    const parseErrors: string[] = [];
    for (const q of queries) {
      const a = await promGet(`${prom.url}/api/v1/query?${new URLSearchParams({ query: q.expr })}`);
      if (a.status !== 'success') parseErrors.push(`${q.panel}: ${a.error}`);
    }
    expect(parseErrors).toEqual([]);
    // Controls: the checks above can fail.
    expect((await promGet(`${prom.url}/api/v1/query?${new URLSearchParams({ query: 'sum by (group (x)' })}`)).status).toBe('error');

    // Healthy for a few scrapes, the certificate seen.
    await waitFor(async () => (await prom.query('sum(outpost_check_state{group="facebook",state="up"}) == 4'))[0], `facebook's four checks up in Prometheus${context()}`, 30_000);
    const expiry = await waitFor(async () => (await prom.query('outpost_tls_cert_expiry_timestamp_seconds{group="facebook",endpoint="edge"}'))[0], 'the certificate expiry of the HTTPS endpoint', 15_000);
    expect(Number(expiry.value[1])).toBe(TLS_CERT_EXPIRY_SECONDS);

    // The fault: facebook logs users out; checks go down and incidents open.
    s.sim.setFaults('facebook', [{ type: 'forced_logout' }]);
    await waitFor(async () => (await prom.query('outpost_incidents_open{scope="group"} == 1'))[0], `a group incident open in Prometheus${context()}`, 30_000);
    await waitFor(async () => (await prom.query('outpost_check_failures_total{reason="forced_logout"} > 2'))[0], 'several forced_logout failures scraped', 20_000);

    // Recovery: everything up again, incidents resolved.
    s.sim.clearFaults();
    await waitFor(async () => (await prom.query('sum(outpost_incidents_open) == 0'))[0], `every incident resolved in Prometheus${context()}`, 30_000);

    // Poll until every query has returned data over the run (bounded), then report the rest.
    let missing = queries.filter((q) => !Object.keys(NO_DATA_EXPECTED).some((panel) => q.panel.endsWith(` ${panel}`)));
    for (;;) {
      const endS = Math.ceil(Date.now() / 1000);
      const still: PanelQuery[] = [];
      for (const q of missing) if (!(await hasData(prom.url, q.expr, startS, endS))) still.push(q);
      missing = still;
      if (missing.length === 0 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 3_000));
    }
    expect(missing.map((q) => `${q.panel}: ${q.expr}`)).toEqual([]);
    expect(await hasData(prom.url, 'outpost_check_failures_total{reason="dns"}', startS, Math.ceil(Date.now() / 1000))).toBe(false);
  }, DEADLINE_MS + 30_000);
});
