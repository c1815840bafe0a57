import { describe, expect, it } from 'vitest';
import { createIncidentManager, type IncidentManagerOptions } from '../../src/incidents/manager.js';
import type { IncidentEvent } from '../../src/incidents/types.js';
import { createMetrics, type Metrics } from '../../src/metrics/registry.js';
import { fakeClock, groupsOf, names, platforms, RULES } from './fixtures.js';

const GROUPS = groupsOf(platforms([]));

function setup(opts: Partial<IncidentManagerOptions> = {}) {
  const clock = fakeClock();
  const metrics = createMetrics({ version: 'test' });
  const sent: IncidentEvent[] = [];
  const logs: string[] = [];
  const mgr = createIncidentManager({
    rules: RULES,
    location: 'eu-west',
    metrics,
    send: (e) => sent.push(e),
    maintenance: [],
    logger: { info: (_o, msg) => logs.push(msg) },
    now: clock.now,
    setTimer: clock.setTimer,
    maintenanceTickMs: 0,
    ...opts,
  });
  const down = (...groups: string[]) => mgr.update(platforms(groups, clock.now()), GROUPS);
  return { clock, metrics, sent, logs, mgr, down };
}

async function value(metrics: Metrics, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const hit = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return hit?.value;
}

describe('one real-world event pages once', () => {
  it('the 5 March case: three platforms down send one multi_platform opened, and on recovery one resolved', async () => {
    const { mgr, sent, clock, down, metrics } = setup();
    down('facebook', 'instagram', 'threads');
    expect(sent).toEqual([]); // held for groupWait
    clock.advance(10_000);
    expect(names(sent)).toEqual(['opened multi_platform']);
    expect(sent[0]!.incident.summary).toBe(
      '3 platforms down at once: facebook (session rejected, users are being logged out), instagram (feed loads but returns nothing new), threads (answers 200 with an error page)',
    );

    const open = mgr.snapshot().open;
    expect(open.filter((i) => i.scope === 'check')).toHaveLength(6);
    expect(open.filter((i) => i.scope === 'group')).toHaveLength(3);
    expect(open.filter((i) => i.scope === 'multi_platform')).toHaveLength(1);
    expect(await value(metrics, 'outpost_incidents_open', { scope: 'check' })).toBe(6);
    expect(await value(metrics, 'outpost_incidents_open', { scope: 'multi_platform' })).toBe(1);
    expect(await value(metrics, 'outpost_incidents_total', { scope: 'group', reason: 'feed_stale' })).toBe(1);
    expect(await value(metrics, 'outpost_incidents_total', { scope: 'multi_platform', reason: 'forced_logout' })).toBe(1);
    expect(await value(metrics, 'outpost_group_up', { group: 'facebook' })).toBe(0);
    expect(await value(metrics, 'outpost_group_state', { group: 'threads', location: 'eu-west', state: 'down' })).toBe(1);
    expect(mgr.groupState('instagram')).toBe('down');
    expect(mgr.groupState('nope')).toBe('unknown');

    clock.advance(2 * 3600_000);
    down();
    clock.advance(60_000);
    expect(names(sent)).toEqual(['opened multi_platform', 'resolved multi_platform']);
    expect(sent[1]!.incident.id).toBe(sent[0]!.incident.id);
    expect(mgr.snapshot().open).toEqual([]);
    expect(mgr.snapshot().recent).toHaveLength(10);
    expect(await value(metrics, 'outpost_incidents_open', { scope: 'group' })).toBe(0);
    expect(await value(metrics, 'outpost_group_up', { group: 'facebook' })).toBe(1);
    mgr.close();
  });

  it('platforms failing a few seconds apart within groupWait still page once', () => {
    const { sent, clock, down, mgr } = setup();
    down('facebook');
    clock.advance(3000);
    down('facebook', 'instagram');
    clock.advance(3000);
    down('facebook', 'instagram', 'threads');
    clock.advance(60_000);
    expect(names(sent)).toEqual(['opened multi_platform']);
    expect(sent[0]!.incident.groups).toEqual(['facebook', 'instagram', 'threads']);
    mgr.close();
  });

  it('an incident announced before a multi_platform opens still gets its resolved', () => {
    const { sent, clock, mgr } = setup();
    const fbOneCheck = () => platforms(['facebook'], clock.now()).map((c) => (c.id === 'facebook/web/login' ? c : { ...c, state: 'up' as const, reason: null }));
    mgr.update([...fbOneCheck()], GROUPS);
    clock.advance(10_000);
    expect(names(sent)).toEqual(['opened check facebook']);
    down3(); // now facebook as a group, and instagram
    clock.advance(10_000);
    expect(names(sent)).toEqual(['opened check facebook', 'opened multi_platform']);
    mgr.update(platforms([], clock.now()), GROUPS);
    expect(names(sent)).toEqual(['opened check facebook', 'opened multi_platform', 'resolved check facebook', 'resolved multi_platform']);
    mgr.close();
    function down3() {
      mgr.update(platforms(['facebook', 'instagram'], clock.now()), GROUPS);
    }
  });

  it('an incident that opens and resolves within groupWait sends nothing', () => {
    const { sent, clock, down, mgr, logs } = setup();
    down('threads');
    clock.advance(9000);
    down();
    clock.advance(60_000);
    expect(sent).toEqual([]);
    expect(logs.filter((l) => l === 'incident opened')).toHaveLength(2); // check and group, logged though not sent
    expect(mgr.snapshot().recent).toHaveLength(2);
    mgr.close();
  });

  it('keeps the multi-platform incident open until its last platform recovers: one page, one resolution', () => {
    const { sent, clock, down, mgr } = setup();
    down('facebook', 'instagram', 'threads');
    clock.advance(10_000);
    down('facebook');
    clock.advance(10_000);
    expect(names(sent)).toEqual(['opened multi_platform']);
    down();
    clock.advance(10_000);
    expect(names(sent)).toEqual(['opened multi_platform', 'resolved multi_platform']);
    mgr.close();
  });

  it('keeps going when send throws', () => {
    const { clock, mgr, down } = setup({ send: () => { throw new Error('queue full'); } });
    down('threads');
    expect(() => clock.advance(10_000)).not.toThrow();
    mgr.close();
  });
});

describe('reminders', () => {
  it('re-sends every remindEvery while the incident is open, then stops', () => {
    const { sent, clock, down, mgr } = setup({ rules: { ...RULES, remindEveryMs: 60_000 } });
    down('threads');
    clock.advance(10_000);
    clock.advance(130_000);
    expect(names(sent)).toEqual(['opened group threads', 'reminder group threads', 'reminder group threads']);
    down();
    clock.advance(600_000);
    expect(names(sent).slice(3)).toEqual(['resolved group threads']);
    mgr.close();
  });

  it('sends none when remindEvery is not set', () => {
    const { sent, clock, down, mgr } = setup();
    down('threads');
    clock.advance(3600_000);
    expect(names(sent)).toEqual(['opened group threads']);
    mgr.close();
  });
});

describe('maintenance', () => {
  it('an ad hoc window opens no incident and sends nothing, and outpost_maintenance_active is 1', async () => {
    const { sent, clock, down, mgr, metrics } = setup();
    down();
    mgr.maintenance.add('threads', 30 * 60_000, 'migration');
    expect(await value(metrics, 'outpost_maintenance_active', { group: 'threads', location: 'eu-west' })).toBe(1);
    expect(await value(metrics, 'outpost_maintenance_active', { group: 'facebook', location: 'eu-west' })).toBe(0);
    down('threads', 'instagram');
    clock.advance(60_000);
    // threads neither opens incidents nor counts toward multi_platform
    expect(names(sent)).toEqual(['opened group instagram']);
    expect(mgr.snapshot().open.filter((i) => i.groups.includes('threads'))).toEqual([]);
    expect(mgr.groupState('threads')).toBe('down'); // metrics still recorded
    expect(() => mgr.maintenance.add('nope', 1000)).toThrow(RangeError);
    expect(mgr.maintenance.list().map((w) => [w.group, w.note])).toEqual([['threads', 'migration']]);
    mgr.close();
  });

  it('a cron window that started before now holds the group', async () => {
    const { clock, sent, down, mgr, metrics } = setup({ maintenance: [{ group: 'facebook', schedule: '0 15 * * *', durationMs: 3600_000 }] });
    // T0 is 15:20:07 UTC: inside the window that began at 15:00
    down('facebook');
    clock.advance(60_000);
    expect(sent).toEqual([]);
    expect(mgr.snapshot().open).toEqual([]);
    expect([...mgr.maintenance.activeGroups()]).toEqual(['facebook']);
    expect(await value(metrics, 'outpost_maintenance_active', { group: 'facebook', location: 'eu-west' })).toBe(1);
    clock.advance(40 * 60_000); // 16:01: the window is over, facebook is still down
    down('facebook');
    clock.advance(10_000);
    expect(names(sent)).toEqual(['opened group facebook']);
    expect(await value(metrics, 'outpost_maintenance_active', { group: 'facebook', location: 'eu-west' })).toBe(0);
    mgr.close();
  });

  it('an incident open when maintenance begins stays open, sends no reminder, and its resolved still goes out', () => {
    const { sent, clock, down, mgr } = setup({ rules: { ...RULES, remindEveryMs: 60_000 } });
    down('threads');
    clock.advance(10_000);
    mgr.maintenance.add('threads', 3600_000);
    down('threads');
    clock.advance(600_000);
    expect(names(sent)).toEqual(['opened group threads']);
    expect(mgr.snapshot().open.every((i) => i.inMaintenance)).toBe(true);
    down();
    expect(names(sent)).toEqual(['opened group threads', 'resolved group threads']);
    mgr.close();
  });

  it('an opened still held when maintenance begins is not sent, nor its resolved', () => {
    const { sent, clock, down, mgr } = setup();
    down('threads');
    clock.advance(5000);
    mgr.maintenance.add('threads', 3600_000);
    clock.advance(600_000);
    down();
    clock.advance(600_000);
    expect(sent).toEqual([]);
    mgr.close();
  });
});

describe('restarts', () => {
  it('serialize → restore: no second opened for an ongoing incident, and its resolved is still sent', () => {
    const a = setup();
    a.down('threads');
    a.clock.advance(10_000);
    expect(names(a.sent)).toEqual(['opened group threads']);
    const saved = JSON.parse(JSON.stringify(a.mgr.serialize()));
    const ids = a.mgr.snapshot().open.map((i) => i.id);
    a.mgr.close();

    const b = setup();
    b.clock.advance(a.clock.now() - b.clock.now() + 30_000);
    b.mgr.restore(saved);
    expect(b.mgr.snapshot().open.map((i) => i.id)).toEqual(ids);
    // first runs after the restart: the check has not run yet, then it is still down
    b.mgr.update(platforms([]).map((c) => ({ ...c, state: 'unknown' as const })), GROUPS);
    b.down('threads');
    b.clock.advance(600_000);
    expect(b.sent).toEqual([]);
    b.down();
    expect(names(b.sent)).toEqual(['resolved group threads']);
    expect(b.sent[0]!.incident.id).toBe(a.sent[0]!.incident.id);
    b.mgr.close();
  });

  it('an opened still held at shutdown is sent after the restart', () => {
    const a = setup();
    a.down('threads');
    a.clock.advance(4000);
    const saved = JSON.parse(JSON.stringify(a.mgr.serialize()));
    a.mgr.close();
    const b = setup();
    b.clock.advance(4000);
    b.mgr.restore(saved);
    b.down('threads');
    b.clock.advance(10_000);
    expect(names(b.sent)).toEqual(['opened group threads']);
    b.mgr.close();
  });

  it('restore drops garbage without throwing', () => {
    const { mgr, down, sent, clock } = setup();
    for (const junk of [undefined, null, 7, 'state', [], { book: 'x', dispatch: [1], maintenance: { adhoc: 'y' } }, { book: { open: [{ id: 1 }] }, dispatch: { pending: [{ event: {}, dueAt: 'soon' }], notified: [null], absorbed: [3] } }]) {
      expect(() => mgr.restore(junk)).not.toThrow();
      expect(mgr.snapshot()).toEqual({ open: [], recent: [] });
    }
    down('threads');
    clock.advance(10_000);
    expect(names(sent)).toEqual(['opened group threads']);
    mgr.close();
  });
});

describe('metrics hygiene', () => {
  it('removes the series of a group that left the config', async () => {
    const { mgr, metrics } = setup();
    mgr.update(platforms([]), GROUPS);
    expect(await value(metrics, 'outpost_group_up', { group: 'threads' })).toBe(1);
    mgr.update(platforms([]).filter((c) => c.group !== 'threads'), GROUPS.filter((g) => g.name !== 'threads'));
    expect(await value(metrics, 'outpost_group_up', { group: 'threads' })).toBeUndefined();
    expect(await value(metrics, 'outpost_maintenance_active', { group: 'threads' })).toBeUndefined();
    mgr.close();
  });
});

describe('users logged out while logging in again works', () => {
  const lost = (at: number, over: Partial<Parameters<ReturnType<typeof setup>['mgr']['sessionLost']>[0]> = {}) => ({
    group: 'facebook',
    endpoint: 'web',
    check: 'feed',
    at,
    recoveredAt: at + 20_000,
    natural: false,
    ...over,
  });

  it('is a short incident, opened and resolved, announced at once (no groupWait), listed among the recent ones', () => {
    const { clock, sent, mgr } = setup();
    const i = mgr.sessionLost(lost(clock.now()));
    expect(i).toMatchObject({ scope: 'check', status: 'resolved', reason: 'forced_logout', reasons: ['forced_logout'] });
    expect(i.summary).toMatch(/^facebook\/web: users were logged out at \d\d:\d\d UTC; logging in again works$/);
    expect(sent.map((e) => `${e.event} ${e.incident.status}`)).toEqual(['incident.opened open', 'incident.resolved resolved']);
    expect(sent[0]!.incident.id).toBe(sent[1]!.incident.id);
    expect(mgr.snapshot().recent[0]!.id).toBe(i.id);
  });

  it('one account\'s natural expiry is recorded but not announced; several endpoints at once are', () => {
    const { clock, sent, mgr } = setup();
    const natural = mgr.sessionLost(lost(clock.now(), { natural: true }));
    expect(sent).toEqual([]);
    expect(natural.timeline.at(-1)).toMatchObject({ event: 'not announced' });
    mgr.sessionLost(lost(clock.now() + 1000, { endpoint: 'mobile', natural: true }));
    expect(sent.map((e) => e.event)).toEqual(['incident.opened', 'incident.resolved']);
  });

  it('is told once per platform within the event window, not while a wider incident or maintenance holds the platform', () => {
    const { clock, sent, mgr, down } = setup();
    mgr.sessionLost(lost(clock.now()));
    mgr.sessionLost(lost(clock.now() + 1000, { endpoint: 'mobile' }));
    expect(sent).toHaveLength(2);
    mgr.maintenance.add('instagram', 60_000);
    mgr.sessionLost(lost(clock.now(), { group: 'instagram' }));
    expect(sent).toHaveLength(2);
    down('threads');
    clock.advance(1000);
    mgr.update(platforms(['threads'], clock.now()), GROUPS);
    mgr.sessionLost(lost(clock.now(), { group: 'threads' }));
    expect(sent.filter((e) => e.incident.group === 'threads' && e.incident.reason === 'forced_logout' && e.incident.summary.includes('logged out at'))).toEqual([]);
  });
});
