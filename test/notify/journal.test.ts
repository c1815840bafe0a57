/** The notification journal on a real directory: what a restart reads back, torn lines, compaction, and announcements laid over the state file. */
import { afterEach, describe, expect, it } from 'vitest';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createJournal } from '../../src/notify/journal.js';
import { announcement, applyAnnouncements } from '../../src/notify/announced.js';
import type { OutboxEntry } from '../../src/notify/outbox.js';
import { event, groupIncident, incident } from './fixtures.js';
import { initialStatus } from '../../src/check-state.js';

const dirs: string[] = [];
const dir = () => {
  const d = mkdtempSync(join(tmpdir(), 'outpost-journal-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const inc = (id: string) => incident({ id, timeline: [] });
const entry = (id: string, name: 'incident.opened' | 'incident.resolved' = 'incident.opened'): OutboxEntry => ({
  webhook: 'hook',
  deliveryId: id,
  event: event(name, inc('abc123')),
  attempts: 0,
  enqueuedAt: 1,
});

describe('notification journal', () => {
  it('gives back, after a restart, only what was not delivered, with its attempts and id', async () => {
    const d = dir();
    const j = createJournal({ dir: d });
    await j.load();
    await j.append({ k: 'enq', entry: entry('d1') });
    await j.append({ k: 'enq', entry: entry('d2') });
    j.note({ k: 'try', id: 'd2', attempts: 2 });
    await j.append({ k: 'done', id: 'd1' });
    await j.close();
    expect(statSync(join(d, 'notifications.journal')).mode & 0o777).toBe(0o600);

    const again = createJournal({ dir: d });
    const loaded = await again.load();
    expect(loaded.pending.map((x) => [x.deliveryId, x.attempts])).toEqual([['d2', 2]]);
    expect(loaded.lastSeq).toBe(4);
    await again.append({ k: 'gone', id: 'd2' });
    expect(again.seq()).toBe(5);
    await again.close();
  });

  it('skips a line torn by a crash in the middle of a write', async () => {
    const d = dir();
    const j = createJournal({ dir: d });
    await j.load();
    await j.append({ k: 'enq', entry: entry('d1') });
    await j.close();
    appendFileSync(join(d, 'notifications.journal'), '{"k":"done","seq":2,"id":"d');
    const loaded = await createJournal({ dir: d }).load();
    expect(loaded.skipped).toBe(1);
    expect(loaded.pending.map((x) => x.deliveryId)).toEqual(['d1']);
  });

  it('is compacted once mostly delivered: bounded, the undelivered and the uncovered announcements kept', async () => {
    const d = dir();
    const j = createJournal({ dir: d, compactAfter: 20 });
    await j.load();
    const ann = announcement(event('incident.opened', inc('abc123')), 5, {});
    for (let i = 0; i < 100; i++) {
      await j.append({ k: 'enq', entry: entry(`d${i}`), ann });
      if (i !== 42) await j.append({ k: 'done', id: `d${i}` });
      if (i === 90) j.covered(j.seq());
    }
    await j.compact();
    const lines = readFileSync(join(d, 'notifications.journal'), 'utf8').trim().split('\n');
    expect(lines.length).toBeLessThan(25);
    const loaded = await createJournal({ dir: d }).load();
    expect(loaded.pending.map((x) => x.deliveryId)).toEqual(['d42']);
    // Announcements after the state file's last save (seq of i = 90) are still there.
    expect(loaded.announced.length).toBeGreaterThanOrEqual(9);
    expect(loaded.lastSeq).toBe(j.seq());
    await j.close();
  });
});

describe('announcements laid over the state file', () => {
  it('an announced opened makes the incident open and told; a resolved moves it to recent; check states follow', () => {
    const open = incident({ id: 'aaa111', timeline: [] });
    const group = groupIncident({ id: 'bbb222', timeline: [] });
    const up = { ...initialStatus(1), state: 'up' as const };
    const down = { ...initialStatus(1), state: 'down' as const };
    const saved = { version: 1, book: { version: 1, open: [group], recent: [] }, dispatch: { version: 1, pending: [], notified: [], absorbed: [] } };
    const r = applyAnnouncements(saved, { 'facebook/web/session': up }, [
      announcement(event('incident.opened', open, 10), 11, { 'facebook/web/session': down }),
      announcement(event('incident.opened', group, 10), 12, {}),
      announcement(event('incident.resolved', group, 20), 21, {}),
    ]);
    const out = r.incidents as { book: { open: { id: string }[]; recent: { id: string; status: string }[] }; dispatch: { notified: { id: string; lastSentAt: number }[] } };
    expect(out.book.open.map((i) => i.id)).toEqual(['aaa111']);
    expect(out.book.recent.map((i) => [i.id, i.status])).toEqual([['bbb222', 'resolved']]);
    expect(out.dispatch.notified).toEqual([{ id: 'aaa111', lastSentAt: 11 }]);
    expect(r.checks['facebook/web/session']!.state).toBe('down');
  });
});
