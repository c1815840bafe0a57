/**
 * The history on disk (stateDir/history/): a finished day written once, the current day restored
 * after a restart, old days pruned, the single history.json of old migrated, unreadable files
 * skipped, resolved incidents appended and bounded.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Metrics } from '../../src/metrics/registry.js';
import { emptyHistory, MAX_INCIDENTS, parseHistory, type HistoryData, type HistoryRecorder } from '../../src/persist/history.js';
import { HISTORY_DIR, listDays, oldestKept, readDayFile } from '../../src/persist/history-dir.js';
import { openHistory } from '../../src/persist/history-file.js';
import { INCIDENTS_FILE, openIncidentLog, readIncidentLog } from '../../src/persist/history-incidents.js';
import { createStateStore } from '../../src/persist/state-file.js';
import { buildReport } from '../../src/report/build.js';
import { readHistory } from '../../src/report/read-history.js';
import type { Incident } from '../../src/incidents/types.js';
import { view } from '../incidents/fixtures.js';
import { captureLogger } from '../notify/fixtures.js';

const T = (iso: string) => Date.parse(iso);
let root: string;
let hdir: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'outpost-history-'));
  hdir = join(root, HISTORY_DIR);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

let failures = 0;
const metrics = { stateWriteFailures: { inc: () => void failures++ } } as unknown as Pick<Metrics, 'stateWriteFailures'>;
const open = (logger = captureLogger()) => openHistory(root, logger, metrics);
const checks = [view('g/e/a', 'up'), view('g/e/b', 'down', 'timeout')];

function incident(id: string, resolvedAt: number): Incident {
  return { id, scope: 'check', status: 'resolved', group: 'g', endpoint: 'e', check: 'b', groups: ['g'], reason: 'timeout', reasons: ['timeout'], summary: 'g/e: b down', location: 'l', startedAt: resolvedAt - 60_000, resolvedAt, lastResult: null, timeline: [] };
}

async function writeDayFile(date: string, up: number): Promise<void> {
  await createStateStore({ dir: hdir, fileName: `${date}.json` }).save({ checks: { 'g/e/a': { up, degraded: 0, down: 0, maintenance: 0, reasons: {} } }, impact: {} });
}

/** The checks observed at `from`, then time passing until `to`. */
function up(h: { recorder: HistoryRecorder }, from: string, to: string): void {
  h.recorder.advance(T(from));
  h.recorder.observe(checks, new Set(), []);
  h.recorder.advance(T(to));
}

describe('history files', () => {
  it('writes a finished day once, at the UTC midnight it ends, and rewrites only the current day', async () => {
    const h = await open();
    up(h, '2024-03-04T22:00:00Z', '2024-03-04T23:00:00Z');
    await h.save();
    expect(await listDays(hdir)).toEqual(['2024-03-04']);
    expect((await readDayFile(hdir, '2024-03-04')).checks['g/e/a']!.up).toBe(3600);

    h.recorder.advance(T('2024-03-05T00:30:00Z'));
    await h.save();
    const finished = join(hdir, '2024-03-04.json');
    const first = await stat(finished);
    const day4 = await readDayFile(hdir, '2024-03-04');
    expect(day4.checks['g/e/a']!.up).toBe(7200);
    expect(day4.checks['g/e/b']).toEqual({ up: 0, degraded: 0, down: 7200, maintenance: 0, reasons: { timeout: 7200 } });

    for (const at of ['2024-03-05T01:00:00Z', '2024-03-05T02:00:00Z']) {
      h.recorder.advance(T(at));
      await h.save();
    }
    // Every write replaces the file (a new inode): the same inode means it was not written again.
    const after = await stat(finished);
    expect([after.ino, after.mtimeMs]).toEqual([first.ino, first.mtimeMs]);
    expect((await readDayFile(hdir, '2024-03-05')).checks['g/e/a']!.up).toBe(7200);
    expect((await readdir(hdir)).sort()).toEqual(['2024-03-04.json', '2024-03-05.json']);
  });

  it('writes the current day at most every saveEveryMs once something changed', async () => {
    const h = await openHistory(root, captureLogger(), metrics, { saveEveryMs: 30 });
    up(h, '2024-03-05T10:00:00Z', '2024-03-05T10:01:00Z');
    expect(await listDays(hdir)).toEqual([]);
    await new Promise((r) => setTimeout(r, 200));
    expect((await readDayFile(hdir, '2024-03-05')).checks['g/e/a']!.up).toBe(60);
    await h.save();
  });

  it('restores the current day after a restart mid-day and goes on counting it', async () => {
    const a = await open();
    up(a, '2024-03-05T10:00:00Z', '2024-03-05T10:10:00Z');
    a.recorder.addImpact('g', 'USD', 3, T('2024-03-05T10:10:00Z'));
    await a.save();

    const b = await open();
    up(b, '2024-03-05T12:00:00Z', '2024-03-05T12:05:00Z');
    b.recorder.addImpact('g', 'USD', 4, T('2024-03-05T12:05:00Z'));
    await b.save();
    const day = await readDayFile(hdir, '2024-03-05');
    // 10 minutes before the restart, 5 after; the time the daemon was stopped is not counted.
    expect(day.checks['g/e/a']!.up).toBe(900);
    expect(day.checks['g/e/b']!.reasons).toEqual({ timeout: 900 });
    expect(day.impact).toEqual({ 'g|USD': 7 });
  });

  it('a restart on a later day leaves the day it restored as it is on disk (written once)', async () => {
    const a = await open();
    up(a, '2024-03-05T22:00:00Z', '2024-03-05T23:00:00Z');
    await a.save();
    const saved = await stat(join(hdir, '2024-03-05.json'));

    const b = await open();
    up(b, '2024-03-06T10:00:00Z', '2024-03-06T10:05:00Z');
    await b.save();
    const after = await stat(join(hdir, '2024-03-05.json'));
    expect([after.ino, after.mtimeMs]).toEqual([saved.ino, saved.mtimeMs]);
    expect((await readDayFile(hdir, '2024-03-05')).checks['g/e/a']!.up).toBe(3600);
    expect((await readDayFile(hdir, '2024-03-06')).checks['g/e/a']!.up).toBe(300);
  });

  it('prunes days older than the retention at start and when a day ends', async () => {
    expect(oldestKept('2024-03-05')).toBe('2023-01-30');
    for (const d of ['2023-01-29', '2023-01-30', '2024-03-04', '2024-03-05']) await writeDayFile(d, 1);
    const h = await open();
    await h.save();
    expect(await listDays(hdir)).toEqual(['2023-01-30', '2024-03-04', '2024-03-05']);
    up(h, '2024-03-05T23:00:00Z', '2024-03-06T00:01:00Z');
    await h.save();
    expect(await listDays(hdir)).toEqual(['2024-03-04', '2024-03-05', '2024-03-06']);
    // The restored day went on: 1 s saved, then 1 h to midnight.
    expect((await readDayFile(hdir, '2024-03-05')).checks['g/e/a']!.up).toBe(3601);
  });

  it('migrates a single history.json once: one file per day, incidents appended, the old file renamed; the report is the same', async () => {
    const legacy: HistoryData = emptyHistory();
    for (const [i, date] of ['2024-03-03', '2024-03-04', '2024-03-05'].entries()) {
      legacy.days[date] = {
        checks: { 'g/e/a': { up: 80_000 + i, degraded: 0, down: 6400 - i, maintenance: 0, reasons: { http_5xx: 6400 - i } }, 'h/e/x': { up: 86_400, degraded: 0, down: 0, maintenance: 0, reasons: {} } },
        impact: { 'g|USD': 100 * (i + 1) },
      };
    }
    legacy.incidents = [incident('a1', T('2024-03-03T12:00:00Z')), incident('b2', T('2024-03-05T12:00:00Z'))];
    await createStateStore({ dir: root, fileName: 'history.json' }).save(legacy);
    // A day already in the new layout wins over the old file's.
    await writeDayFile('2024-03-03', 42);

    const period = [T('2024-03-01T00:00:00Z'), T('2024-03-08T00:00:00Z')] as const;
    const before = buildReport(parseHistory(legacy), ...period, 's');
    const logger = captureLogger();
    const h = await open(logger);
    await h.save();
    expect(await listDays(hdir)).toEqual(['2024-03-03', '2024-03-04', '2024-03-05']);
    expect((await readDayFile(hdir, '2024-03-03')).checks['g/e/a']!.up).toBe(42);
    expect(await readDayFile(hdir, '2024-03-04')).toEqual(legacy.days['2024-03-04']);
    expect((await readdir(root)).sort()).toEqual(['history', 'history.json.migrated']);
    expect((await readIncidentLog(hdir, () => {})).map((i) => i.id)).toEqual(['a1', 'b2']);
    expect(logger.lines.some((l) => l.msg === 'history.json split into one file per day')).toBe(true);

    // Once only: a second start finds nothing to migrate and changes nothing.
    await (await open()).save();
    expect((await readIncidentLog(hdir, () => {})).map((i) => i.id)).toEqual(['a1', 'b2']);

    // With that day as in the old file, the report from the new files is the one from the old file.
    await createStateStore({ dir: hdir, fileName: '2024-03-03.json' }).save(legacy.days['2024-03-03']);
    const after = buildReport(await readHistory(root, ...period, () => {}), ...period, 's');
    expect(after).toEqual(before);
  });

  it('reads an unmigrated history.json for the report (the daemon not restarted since the upgrade)', async () => {
    const legacy: HistoryData = emptyHistory();
    legacy.days['2024-03-04'] = { checks: { 'g/e/a': { up: 100, degraded: 0, down: 0, maintenance: 0, reasons: {} } }, impact: {} };
    legacy.incidents = [incident('a1', T('2024-03-04T12:00:00Z'))];
    await createStateStore({ dir: root, fileName: 'history.json' }).save(legacy);
    const h = await readHistory(root, T('2024-03-01T00:00:00Z'), T('2024-03-08T00:00:00Z'), () => {});
    expect(h).toEqual(legacy);
  });

  it('skips an unreadable day file with a warning and reads the rest; only the period\'s days are read', async () => {
    await writeDayFile('2024-03-04', 10);
    await writeDayFile('2024-03-06', 30);
    await writeDayFile('2024-02-01', 99);
    await mkdir(hdir, { recursive: true });
    await writeFile(join(hdir, '2024-03-05.json'), '{"version":1,"data":{"checks":');
    await writeFile(join(hdir, '2024-03-07.json'), '{"version":7,"data":{}}');
    const warnings: string[] = [];
    const h = await readHistory(root, T('2024-03-01T00:00:00Z'), T('2024-03-08T00:00:00Z'), (m) => warnings.push(m));
    expect(Object.keys(h.days).sort()).toEqual(['2024-03-04', '2024-03-06']);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain('2024-03-05.json');
    expect(warnings[1]).toContain('not a version 1 history day file');
  });

  it('moves an unreadable current day aside at start and starts the day afresh', async () => {
    await mkdir(hdir, { recursive: true });
    await writeFile(join(hdir, '2024-03-05.json'), 'garbage');
    const logger = captureLogger();
    const h = await open(logger);
    up(h, '2024-03-05T10:00:00Z', '2024-03-05T10:00:05Z');
    await h.save();
    expect((await readDayFile(hdir, '2024-03-05')).checks['g/e/a']!.up).toBe(5);
    expect((await readdir(hdir)).some((n) => n.startsWith('2024-03-05.json.corrupt-'))).toBe(true);
    expect(logger.lines.some((l) => l.level === 'error')).toBe(true);
  });

  it('never throws to the daemon when the state directory is unusable: logs and counts the failed writes', async () => {
    const blocker = join(root, 'not-a-directory');
    await writeFile(blocker, 'a regular file');
    const logger = captureLogger();
    const before = failures;
    const h = await openHistory(join(blocker, 'state'), logger, metrics);
    h.recorder.advance(T('2024-03-05T10:00:00Z'));
    h.recorder.observe(checks, new Set(), [{ event: 'incident.resolved', at: T('2024-03-05T10:00:00Z'), incident: incident('a1', T('2024-03-05T10:00:00Z')) }]);
    h.recorder.advance(T('2024-03-05T10:01:00Z'));
    await h.save();
    expect(failures - before).toBeGreaterThanOrEqual(2);
    expect(logger.lines.filter((l) => l.level === 'error').map((l) => (l.obj as { error?: string }).error)).toContain('ENOTDIR');
  });

  it('appends resolved incidents at each save; a torn last line is skipped and does not swallow the next one', async () => {
    const h = await open();
    const at = T('2024-03-05T10:00:00Z');
    h.recorder.advance(at);
    h.recorder.observe(checks, new Set(), [{ event: 'incident.resolved', at, incident: { ...incident('a1', at), timeline: [{ at, event: 'resolved' }] } }]);
    await h.save();
    const text = await readFile(join(hdir, INCIDENTS_FILE), 'utf8');
    expect(text.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(text).timeline).toEqual([]);
    await writeFile(join(hdir, INCIDENTS_FILE), `${text}{"id":"torn","sco`);

    const h2 = await open();
    h2.recorder.resolved(incident('b2', at + 1000));
    await h2.save();
    const warnings: string[] = [];
    expect((await readIncidentLog(hdir, (m) => warnings.push(m))).map((i) => i.id)).toEqual(['a1', 'b2']);
    expect(warnings).toEqual([expect.stringContaining('1 unreadable line(s) skipped')]);
  });

  it('bounds the incidents: past MAX_INCIDENTS (and some slack) the file is compacted to the newest MAX_INCIDENTS', async () => {
    const log = await openIncidentLog({ dir: hdir, logger: captureLogger() });
    const at = T('2024-03-05T00:00:00Z');
    const total = MAX_INCIDENTS + 2_001;
    for (let n = 0; n < total; n++) log.append(incident(n.toString(16), at + n));
    await log.flush();
    const kept = await readIncidentLog(hdir, () => {});
    expect(kept).toHaveLength(MAX_INCIDENTS);
    expect(kept[0]!.id).toBe((total - MAX_INCIDENTS).toString(16));
  });

  it('drops incidents older than the retention once a day has ended', async () => {
    const old = T('2023-01-01T00:00:00Z');
    await mkdir(hdir, { recursive: true });
    await writeFile(join(hdir, INCIDENTS_FILE), `${JSON.stringify(incident('01d', old))}\n${JSON.stringify(incident('e1', T('2024-03-05T00:00:00Z')))}\n`);
    const h = await open();
    up(h, '2024-03-05T23:00:00Z', '2024-03-05T23:59:00Z');
    await h.save();
    expect((await readIncidentLog(hdir, () => {})).map((i) => i.id)).toEqual(['01d', 'e1']);
    h.recorder.advance(T('2024-03-06T00:01:00Z'));
    await h.save();
    expect((await readIncidentLog(hdir, () => {})).map((i) => i.id)).toEqual(['e1']);
  });
});
