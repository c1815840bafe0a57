/**
 * Issue 5, end to end with nothing faked: the simulator forces logouts on facebook → a real
 * Outpost daemon's /metrics → real Prometheus (1s scrape and evaluation) evaluating the shipped
 * rules (a copy with only `for:` shortened; expressions and windows as shipped) → real
 * Alertmanager → our webhook receiver gets OutpostForcedLogout `firing` with the platform and
 * location; the fault clears → `resolved`. Bounded: every wait has a deadline, the whole test
 * well under three minutes.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ALERTMANAGER_BIN, PROMETHEUS_BIN, startAlertmanager, startPrometheus, startWebhookReceiver, type AlertmanagerNotification } from '../support/promstack.js';
import { loadRuleGroups } from '../alerting/rules-file.js';
import { startSimDaemon } from '../server/sim-daemon.js';
import { waitFor } from '../support/wait.js';

const ALERT = 'OutpostForcedLogout';
const available = Boolean(PROMETHEUS_BIN && ALERTMANAGER_BIN);
const skipNote = available
  ? ''
  : ' (SKIPPED: prometheus and prometheus-alertmanager must be on PATH; apt-get install prometheus prometheus-alertmanager)';

/** The shipped rule file with every recording rule and `alert` only, its `for:` set to `forValue`. */
async function shippedRulesWithShortFor(dir: string, alert: string, forValue: string): Promise<string> {
  const groups = loadRuleGroups()
    .map((g) => ({ ...g, rules: g.rules.filter((r) => r.record || r.alert === alert).map((r) => (r.alert ? { ...r, for: forValue } : r)) }))
    .filter((g) => g.rules.length > 0);
  if (!groups.some((g) => g.rules.some((r) => r.alert === alert))) throw new Error(`${alert} is not in the shipped rules`);
  const file = path.join(dir, 'outpost.rules.yml');
  await writeFile(file, stringify({ groups }));
  return file;
}

describe.skipIf(!available)(`alerting end to end: simulator → Outpost → Prometheus → Alertmanager → webhook${skipNote}`, () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  it('pages once for forced logouts on facebook, naming the platform and location, and resolves when they stop', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'outpost-alerting-e2e-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));

    const s = await startSimDaemon({ location: 'lab', interval: '2s', timeout: '1500ms' });
    cleanups.push(s.stop);
    const receiver = await startWebhookReceiver();
    cleanups.push(receiver.stop);
    const am = await startAlertmanager({ webhookUrl: receiver.url });
    cleanups.push(am.stop);
    const prom = await startPrometheus({
      scrapeTargets: [s.target],
      rulesFiles: [await shippedRulesWithShortFor(dir, ALERT, '2s')],
      alertmanagerUrl: am.url,
    });
    cleanups.push(prom.stop);
    const context = () => `\n--- prometheus ---\n${prom.output()}\n--- alertmanager ---\n${am.output()}`;

    // Healthy first: Prometheus scrapes the daemon, every facebook check is up, nothing fires.
    await waitFor(async () => (await prom.query('sum(outpost_check_state{group="facebook",state="up"}) == 3'))[0], `facebook's three checks up in Prometheus${context()}`, 30_000);
    expect(await prom.query('outpost:check_down_reason{reason="forced_logout"}')).toEqual([]);

    // Sessions are rejected on facebook (logins still work): users are being logged out.
    s.sim.setFaults('facebook', [{ type: 'forced_logout' }]);
    const nonEmpty = async (q: string) => {
      const r = await prom.query(q);
      return r.length > 0 ? r : undefined;
    };
    const down = await waitFor(() => nonEmpty('outpost:check_down_reason{reason="forced_logout"}'), `a check down with forced_logout in Prometheus${context()}`, 30_000);
    expect(new Set(down.map((d) => d.metric.group))).toEqual(new Set(['facebook']));

    const alert = await waitFor(async () => (await prom.alerts()).find((a) => a.labels.alertname === ALERT && a.state === 'firing'), `${ALERT} firing in Prometheus${context()}`, 30_000);
    expect(alert.labels).toMatchObject({ group: 'facebook', location: 'lab', severity: 'page' });
    expect(alert.annotations.summary).toBe('facebook: users are being logged out and sessions are rejected');

    const notified = (status: AlertmanagerNotification['status']) => async () =>
      receiver.notifications.find((n) => n.status === status && n.alerts.some((a) => a.labels.alertname === ALERT));
    const firing = await waitFor(notified('firing'), `a firing notification${context()}`, 30_000);
    expect(firing.status).toBe('firing');
    expect(firing.groupLabels).toEqual({ alertname: ALERT, group: 'facebook', location: 'lab' });
    const firingAlert = firing.alerts.find((a) => a.labels.alertname === ALERT)!;
    expect(firingAlert.status).toBe('firing');
    expect(firingAlert.labels).toMatchObject({ alertname: ALERT, group: 'facebook', location: 'lab', severity: 'page' });
    expect(firingAlert.annotations.summary).toContain('facebook');
    // One platform broke, one platform paged.
    const pagedGroups = new Set(receiver.notifications.flatMap((n) => n.alerts.map((a) => a.labels.group)));
    expect(pagedGroups).toEqual(new Set(['facebook']));

    // Sessions work again: the check recovers, the alert resolves and Alertmanager says so.
    s.sim.clearFaults();
    const resolved = await waitFor(notified('resolved'), `a resolved notification${context()}`, 45_000);
    expect(resolved.status).toBe('resolved');
    expect(resolved.alerts.find((a) => a.labels.alertname === ALERT)).toMatchObject({
      status: 'resolved',
      labels: expect.objectContaining({ group: 'facebook', location: 'lab' }),
    });
    expect(await prom.query('outpost:check_down_reason{reason="forced_logout"}')).toEqual([]);
    // Announced once: no repeated firing notification while the logouts went on.
    const firings = receiver.notifications.filter((n) => n.status === 'firing' && n.alerts.some((a) => a.labels.alertname === ALERT));
    expect(firings).toHaveLength(1);
  }, 170_000);
});
