/**
 * The history on disk, in `stateDir/history/` (src/persist/history-dir.ts): at start the single
 * `history.json` of old is migrated, the newest day is restored as the current one and day files
 * older than HISTORY_DAYS before it are removed (the clock is the evaluations', so pruning follows
 * the days recorded, never the machine's clock); then the current day's file is rewritten at most
 * every 30 s and on shutdown, a finished day is written once when the next one begins (and what
 * is past the retention removed), and resolved incidents are appended at each save.
 */
import { join } from 'node:path';
import type { Metrics } from '../metrics/registry.js';
import { createHistory, parseDay, type HistoryDay, type HistoryRecorder } from './history.js';
import { dayFileName, HISTORY_DIR, listDays, pruneDays } from './history-dir.js';
import { openIncidentLog } from './history-incidents.js';
import { migrateLegacyHistory } from './history-migrate.js';
import { createStateStore, type Logger, type StateStore } from './state-file.js';
import { errorCode } from './durable-fs.js';

const SAVE_EVERY_MS = 30_000;

export interface HistoryFiles {
  recorder: HistoryRecorder;
  /** Write the current day and the queued incidents now, and wait for every write in progress. */
  save(): Promise<void>;
}

export async function openHistory(stateDir: string, logger: Logger, metrics: Pick<Metrics, 'stateWriteFailures'>, opts: { saveEveryMs?: number } = {}): Promise<HistoryFiles> {
  const dir = join(stateDir, HISTORY_DIR);
  // Nothing here throws to the daemon: an unusable directory is logged, and writes are retried (and counted) like the state file's.
  await migrateLegacyHistory(stateDir, logger, metrics).catch((err: unknown) => logger.error({ dir, error: errorCode(err) }, 'history.json migration failed: tried again at the next start'));
  const incidents = await openIncidentLog({ dir, logger, metrics });
  // One store per day file (at most two at a time: the current day and the one just finished).
  const stores = new Map<string, StateStore>();
  const storeFor = (date: string): StateStore => {
    let s = stores.get(date);
    if (!s) {
      s = createStateStore({ dir, logger, metrics, fileName: dayFileName(date) });
      stores.set(date, s);
    }
    return s;
  };
  const inFlight = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>): void => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };
  const prune = (current: string): void => {
    track(
      pruneDays(dir, current).then(
        (removed) => {
          if (removed.length > 0) logger.info({ removed: removed.length, oldest: removed[0] }, 'history: days older than the retention removed');
        },
        (err: unknown) => logger.warn({ dir, error: errorCode(err) }, 'history: could not remove old days'),
      ),
    );
  };

  let timer: NodeJS.Timeout | undefined;
  const saveCurrent = async (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const c = recorder.current();
    await Promise.all([c ? storeFor(c.date).save(c.day) : undefined, incidents.flush()]);
  };
  const finishDay = (date: string, day: HistoryDay, next: string): void => {
    // Written once; its store is dropped after, so nothing writes this day again.
    const s = storeFor(date);
    stores.delete(date);
    track(s.save(day));
    incidents.dayDone(Date.parse(`${next}T00:00:00Z`));
    prune(next);
  };
  const recorder: HistoryRecorder = createHistory({
    onChange: () => {
      if (timer) return;
      timer = setTimeout(() => track(saveCurrent()), opts.saveEveryMs ?? SAVE_EVERY_MS);
      timer.unref();
    },
    onDayDone: finishDay,
    onResolved: (i) => incidents.append(i),
  });

  let newest: string | undefined;
  try {
    newest = (await listDays(dir)).at(-1);
  } catch (err) {
    logger.error({ dir, error: errorCode(err) }, 'history directory unreadable: the current day starts afresh');
  }
  if (newest) {
    // A file that cannot be read is moved aside by the store (and logged): the day starts afresh.
    const saved = await storeFor(newest).load();
    if (saved) {
      recorder.restoreDay(newest, parseDay(saved));
    }
    prune(newest);
  }

  return {
    recorder,
    async save() {
      await saveCurrent();
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
  };
}
