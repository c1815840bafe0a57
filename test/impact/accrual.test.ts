import { describe, expect, it } from 'vitest';
import { createIncidentManager } from '../../src/incidents/manager.js';
import type { CheckView, IncidentEvent } from '../../src/incidents/types.js';
import { compileImpact } from '../../src/impact/config.js';
import { accrueBetween, factorAt } from '../../src/impact/profile.js';
import { impactSchema } from '../../src/impact/schema.js';
import { createImpactTracker } from '../../src/impact/tracker.js';
import { createMetrics, type Metrics } from '../../src/metrics/registry.js';
import { fakeClock, groupsOf, RULES, view } from '../incidents/fixtures.js';
import type { CheckType } from '../../src/config/types.js';

const MIN = 60_000;
const CHECKS = ['facebook/web/login', 'facebook/web/session', 'facebook/web/feed', 'facebook/web/api'];
const TYPES = new Map<string, CheckType>([
  ['facebook/web/login', 'login'],
  ['facebook/web/session', 'session'],
  ['facebook/web/feed', 'feed'],
  ['facebook/web/api', 'http'],
]);

function setup(impact: Record<string, unknown> = { perMinute: 1200, unit: 'USD' }, start = Date.UTC(2024, 2, 5, 15, 20), remindEveryMs?: number) {
  const clock = fakeClock(start);
  const sent: IncidentEvent[] = [];
  const metrics = createMetrics({ version: 'test' });
  const buckets = compileImpact({ facebook: { impact: impactSchema.parse(impact), endpoints: { web: {} } } });
  const tracker = createImpactTracker({ buckets, checkTypes: TYPES, location: 'eu-west', counter: metrics.impactEstimated });
  const mgr = createIncidentManager({
    rules: { ...RULES, groupWaitMs: 0, ...(remindEveryMs ? { remindEveryMs } : {}) },
    location: 'eu-west',
    metrics,
    send: (e) => sent.push(e),
    maintenance: [],
    now: clock.now,
    setTimer: clock.setTimer,
    maintenanceTickMs: 0,
    impactTickMs: 0,
    impact: tracker,
  });
  const groups = groupsOf(CHECKS.map((id) => view(id, 'up')));
  /** Checks as given (others up), evaluated at the clock's time. */
  const states = (given: Record<string, CheckView['state']>) =>
    mgr.update(
      CHECKS.map((id) => view(id, given[id] ?? 'up', given[id] === 'down' ? 'feed_empty' : null, clock.now())),
      groups,
    );
  return { clock, metrics, mgr, states, sent };
}

async function counter(metrics: Metrics): Promise<number> {
  const m = (await metrics.registry.getMetricsAsJSON()).find((x) => x.name === 'outpost_impact_estimated_total');
  return m?.values.find((v) => v.labels['group'] === 'facebook' && v.labels['unit'] === 'USD' && v.labels['location'] === 'eu-west')?.value ?? 0;
}

describe('impact accrual (injected clock)', () => {
  it('a group down accrues its full rate onto the group incident and the counter', async () => {
    const { clock, metrics, mgr, states } = setup();
    const allDown = Object.fromEntries(CHECKS.map((id) => [id, 'down' as const]));
    states(allDown);
    clock.advance(10 * MIN);
    states(allDown);
    const group = mgr.snapshot().open.find((i) => i.scope === 'group')!;
    expect(group.impact).toEqual({ unit: 'USD', perMinute: 1200, estimated: 12_000 });
    clock.advance(5 * MIN);
    states({});
    const resolved = mgr.snapshot().recent.find((i) => i.scope === 'group')!;
    expect(resolved.impact?.estimated).toBe(18_000);
    expect(await counter(metrics)).toBe(18_000);
    clock.advance(10 * MIN);
    states({});
    expect(await counter(metrics)).toBe(18_000); // healthy: nothing accrues
  });

  it('announcements, reminders and the resolution carry the estimate at their time', () => {
    const { clock, sent, states } = setup(undefined, undefined, 30 * MIN);
    const allDown = Object.fromEntries(CHECKS.map((id) => [id, 'down' as const]));
    states(allDown);
    clock.advance(29 * MIN);
    states(allDown); // accrues up to now (the daemon does this every second)
    clock.advance(1 * MIN); // the reminder at 30 min
    clock.advance(20 * MIN);
    states({});
    const group = sent.filter((e) => e.incident.scope === 'group');
    expect(group.map((e) => [e.event, e.incident.impact?.estimated])).toEqual([
      ['incident.opened', 0],
      ['incident.reminder', 29 * 1200],
      ['incident.resolved', 50 * 1200],
    ]);
    expect(group[2]!.incident.impact).toEqual({ unit: 'USD', perMinute: 1200, estimated: 60_000 });
  });

  it('a check down counts by its type: feed fully, a generic http check half', async () => {
    const { clock, metrics, mgr, states } = setup();
    states({ 'facebook/web/feed': 'down' });
    clock.advance(10 * MIN);
    states({ 'facebook/web/feed': 'down' });
    const check = mgr.snapshot().open.find((i) => i.scope === 'check')!;
    expect(mgr.snapshot().open.some((i) => i.scope === 'group')).toBe(false);
    expect(check.impact?.estimated).toBe(12_000);
    states({ 'facebook/web/api': 'down' });
    clock.advance(10 * MIN);
    states({ 'facebook/web/api': 'down' });
    expect(mgr.snapshot().open.find((i) => i.check === 'api')!.impact?.estimated).toBe(6000);
    expect(await counter(metrics)).toBe(18_000);
  });

  it('a degraded (slow) check counts the configured fraction, without an incident', async () => {
    const { clock, metrics, mgr, states } = setup({ perMinute: 1200, unit: 'USD', degraded: 0.1 });
    states({ 'facebook/web/feed': 'degraded' });
    clock.advance(10 * MIN);
    states({ 'facebook/web/feed': 'degraded' });
    expect(mgr.snapshot().open).toEqual([]);
    expect(await counter(metrics)).toBeCloseTo(1200, 6);
  });

  it('maintenance accrues nothing', async () => {
    const { clock, metrics, mgr, states } = setup();
    mgr.maintenance.add('facebook', 60 * MIN);
    const allDown = Object.fromEntries(CHECKS.map((id) => [id, 'down' as const]));
    states(allDown);
    clock.advance(30 * MIN);
    states(allDown);
    expect(mgr.snapshot().open).toEqual([]);
    expect(await counter(metrics)).toBe(0);
  });

  it('a traffic profile prices each hour at its factor, across an hour boundary', async () => {
    const profile = { perMinute: 1200, unit: 'USD', profile: [{ days: ['tue'], hours: '18-22', factor: 2 }] };
    // Tuesday 5 March 2024, 17:50 UTC: 10 min at 1200/min, then 10 min at 2400/min.
    const { clock, mgr, states } = setup(profile, Date.UTC(2024, 2, 5, 17, 50));
    const allDown = Object.fromEntries(CHECKS.map((id) => [id, 'down' as const]));
    states(allDown);
    clock.advance(20 * MIN);
    states(allDown);
    expect(mgr.snapshot().open.find((i) => i.scope === 'group')!.impact?.estimated).toBe(36_000);
  });

  it('profile hours are local to the timezone and the last matching rule wins', () => {
    const b = compileImpact({
      g: {
        impact: impactSchema.parse({ perMinute: 60, unit: 'orders', timezone: 'Europe/Paris', profile: [{ hours: '0-24', factor: 0.5 }, { days: ['tue'], hours: '18-22', factor: 3 }] }),
        endpoints: { e: {} },
      },
    })[0]!;
    // 18:00 in Paris on 5 March (CET, UTC+1) is 17:00 UTC.
    expect(factorAt(b.profile, b.timezone, Date.UTC(2024, 2, 5, 16, 59))).toBe(0.5);
    expect(factorAt(b.profile, b.timezone, Date.UTC(2024, 2, 5, 17, 0))).toBe(3);
    expect(accrueBetween(b, Date.UTC(2024, 2, 5, 16, 30), Date.UTC(2024, 2, 5, 17, 30))).toBe(30 * 30 + 30 * 180);
  });

  it('an endpoint with its own impact is priced on its own; the group covers the others', () => {
    const buckets = compileImpact({
      facebook: {
        impact: impactSchema.parse({ perMinute: 1000, unit: 'USD' }),
        endpoints: { web: {}, 'mobile-api': { impact: impactSchema.parse({ perMinute: 400, unit: 'USD' }) } },
      },
    });
    expect(buckets.map((b) => [b.endpoints, b.perMinute])).toEqual([
      [['web'], 1000],
      [['mobile-api'], 400],
    ]);
  });

  it('rejects a malformed impact with clear errors', () => {
    const r = impactSchema.safeParse({ perMinute: -1, unit: 'US Dollars', timezone: 'Mars/Olympus', profile: [{ days: ['someday'], hours: '22-18', factor: 2 }] });
    expect(r.success).toBe(false);
    const messages = r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n');
    expect(messages).toMatch(/^perMinute: /m);
    expect(messages).toMatch(/^unit: unit must be a short name/m);
    expect(messages).toMatch(/^timezone: expected an IANA time zone/m);
    expect(messages).toMatch(/^profile\.0\.days\.0: expected a day/m);
    expect(messages).toMatch(/^profile\.0\.hours: expected hours such as "18-22"/m);
  });
});
