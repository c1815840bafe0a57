/**
 * The history `outpost report` reads from a state directory: the day files of the period only
 * (src/persist/history-dir.ts), the resolved incidents, and a single `history.json` of old when
 * the daemon has not migrated it yet. A file that cannot be read is skipped with a warning: the
 * report covers what is left.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errorCode } from '../persist/durable-fs.js';
import { emptyHistory, parseHistory, type HistoryData } from '../persist/history.js';
import { dayFileName, HISTORY_DIR, LEGACY_HISTORY_FILE, listDays, readDayFile } from '../persist/history-dir.js';
import { dedupe, readIncidentLog } from '../persist/history-incidents.js';
import { periodDays } from './build.js';

export async function readHistory(stateDir: string, since: number, until: number, warn: (msg: string) => void): Promise<HistoryData> {
  const h = emptyHistory();
  const dir = join(stateDir, HISTORY_DIR);
  const wanted = new Set(periodDays(since, until));
  let dates: string[] = [];
  try {
    dates = await listDays(dir);
  } catch (err) {
    warn(`cannot list ${dir} (${errorCode(err)}): no days from it`);
  }
  for (const date of dates) {
    if (!wanted.has(date)) continue;
    try {
      h.days[date] = await readDayFile(dir, date);
    } catch (err) {
      warn(`skipping ${join(dir, dayFileName(date))}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const incidents = await readIncidentLog(dir, warn);

  // Not migrated yet (the daemon has not started since the upgrade): its days fill the gaps.
  const legacyPath = join(stateDir, LEGACY_HISTORY_FILE);
  let legacyText: string | undefined;
  try {
    legacyText = await readFile(legacyPath, 'utf8');
  } catch (err) {
    if (errorCode(err) !== 'ENOENT') warn(`skipping ${legacyPath}: ${errorCode(err)}`);
  }
  if (legacyText !== undefined) {
    try {
      const legacy = parseHistory((JSON.parse(legacyText) as { data?: unknown }).data);
      for (const date of wanted) if (!h.days[date] && legacy.days[date]) h.days[date] = legacy.days[date];
      h.incidents = dedupe([...legacy.incidents, ...incidents]);
      return h;
    } catch (err) {
      warn(`skipping ${legacyPath}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  h.incidents = incidents;
  return h;
}
