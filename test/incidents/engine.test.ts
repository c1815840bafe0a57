import { describe, expect, it } from 'vitest';
import { emptyBook, restoreBook, serializeBook, type IncidentBook } from '../../src/incidents/book.js';
import { dominantReason } from '../../src/incidents/summary.js';
import { evaluate, groupStateOf, type EvaluateInput } from '../../src/incidents/engine.js';
import type { CheckView, GroupView } from '../../src/incidents/types.js';
import { initialStatus, nextStatus, type CheckStatus } from '../../src/check-state.js';
import { groupsOf, names, platforms, PLATFORM_CHECKS, RULES, T0, view } from './fixtures.js';
import type { Reason } from '../../src/reasons.js';

function run(book: IncidentBook, checks: CheckView[], extra: Partial<EvaluateInput> & { groups?: GroupView[] } = {}) {
  return evaluate(book, { checks, groups: extra.groups ?? groupsOf(checks), maintenance: new Set(), now: T0, location: 'eu-west', rules: RULES, ...extra });
}

describe('check scope', () => {
  it('opens when a check is down and resolves when it is up again', () => {
    const down = [view('facebook/web/session', 'down', 'forced_logout'), view('facebook/web/feed', 'up'), view('facebook/mobile-api/feed', 'up')];
    const a = run(emptyBook(), down);
    expect(names(a.events)).toEqual(['opened check facebook']);
    const i = a.events[0]!.incident;
    expect(i).toMatchObject({ scope: 'check', status: 'open', group: 'facebook', endpoint: 'web', check: 'session', groups: ['facebook'], reason: 'forced_logout', location: 'eu-west', startedAt: T0, resolvedAt: null });
    expect(i.summary).toBe('facebook/web: session rejected, users are being logged out');
    expect(i.lastResult).toEqual({ httpStatus: 401, durationMs: 84, error: 'redirected to /login' });
    expect(i.id).toMatch(/^[0-9a-f]{16}$/);

    const still = run(a.book, down, { now: T0 + 60_000 });
    expect(still.events).toEqual([]);
    expect(still.book.open).toHaveLength(1);

    const b = run(still.book, [view('facebook/web/session', 'degraded'), view('facebook/web/feed', 'up'), view('facebook/mobile-api/feed', 'up')], { now: T0 + 120_000 });
    expect(names(b.events)).toEqual(['resolved check facebook']);
    expect(b.events[0]!.incident).toMatchObject({ id: i.id, status: 'resolved', resolvedAt: T0 + 120_000 });
    expect(b.book.open).toEqual([]);
    expect(b.book.recent.map((r) => r.id)).toEqual([i.id]);
    expect(b.book.recent[0]!.timeline.map((t) => t.event)).toEqual(['opened', 'resolved']);
  });

  it('stays open while the check is unknown (not yet run after a restart) and resolves when the check is removed', () => {
    const a = run(emptyBook(), [view('facebook/web/session', 'down', 'forced_logout'), view('facebook/web/feed', 'up'), view('facebook/mobile-api/feed', 'up')]);
    const b = run(a.book, [view('facebook/web/session', 'unknown'), view('facebook/web/feed', 'up'), view('facebook/mobile-api/feed', 'up')]);
    expect(b.events).toEqual([]);
    expect(b.groupStates.get('facebook')).toBe('degraded');
    const c = run(b.book, [view('facebook/web/feed', 'up'), view('facebook/mobile-api/feed', 'up')]);
    expect(names(c.events)).toEqual(['resolved check facebook']);
  });

  it('records a change of reason on the open incident, and keeps the cause first: logged out, then refused logins', () => {
    const a = run(emptyBook(), [view('facebook/web/session', 'down', 'forced_logout'), view('facebook/web/feed', 'up'), view('facebook/mobile-api/feed', 'up')]);
    const b = run(a.book, [view('facebook/web/session', 'down', 'login_rejected'), view('facebook/web/feed', 'up'), view('facebook/mobile-api/feed', 'up')], { now: T0 + 1000 });
    expect(b.events).toEqual([]);
    expect(a.book.open[0]).toMatchObject({ reason: 'forced_logout', reasons: ['forced_logout'], summary: 'facebook/web: session rejected, users are being logged out' });
    expect(b.book.open[0]).toMatchObject({
      reason: 'login_rejected',
      reasons: ['forced_logout', 'login_rejected'],
      summary: 'facebook/web: users are logged out and cannot log back in',
      id: a.book.open[0]!.id,
    });
    expect(b.book.open[0]!.timeline.at(-1)).toEqual({ at: T0 + 1000, event: 'reason changed', note: 'forced_logout → login_rejected' });
  });

  it('opens nothing for a check that flaps below its failure threshold', () => {
    const t = { failureThreshold: 3, successThreshold: 1, degradedAfterMs: 5000 };
    let status: CheckStatus = initialStatus(T0);
    let book = emptyBook();
    const opened: string[] = [];
    for (let n = 0; n < 40; n++) {
      const at = T0 + n * 30_000;
      // two failures, one success, repeat: never three in a row
      const ok = n % 3 === 2;
      status = nextStatus(status, { ok, reason: ok ? null : 'timeout', httpStatus: ok ? 200 : 0, durationMs: 100, error: null, at, attempts: 1 }, t);
      const checks: CheckView[] = [{ id: 'threads/web/feed', group: 'threads', endpoint: 'web', check: 'feed', state: status.state, reason: status.reason, reasons: status.reasons, since: status.since, lastResult: status.lastResult }];
      const r = run(book, checks, { now: at });
      book = r.book;
      opened.push(...names(r.events));
    }
    expect(status.state).toBe('up');
    expect(opened).toEqual([]);
    expect(book.open).toEqual([]);
  });
});

describe('group scope', () => {
  const ids = ['facebook/web/login', 'facebook/web/session', 'facebook/mobile-api/feed'];
  it('opens when at least groupDownRatio of the checks are down', () => {
    const one = run(emptyBook(), [view(ids[0]!, 'down', 'forced_logout'), view(ids[1]!, 'up'), view(ids[2]!, 'up')]);
    expect(names(one.events)).toEqual(['opened check facebook']);
    expect(one.groupStates.get('facebook')).toBe('degraded');

    const two = run(one.book, [view(ids[0]!, 'down', 'forced_logout'), view(ids[1]!, 'down', 'forced_logout'), view(ids[2]!, 'up')], { now: T0 + 30_000 });
    expect(names(two.events)).toEqual(['opened check facebook', 'opened group facebook']);
    expect(two.groupStates.get('facebook')).toBe('down');
    const g = two.book.open.find((i) => i.scope === 'group')!;
    expect(g).toMatchObject({ group: 'facebook', endpoint: null, check: null, groups: ['facebook'], reason: 'forced_logout', reasons: ['forced_logout'], summary: 'facebook: session rejected, users are being logged out (2 of 3 checks down)' });

    const back = run(two.book, [view(ids[0]!, 'down', 'forced_logout'), view(ids[1]!, 'up'), view(ids[2]!, 'up')], { now: T0 + 60_000 });
    expect(names(back.events)).toEqual(['resolved check facebook', 'resolved group facebook']);
  });

  it('follows a configured ratio', () => {
    const checks = [view(ids[0]!, 'down', 'timeout'), view(ids[1]!, 'down', 'timeout'), view(ids[2]!, 'up')];
    const r = run(emptyBook(), checks, { rules: { ...RULES, groupDownRatio: 1 } });
    expect(r.groupStates.get('facebook')).toBe('degraded');
    expect(r.book.open.map((i) => i.scope)).toEqual(['check', 'check']);
  });

  it('decides the same whatever order the checks come in, and counts only the checks present (a shard)', () => {
    // The group's own order (as the config lists its checks) takes a faster path than any other order.
    const all = [...PLATFORM_CHECKS, 'facebook/web/feed', 'instagram/web/stories'];
    const states: Record<string, [CheckView['state'], Reason | null]> = {
      // Equal since: a group's reasons are in the order its checks are listed (ties of the sort by since).
      'facebook/web/login': ['down', 'timeout'],
      'facebook/web/session': ['down', 'http_5xx'],
      'instagram/web/feed': ['down', 'feed_stale'],
      'instagram/web/session': ['down', 'feed_stale'],
      'threads/web/feed': ['down', 'error_page'],
    };
    const views = all.map((id) => view(id, states[id]?.[0] ?? 'up', states[id]?.[1] ?? null));
    const groups = groupsOf(views);
    const inOrder = run(emptyBook(), views, { groups });
    const shuffled = run(emptyBook(), [...views].reverse(), { groups });
    // Check incidents open in the order the checks come; everything else is the same.
    const byId = (b: IncidentBook) => [...b.open].sort((x, y) => (x.id < y.id ? -1 : 1));
    expect(byId(shuffled.book)).toEqual(byId(inOrder.book));
    expect(names(shuffled.events).sort()).toEqual(names(inOrder.events).sort());
    expect(inOrder.book.open.find((i) => i.scope === 'multi_platform')?.groups).toEqual(['facebook', 'instagram', 'threads']);
    expect(inOrder.book.open.find((i) => i.scope === 'group' && i.group === 'facebook')?.reasons).toEqual(['timeout', 'http_5xx']);
    // Checks a group lists that are not here (another shard's) do not count toward it.
    const some = views.filter((v) => v.id !== 'facebook/web/feed' && v.id !== 'facebook/mobile-api/feed');
    const part = run(emptyBook(), some, { groups });
    expect(part.groupStates.get('facebook')).toBe('down');
    expect(part.book.open.find((i) => i.scope === 'group' && i.group === 'facebook')?.summary).toContain('(2 of 2 checks down)');
  });

  it('derives the group state from its checks', () => {
    expect(groupStateOf([], 0.5)).toBe('unknown');
    expect(groupStateOf(['unknown', 'unknown'], 0.5)).toBe('unknown');
    expect(groupStateOf(['up', 'unknown'], 0.5)).toBe('up');
    expect(groupStateOf(['up', 'degraded'], 0.5)).toBe('degraded');
    expect(groupStateOf(['up', 'up', 'down'], 0.5)).toBe('degraded');
    expect(groupStateOf(['up', 'down'], 0.5)).toBe('down');
    expect(groupStateOf(['down'], 0.5)).toBe('down');
  });
});

describe('multi_platform scope', () => {
  it('opens one incident for three platforms down at once, with their reasons in plain words', () => {
    const r = run(emptyBook(), platforms(['facebook', 'instagram', 'threads']));
    const multi = r.book.open.filter((i) => i.scope === 'multi_platform');
    expect(multi).toHaveLength(1);
    expect(multi[0]).toMatchObject({ group: null, endpoint: null, check: null, groups: ['facebook', 'instagram', 'threads'] });
    expect(multi[0]!.summary).toBe(
      '3 platforms down at once: facebook (session rejected, users are being logged out), instagram (feed loads but returns nothing new), threads (answers 200 with an error page)',
    );
    expect(multi[0]!.reasons).toEqual(['forced_logout', 'feed_stale', 'error_page']);
    // 3 forced_logout, 2 feed_stale, 1 error_page
    expect(multi[0]!.reason).toBe('forced_logout');
    expect(r.book.open.filter((i) => i.scope === 'group')).toHaveLength(3);
    expect(r.book.open.filter((i) => i.scope === 'check')).toHaveLength(6);
  });

  it('records groups that join, and resolves when every platform in it has recovered', () => {
    const a = run(emptyBook(), platforms(['facebook', 'instagram']));
    const multi = a.book.open.find((i) => i.scope === 'multi_platform')!;
    expect(multi.groups).toEqual(['facebook', 'instagram']);
    const b = run(a.book, platforms(['facebook', 'instagram', 'threads']), { now: T0 + 5000 });
    const joined = b.book.open.find((i) => i.scope === 'multi_platform')!;
    expect(joined.id).toBe(multi.id);
    expect(joined.groups).toEqual(['facebook', 'instagram', 'threads']);
    expect(joined.timeline.at(-1)).toEqual({ at: T0 + 5000, event: 'group joined', note: 'threads' });
    expect(names(b.events)).toEqual(['opened check threads', 'opened group threads']);
    // Fewer than the minimum down, but the event goes on while one of its platforms is down.
    const c = run(b.book, platforms(['threads']), { now: T0 + 9000 });
    expect(names(c.events).filter((n) => n.includes('multi'))).toEqual([]);
    expect(c.book.open.find((i) => i.scope === 'multi_platform')?.id).toBe(multi.id);
    const d = run(c.book, platforms([]), { now: T0 + 12_000 });
    expect(names(d.events).filter((n) => n.includes('multi'))).toEqual(['resolved multi_platform']);
  });

  it('ties between reasons go to the SPEC precedence', () => {
    expect(dominantReason(['feed_stale', 'forced_logout'])).toBe('forced_logout');
    expect(dominantReason(['feed_stale', 'feed_stale', 'timeout'])).toBe('feed_stale');
    expect(dominantReason(['error_page', 'http_5xx'])).toBe('http_5xx');
  });
});

describe('maintenance', () => {
  it('opens nothing for a group in maintenance, which does not count toward multi_platform', () => {
    const r = run(emptyBook(), platforms(['facebook', 'instagram']), { maintenance: new Set(['facebook']) });
    expect(names(r.events)).toEqual(['opened check instagram', 'opened check instagram', 'opened group instagram']);
    expect(r.groupStates.get('facebook')).toBe('down');
  });

  it('keeps an incident open when maintenance begins, marks it, and resolves it normally', () => {
    const a = run(emptyBook(), platforms(['threads']));
    const b = run(a.book, platforms(['threads']), { maintenance: new Set(['threads']), now: T0 + 1000 });
    expect(b.events).toEqual([]);
    expect(b.book.open.every((i) => i.inMaintenance === true)).toBe(true);
    expect(b.book.open[0]!.timeline.at(-1)).toMatchObject({ event: 'maintenance started' });
    const c = run(b.book, platforms([]), { maintenance: new Set(['threads']), now: T0 + 2000 });
    expect(names(c.events)).toEqual(['resolved check threads', 'resolved group threads']);
  });
});

describe('the book', () => {
  it('gives stable ids: the same input gives the same ids, another start another id', () => {
    const a = run(emptyBook(), platforms(['facebook', 'threads']));
    const b = run(emptyBook(), platforms(['facebook', 'threads']));
    expect(b.book.open.map((i) => i.id)).toEqual(a.book.open.map((i) => i.id));
    expect(new Set(a.book.open.map((i) => i.id)).size).toBe(a.book.open.length);
    const later = run(emptyBook(), platforms(['facebook', 'threads'], T0 + 1000), { now: T0 + 1000 });
    expect(later.book.open[0]!.id).not.toBe(a.book.open[0]!.id);
  });

  it('keeps at most keepResolved resolved incidents, newest first', () => {
    let book = emptyBook();
    const rules = { ...RULES, keepResolved: 2 };
    for (let n = 0; n < 4; n++) {
      const at = T0 + n * 10_000;
      book = run(book, [view('threads/web/feed', 'down', 'error_page', at), view('threads/web/login', 'up'), view('threads/web/session', 'up')], { now: at, rules }).book;
      book = run(book, [view('threads/web/feed', 'up', null, at + 5000), view('threads/web/login', 'up'), view('threads/web/session', 'up')], { now: at + 5000, rules }).book;
    }
    expect(book.recent.map((i) => i.resolvedAt)).toEqual([T0 + 35_000, T0 + 25_000]);
  });

  it('survives serialize → JSON → restore unchanged', () => {
    const { book } = run(emptyBook(), platforms(['facebook', 'instagram']));
    const restored = restoreBook(JSON.parse(JSON.stringify(serializeBook(book))));
    expect(restored).toEqual(book);
    // and the restored book keeps its incidents: nothing new opens
    expect(run(restored, platforms(['facebook', 'instagram']), { now: T0 + 1000 }).events).toEqual([]);
  });

  it('drops garbage when restoring, without throwing', () => {
    const { book } = run(emptyBook(), platforms(['threads']));
    const good = JSON.parse(JSON.stringify(book.open[0]));
    for (const junk of [null, 42, 'x', [], { open: 'no' }, { open: [null, 1, {}, { ...good, reason: 'nope' }] }]) {
      expect(restoreBook(junk)).toEqual({ open: [], recent: [] });
    }
    const mixed = restoreBook({ open: [good, good, { ...good, id: 'ZZ' }, { ...good, id: 'abc', startedAt: -1 }], recent: [good, { ...good, status: 'resolved', resolvedAt: null }] });
    expect(mixed.open).toEqual([good]);
    expect(mixed.recent).toEqual([]);
  });
});
