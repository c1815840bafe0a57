/**
 * The notification journal: `notifications.journal` in the state directory, one JSON record a line,
 * append-only. A notification is written (and fsynced) before its first attempt, its delivery as
 * soon as the receiver answers 2xx; each `enq` record also holds what announcing it means for the
 * incident (announced.ts), so a restart neither loses nor re-announces it under a new id.
 *
 * Appends made in the same turn share one write and one fsync (group commit). The file is
 * rewritten (temporary file, fsync, rename, fsync the directory) when most of it is settled:
 * it keeps the undelivered notifications and the announcements the state file does not cover yet.
 * A torn last line (a crash in the middle of a write) is skipped when reading. Nothing here throws
 * to the caller: a failed write is logged and counted, and delivery goes on (at least once).
 */
import { mkdir, open, readFile, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Metrics } from '../metrics/registry.js';
import type { Announcement } from './announced.js';
import { parseOutbox, type OutboxEntry } from './outbox.js';
import { errorCode, syncDir } from '../persist/durable-fs.js';

export const JOURNAL_FILE = 'notifications.journal';

export type JournalRecord =
  /** A notification, before its first attempt. */
  | { k: 'enq'; seq: number; entry: OutboxEntry; ann?: Announcement }
  /** An attempt was made (not fsynced on its own). */
  | { k: 'try'; seq: number; id: string; attempts: number }
  /** Delivered (2xx). */
  | { k: 'done'; seq: number; id: string }
  /** Given up: a final answer, retries exhausted, dropped from a full queue, or its webhook removed. */
  | { k: 'gone'; seq: number; id: string }
  /** An announcement kept by compaction after its notification settled. */
  | { k: 'ann'; seq: number; ann: Announcement };

type NewRecord = JournalRecord extends infer R ? (R extends { seq: number } ? Omit<R, 'seq'> : never) : never;

type Logger = Record<'debug' | 'info' | 'warn' | 'error', (obj: object, msg?: string) => void>;

export interface JournalOptions {
  dir: string;
  logger?: Logger;
  metrics?: Pick<Metrics, 'stateWriteFailures'>;
  /** Rewrite once the file holds this many records and at least half of them are settled (default 2000). */
  compactAfter?: number;
}

export interface LoadedJournal {
  /** Undelivered notifications, in the order they were queued, with their attempts so far. */
  pending: OutboxEntry[];
  /** Announcements in journal order (filter by `seq` against what the state file covers). */
  announced: { seq: number; ann: Announcement }[];
  /** The highest sequence number read. */
  lastSeq: number;
  /** Lines that could not be read (a torn last line after a crash is one). */
  skipped: number;
}

export interface Journal {
  /** Read the file; call once, before any append. Numbering continues after `atLeast` too. */
  load(atLeast?: number): Promise<LoadedJournal>;
  /** Append; resolves once the record is on disk (fsynced). Never rejects. */
  append(rec: NewRecord): Promise<void>;
  /** Append without waiting (it is fsynced with the next group). */
  note(rec: NewRecord): void;
  /** The sequence number of the last record appended. */
  seq(): number;
  /** The state file now holds everything announced up to `seq`: those announcements may be compacted away. */
  covered(seq: number): void;
  /** Rewrite the file now with only what still matters. */
  compact(): Promise<void>;
  close(): Promise<void>;
  readonly path: string;
}

const noop = (): void => undefined;
const silent: Logger = { debug: noop, info: noop, warn: noop, error: noop };
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function createJournal(opts: JournalOptions): Journal {
  const logger = opts.logger ?? silent;
  const path = join(opts.dir, JOURNAL_FILE);
  const compactAfter = Math.max(10, opts.compactAfter ?? 2000);
  let seq = 0;
  let coveredSeq = -1;
  /** Undelivered: id → its enq record (attempts kept current). */
  const live = new Map<string, { seq: number; entry: OutboxEntry; ann?: Announcement }>();
  /** Settled announcements not yet covered by the state file. */
  const settledAnn: { seq: number; ann: Announcement }[] = [];
  let records = 0;
  let fh: FileHandle | null = null;
  let queue: { line: string; done: () => void }[] = [];
  let chain: Promise<void> = Promise.resolve();
  let scheduled = false;
  let closed = false;

  const failed = (what: string, err: unknown): void => {
    opts.metrics?.stateWriteFailures.inc();
    logger.error({ path, error: errorCode(err) }, `notification journal ${what} failed: delivery goes on without it`);
  };

  /** Keep the in-memory index in step with a record. */
  const index = (r: JournalRecord): void => {
    records++;
    switch (r.k) {
      case 'enq':
        live.set(r.entry.deliveryId, { seq: r.seq, entry: r.entry, ...(r.ann ? { ann: r.ann } : {}) });
        break;
      case 'try': {
        const l = live.get(r.id);
        if (l) l.entry.attempts = Math.max(l.entry.attempts, r.attempts);
        break;
      }
      case 'done':
      case 'gone': {
        const l = live.get(r.id);
        live.delete(r.id);
        if (l?.ann && l.seq > coveredSeq) settledAnn.push({ seq: l.seq, ann: l.ann });
        break;
      }
      case 'ann':
        if (r.seq > coveredSeq) settledAnn.push({ seq: r.seq, ann: r.ann });
        break;
    }
  };

  async function handle(): Promise<FileHandle> {
    if (!fh) {
      await mkdir(opts.dir, { recursive: true });
      fh = await open(path, 'a', 0o600);
    }
    return fh;
  }

  /** Write every queued line with one write and one fsync. */
  async function writeQueued(): Promise<void> {
    scheduled = false;
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    try {
      const f = await handle();
      await f.write(batch.map((b) => b.line).join(''));
      await f.sync();
    } catch (err) {
      failed('write', err);
    }
    for (const b of batch) b.done();
    if (records >= compactAfter && live.size * 2 <= records) await rewrite();
  }

  function enqueueLine(rec: NewRecord): Promise<void> {
    const full = { ...rec, seq: ++seq } as JournalRecord;
    index(full);
    if (closed) return Promise.resolve();
    const p = new Promise<void>((done) => queue.push({ line: `${JSON.stringify(full)}\n`, done }));
    if (!scheduled) {
      scheduled = true;
      chain = chain.then(writeQueued);
    }
    return p;
  }

  async function rewrite(): Promise<void> {
    const keep: JournalRecord[] = [];
    for (const a of settledAnn) if (a.seq > coveredSeq) keep.push({ k: 'ann', seq: a.seq, ann: a.ann });
    for (const [, l] of live) keep.push({ k: 'enq', seq: l.seq, entry: l.entry, ...(l.ann && l.seq > coveredSeq ? { ann: l.ann } : {}) });
    keep.sort((a, b) => a.seq - b.seq);
    // Keep the sequence going: a record carrying the last number, so a restart continues from it.
    const text = keep.map((r) => `${JSON.stringify(r)}\n`).join('') + `${JSON.stringify({ k: 'ann-none', seq })}\n`;
    const tmp = `${path}.tmp-${process.pid}`;
    try {
      await mkdir(opts.dir, { recursive: true });
      const t = await open(tmp, 'w', 0o600);
      try {
        await t.writeFile(text, 'utf8');
        await t.sync();
      } finally {
        await t.close();
      }
      await fh?.close().catch(noop);
      fh = null;
      await rename(tmp, path);
      await syncDir(opts.dir);
      records = keep.length;
      settledAnn.splice(0, settledAnn.length, ...settledAnn.filter((a) => a.seq > coveredSeq));
    } catch (err) {
      await unlink(tmp).catch(noop);
      failed('compaction', err);
    }
  }

  async function load(atLeast = 0): Promise<LoadedJournal> {
    seq = Math.max(seq, atLeast);
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if (errorCode(err) !== 'ENOENT') failed('read', err);
    }
    let skipped = 0;
    const announced: { seq: number; ann: Announcement }[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      let r: unknown;
      try {
        r = JSON.parse(line);
      } catch {
        skipped++;
        continue;
      }
      if (!isObj(r) || typeof r.seq !== 'number' || !Number.isFinite(r.seq)) {
        skipped++;
        continue;
      }
      seq = Math.max(seq, r.seq);
      if (r.k === 'enq') {
        const { entries } = parseOutbox([r.entry]);
        const entry = entries[0];
        if (!entry) {
          skipped++;
          continue;
        }
        const ann = isObj(r.ann) ? (r.ann as unknown as Announcement) : undefined;
        index({ k: 'enq', seq: r.seq, entry, ...(ann ? { ann } : {}) });
        if (ann) announced.push({ seq: r.seq, ann });
      } else if ((r.k === 'done' || r.k === 'gone') && typeof r.id === 'string') index({ k: r.k, seq: r.seq, id: r.id });
      else if (r.k === 'try' && typeof r.id === 'string' && typeof r.attempts === 'number') index({ k: 'try', seq: r.seq, id: r.id, attempts: r.attempts });
      else if (r.k === 'ann' && isObj(r.ann)) {
        const ann = r.ann as unknown as Announcement;
        index({ k: 'ann', seq: r.seq, ann });
        announced.push({ seq: r.seq, ann });
      } else if (r.k !== 'ann-none') skipped++;
    }
    if (skipped > 0) logger.warn({ path, skipped }, 'notification journal: unreadable lines skipped (a write cut short by a crash)');
    return { pending: [...live.values()].map((l) => ({ ...l.entry })), announced: announced.sort((a, b) => a.seq - b.seq), lastSeq: seq, skipped };
  }

  return {
    load,
    append: enqueueLine,
    note(rec) {
      void enqueueLine(rec);
    },
    seq: () => seq,
    covered(s) {
      if (s <= coveredSeq) return;
      coveredSeq = s;
      for (let i = settledAnn.length - 1; i >= 0; i--) if (settledAnn[i]!.seq <= coveredSeq) settledAnn.splice(i, 1);
    },
    compact() {
      chain = chain.then(writeQueued).then(rewrite);
      return chain;
    },
    async close() {
      closed = true;
      chain = chain.then(writeQueued).then(async () => {
        await fh?.close().catch(noop);
        fh = null;
      });
      await chain;
    },
    path,
  };
}

