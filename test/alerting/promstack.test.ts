/**
 * The harness in test/support/promstack.ts, end to end on loopback: a hand-written /metrics
 * page with a forced logout on facebook -> real Prometheus scrapes it and evaluates the shipped
 * rules (only `for:` shortened) -> real Alertmanager -> our webhook receiver gets `firing`; the
 * logout clears -> `resolved`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ALERTMANAGER_BIN, PROMETHEUS_BIN, startAlertmanager, startPrometheus, startWebhookReceiver, type AlertmanagerNotification } from '../support/promstack.js';
import { loadRuleGroups } from './rules-file.js';
import { waitFor } from '../support/wait.js';

const available = Boolean(PROMETHEUS_BIN && ALERTMANAGER_BIN);
const skipNote = available
  ? ''
  : ' (SKIPPED: prometheus and prometheus-alertmanager must be on PATH; apt-get install prometheus prometheus-alertmanager)';

/** A copy of the shipped rules with only the recording rules and `alert`, its `for:` set to `forValue`. */
async function testRules(dir: string, alert: string, forValue: string): Promise<string> {
  const groups = loadRuleGroups()
    .map((g) => ({
      ...g,
      rules: g.rules
        .filter((r) => r.record || r.alert === alert)
        .map((r) => (r.alert ? { ...r, for: forValue } : r)),
    }))
    .filter((g) => g.rules.length > 0);
  const file = path.join(dir, 'test.rules.yml');
  await writeFile(file, stringify({ groups }));
  return file;
}

/** A fake Outpost /metrics: facebook/web's session check, logged out while `loggedOut` is true. */
function fakeOutpost() {
  const state = { loggedOut: true, failures: 0, successes: 0 };
  const labels = 'group="facebook",endpoint="web",check="session",location="lab"';
  const render = (): string => {
    if (state.loggedOut) state.failures += 1;
    else state.successes += 1;
    return [
      '# TYPE outpost_check_info gauge',
      `outpost_check_info{${labels},type="session",interval_seconds="1"} 1`,
      '# TYPE outpost_check_state gauge',
      `outpost_check_state{${labels},state="down"} ${state.loggedOut ? 1 : 0}`,
      `outpost_check_state{${labels},state="up"} ${state.loggedOut ? 0 : 1}`,
      '# TYPE outpost_check_failures_total counter',
      `outpost_check_failures_total{${labels},reason="forced_logout"} ${state.failures}`,
      '# TYPE outpost_check_runs_total counter',
      `outpost_check_runs_total{${labels},result="failure"} ${state.failures}`,
      `outpost_check_runs_total{${labels},result="success"} ${state.successes}`,
      '# TYPE outpost_maintenance_active gauge',
      'outpost_maintenance_active{group="facebook",location="lab"} 0',
      '',
    ].join('\n');
  };
  const server: Server = createServer((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' }).end(render());
  });
  return { state, server };
}

describe.skipIf(!available)(`promstack: Prometheus and Alertmanager on loopback${skipNote}`, () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  it('scrapes a fake Outpost, fires OutpostForcedLogout to a webhook and then resolves it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'outpost-promstack-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));

    const outpost = fakeOutpost();
    await new Promise<void>((resolve) => outpost.server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => outpost.server.close(() => resolve())));
    const target = `127.0.0.1:${(outpost.server.address() as AddressInfo).port}`;

    const receiver = await startWebhookReceiver();
    cleanups.push(receiver.stop);
    const am = await startAlertmanager({ webhookUrl: receiver.url });
    cleanups.push(am.stop);
    const prom = await startPrometheus({
      scrapeTargets: [target],
      rulesFiles: [await testRules(dir, 'OutpostForcedLogout', '1s')],
      alertmanagerUrl: am.url,
    });
    cleanups.push(prom.stop);

    // Prometheus scrapes the target under job "outpost".
    const up = await waitFor(async () => (await prom.query('up{job="outpost"} == 1'))[0], 'a successful scrape', 20_000);
    expect(up.metric.instance).toBe(target);

    // The real rule fires with the expected labels and plain-words summary.
    const alert = await waitFor(
      async () => (await prom.alerts()).find((a) => a.labels.alertname === 'OutpostForcedLogout' && a.state === 'firing'),
      `OutpostForcedLogout firing in Prometheus\n${prom.output()}`,
      30_000,
    );
    expect(alert.labels).toMatchObject({ group: 'facebook', location: 'lab', severity: 'page' });
    expect(alert.annotations.summary).toBe('facebook: users are being logged out and sessions are rejected');

    const notified = (status: AlertmanagerNotification['status']) => () =>
      Promise.resolve(
        receiver.notifications.find(
          (n) => n.status === status && n.alerts.some((a) => a.labels.alertname === 'OutpostForcedLogout'),
        ),
      );
    const firing = await waitFor(notified('firing'), 'a firing notification', 20_000);
    expect(firing.groupLabels).toEqual({ alertname: 'OutpostForcedLogout', group: 'facebook', location: 'lab' });
    expect(firing.alerts[0]?.labels.severity).toBe('page');

    // The sessions work again: the alert resolves and Alertmanager says so.
    outpost.state.loggedOut = false;
    const resolved = await waitFor(notified('resolved'), 'a resolved notification', 30_000);
    expect(resolved.alerts[0]?.status).toBe('resolved');
    expect(resolved.commonLabels).toMatchObject({ alertname: 'OutpostForcedLogout', group: 'facebook' });
    expect(await prom.query('outpost:check_down')).toEqual([]);
  }, 100_000);
});
