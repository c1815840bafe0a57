/**
 * The single `history.json` of old (every day and every incident in one document, rewritten whole
 * every 30 s) becomes the history directory: read once at start, each day written to its own file
 * (unless the directory already has that day), the incidents to `incidents.jsonl` (before any
 * already there), then the old file renamed `history.json.migrated` (not deleted: it is the only
 * copy until the new files are known good; remove it by hand). A write that fails leaves the old
 * file in place, so the next start tries again; days already written are simply written again.
 */
import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Metrics } from '../metrics/registry.js';
import { errorCode, syncDir, writeFileAtomic } from './durable-fs.js';
import { parseHistory } from './history.js';
import { dayFileName, HISTORY_DIR, LEGACY_HISTORY_FILE, listDays } from './history-dir.js';
import { incidentLines, INCIDENTS_FILE } from './history-incidents.js';
import { createStateStore, type Logger } from './state-file.js';

export const MIGRATED_SUFFIX = '.migrated';

/** Returns the number of days migrated, or null when there was nothing to migrate (or it failed). */
export async function migrateLegacyHistory(stateDir: string, logger: Logger, metrics?: Pick<Metrics, 'stateWriteFailures'>): Promise<number | null> {
  // An unreadable file is moved aside by the store, as it always was.
  const legacy = await createStateStore({ dir: stateDir, logger, ...(metrics ? { metrics } : {}), fileName: LEGACY_HISTORY_FILE }).load();
  if (legacy === null) return null;
  const h = parseHistory(legacy);
  const dir = join(stateDir, HISTORY_DIR);
  const have = new Set(await listDays(dir));
  let written = 0;
  for (const date of Object.keys(h.days).sort()) {
    if (have.has(date)) continue;
    const ok = await createStateStore({ dir, logger, ...(metrics ? { metrics } : {}), fileName: dayFileName(date) }).save(h.days[date]);
    if (!ok) {
      logger.error({ dir }, 'history.json migration stopped: a day could not be written; history.json kept, tried again at the next start');
      return null;
    }
    written++;
  }
  try {
    let existing = '';
    try {
      existing = await readFile(join(dir, INCIDENTS_FILE), 'utf8');
    } catch (err) {
      if (errorCode(err) !== 'ENOENT') throw err;
    }
    if (existing !== '' && !existing.endsWith('\n')) existing += '\n';
    await writeFileAtomic(dir, INCIDENTS_FILE, incidentLines(h.incidents) + existing);
    await rename(join(stateDir, LEGACY_HISTORY_FILE), join(stateDir, LEGACY_HISTORY_FILE + MIGRATED_SUFFIX));
    await syncDir(stateDir);
  } catch (err) {
    metrics?.stateWriteFailures.inc();
    logger.error({ dir, error: errorCode(err) }, 'history.json migration stopped: history.json kept, tried again at the next start');
    return null;
  }
  logger.info({ days: written, incidents: h.incidents.length, dir, renamedTo: LEGACY_HISTORY_FILE + MIGRATED_SUFFIX }, 'history.json split into one file per day');
  return written;
}
