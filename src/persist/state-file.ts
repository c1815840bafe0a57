/**
 * The state file: `{ "version": 1, "savedAt": ISO, "data": … }`, written atomically (temporary
 * file, fsync, rename over the old one, fsync the directory) so a crash leaves either the old or the
 * new file, never half of one. Nothing here throws to the caller: a file that cannot be read is
 * moved aside and treated as absent; a write that fails is logged, counted and tried again next time.
 */
import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Metrics } from '../metrics/registry.js';
import { errorCode, writeFileAtomic } from './durable-fs.js';
import { stringifySliced } from './json-sliced.js';

export type Logger = Record<'debug' | 'info' | 'warn' | 'error', (obj: object, msg?: string) => void>;

const STATE_VERSION = 1;

export interface StateStoreOptions {
  dir: string;
  logger?: Logger;
  metrics?: Pick<Metrics, 'stateWriteFailures'>;
  fileName?: string;
  /** saveSoon writes at most this often (default 200 ms). */
  coalesceMs?: number;
  /** Called with the data once it is durably written. */
  onSaved?: (data: unknown) => void;
}

export interface StateStore {
  /** The saved data, or null when there is none or it cannot be read (the bad file is moved aside). */
  load(): Promise<unknown | null>;
  /** Write now (after any write in progress). Resolves true when written; never rejects. */
  save(data: unknown): Promise<boolean>;
  /**
   * Write soon: calls within the coalescing window make one write of the latest `get()`, due
   * within `withinMs` (default the store's `coalesceMs`) of the earliest call still pending.
   */
  saveSoon(get: () => unknown, withinMs?: number): void;
  /** Write what saveSoon has pending, and wait for every write in progress. */
  flush(): Promise<void>;
  /** The state file's path. */
  readonly path: string;
}

const noop = (): void => undefined;
const silent: Logger = { debug: noop, info: noop, warn: noop, error: noop };

export function createStateStore(opts: StateStoreOptions): StateStore {
  const logger = opts.logger ?? silent;
  const fileName = opts.fileName ?? 'state.json';
  const path = join(opts.dir, fileName);
  const coalesceMs = opts.coalesceMs ?? 200;
  let chain: Promise<unknown> = Promise.resolve();
  let pending: (() => unknown) | null = null;
  let timer: NodeJS.Timeout | null = null;
  /** When the pending write is due (Date.now() ms). */
  let timerDue = 0;

  async function moveAside(why: string): Promise<void> {
    const aside = `${path}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    try {
      await rename(path, aside);
      logger.error({ path, movedTo: aside, why }, 'state file unreadable: moved aside, starting without saved state');
    } catch (err) {
      logger.error({ path, why, error: errorCode(err) }, 'state file unreadable and could not be moved aside: starting without saved state');
    }
  }

  async function load(): Promise<unknown | null> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return null;
      await moveAside(errorCode(err));
      return null;
    }
    try {
      const doc = JSON.parse(text) as unknown;
      if (typeof doc !== 'object' || doc === null || !('data' in doc) || (doc as { version?: unknown }).version !== STATE_VERSION) {
        throw new Error(`not a version ${STATE_VERSION} state file`);
      }
      return (doc as { data: unknown }).data ?? null;
    } catch (err) {
      await moveAside(err instanceof Error ? err.message : 'unparseable');
      return null;
    }
  }

  async function write(data: unknown): Promise<boolean> {
    try {
      // A slice at a time: at 10,000 checks this is ~3 MB of JSON (json-sliced.ts).
      const text = (await stringifySliced({ version: STATE_VERSION, savedAt: new Date().toISOString(), data: data ?? null }))!;
      await writeFileAtomic(opts.dir, fileName, text);
      opts.onSaved?.(data);
      return true;
    } catch (err) {
      opts.metrics?.stateWriteFailures.inc();
      logger.error({ path, error: errorCode(err) }, 'state file write failed: will try again on the next save');
      return false;
    }
  }

  function save(data: unknown): Promise<boolean> {
    const next = chain.then(() => write(data));
    chain = next;
    return next;
  }

  function writePending(): Promise<boolean> {
    if (timer) clearTimeout(timer);
    timer = null;
    const get = pending;
    pending = null;
    if (!get) return chain.then(() => true);
    let data: unknown;
    try {
      data = get();
    } catch (err) {
      opts.metrics?.stateWriteFailures.inc();
      logger.error({ error: err instanceof Error ? err.message : String(err) }, 'state snapshot failed: nothing written');
      return Promise.resolve(false);
    }
    return save(data);
  }

  function saveSoon(get: () => unknown, withinMs = coalesceMs): void {
    pending = get;
    const due = Date.now() + withinMs;
    if (timer && timerDue <= due) return;
    if (timer) clearTimeout(timer);
    timerDue = due;
    timer = setTimeout(() => void writePending(), withinMs);
    timer.unref();
  }


  async function flush(): Promise<void> {
    await writePending();
    await chain;
  }

  return { load, save, saveSoon, flush, path };
}

