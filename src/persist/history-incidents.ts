/**
 * Resolved incidents for `outpost report`: `history/incidents.jsonl`, one incident (without its
 * timeline) per line, oldest first. The daemon appends what resolved since its last save (with an
 * fsync) instead of rewriting the list; it keeps only a count and the oldest time in memory. When
 * the file holds more than MAX_INCIDENTS (plus some slack) or its oldest incident is older than
 * HISTORY_DAYS, it is compacted once, atomically, at a day's end or at the next save. A line cut
 * short by a crash is skipped by readers and left on a line of its own by the next append.
 */
import { mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Metrics } from '../metrics/registry.js';
import type { Incident } from '../incidents/types.js';
import { errorCode, syncDir, writeFileAtomic } from './durable-fs.js';
import { HISTORY_DAYS, MAX_INCIDENTS, parseIncidents } from './history.js';
import type { Logger } from './state-file.js';

export const INCIDENTS_FILE = 'incidents.jsonl';
/** Incidents past MAX_INCIDENTS before the file is compacted (so compaction is rare). */
const SLACK = 2_000;
/** Lines parsed between yields to the event loop while compacting. */
const CHUNK = 1_000;
const DAY_MS = 86_400_000;

export interface IncidentLog {
  /** Queue an incident; written by the next flush. */
  append(i: Incident): void;
  /** Append what is queued (and compact when due); never rejects. */
  flush(): Promise<void>;
  /** A day is over (`now` in the next one): compact when the oldest incident is past HISTORY_DAYS. */
  dayDone(now: number): void;
}

export async function openIncidentLog(opts: { dir: string; logger: Logger; metrics?: Pick<Metrics, 'stateWriteFailures'> }): Promise<IncidentLog> {
  const path = join(opts.dir, INCIDENTS_FILE);
  let count = 0;
  let oldest = Infinity;
  let endsWithNewline = true;
  let exists = false;
  try {
    const text = await readFile(path, 'utf8');
    exists = true;
    endsWithNewline = text.length === 0 || text.endsWith('\n');
    for (let at = 0; at < text.length; ) {
      let end = text.indexOf('\n', at);
      if (end < 0) end = text.length;
      if (end > at) {
        count++;
        if (oldest === Infinity) oldest = resolvedAt(text.slice(at, end)) ?? Infinity;
      }
      at = end + 1;
    }
  } catch (err) {
    if (errorCode(err) !== 'ENOENT') opts.logger.error({ path, error: errorCode(err) }, 'history incidents unreadable: appending to it anyway');
  }

  let pending: string[] = [];
  let chain: Promise<unknown> = Promise.resolve();
  let compactBefore: number | undefined;

  const fail = (err: unknown, what: string): void => {
    opts.metrics?.stateWriteFailures.inc();
    opts.logger.error({ path, error: errorCode(err) }, `history incidents ${what} failed: will try again on the next save`);
  };

  async function appendLines(lines: string[]): Promise<void> {
    try {
      if (!exists) await mkdir(opts.dir, { recursive: true });
      const fh = await open(path, 'a', 0o600);
      try {
        await fh.writeFile((endsWithNewline ? '' : '\n') + lines.join(''), 'utf8');
        endsWithNewline = true;
        await fh.sync();
      } finally {
        await fh.close();
      }
      if (!exists) {
        await syncDir(opts.dir);
        exists = true;
      }
      count += lines.length;
      if (oldest === Infinity) oldest = resolvedAt(lines[0]!) ?? Infinity;
    } catch (err) {
      // Whatever part was written shows up as a torn or whole line; the reader drops duplicates.
      endsWithNewline = false;
      pending = lines.concat(pending);
      fail(err, 'append');
    }
  }

  async function compact(cut: number): Promise<void> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if (errorCode(err) !== 'ENOENT') fail(err, 'compaction');
      return;
    }
    const lines = text.split('\n');
    const keep: string[] = [];
    let first = Infinity;
    for (let i = 0; i < lines.length; i++) {
      if (i % CHUNK === CHUNK - 1) await new Promise((r) => setImmediate(r));
      const at = resolvedAt(lines[i]!);
      if (at === undefined || at < cut) continue;
      keep.push(lines[i]!);
    }
    const kept = keep.slice(-MAX_INCIDENTS);
    if (kept.length > 0) first = resolvedAt(kept[0]!) ?? Infinity;
    try {
      await writeFileAtomic(opts.dir, INCIDENTS_FILE, kept.map((l) => `${l}\n`).join(''));
      count = kept.length;
      oldest = first;
      endsWithNewline = true;
      exists = true;
    } catch (err) {
      fail(err, 'compaction');
    }
  }

  const log: IncidentLog = {
    append(i) {
      pending.push(`${JSON.stringify(i)}\n`);
    },
    flush() {
      const lines = pending;
      pending = [];
      if (lines.length > 0) chain = chain.then(() => appendLines(lines));
      chain = chain.then(() => {
        const cut = compactBefore;
        if (cut === undefined && count <= MAX_INCIDENTS + SLACK) return;
        compactBefore = undefined;
        return compact(cut ?? -Infinity);
      });
      return chain.then(() => undefined);
    },
    dayDone(now) {
      const cut = now - HISTORY_DAYS * DAY_MS;
      if (oldest < cut) compactBefore = cut;
    },
  };
  return log;
}

/** The resolved incidents kept (the last MAX_INCIDENTS), oldest first; unreadable lines are skipped and counted in one warning. */
export async function readIncidentLog(dir: string, warn: (msg: string) => void): Promise<Incident[]> {
  const path = join(dir, INCIDENTS_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (errorCode(err) !== 'ENOENT') warn(`cannot read ${path} (${errorCode(err)}): no incidents from it`);
    return [];
  }
  const raw: unknown[] = [];
  let bad = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      raw.push(JSON.parse(line));
    } catch {
      bad++;
    }
  }
  if (bad > 0) warn(`${path}: ${bad} unreadable line(s) skipped`);
  return dedupe(parseIncidents(raw));
}

/** One incident per id (a retried append may have written one twice), the last kept, in order. */
export function dedupe(list: readonly Incident[]): Incident[] {
  const last = new Map<string, number>();
  list.forEach((i, n) => last.set(i.id, n));
  return list.filter((i, n) => last.get(i.id) === n);
}

function resolvedAt(line: string): number | undefined {
  try {
    const v = (JSON.parse(line) as { resolvedAt?: unknown }).resolvedAt;
    return typeof v === 'number' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The file's text for a list of incidents (oldest first), as the daemon would have appended it. */
export function incidentLines(list: readonly Incident[]): string {
  return list.map((i) => `${JSON.stringify({ ...i, timeline: [] })}\n`).join('');
}
