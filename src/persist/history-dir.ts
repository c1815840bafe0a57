/**
 * The history's directory, `stateDir/history/`: one file per UTC day (`YYYY-MM-DD.json`, a
 * HistoryDay in the state file's envelope, written by src/persist/state-file.ts) and the resolved
 * incidents (`incidents.jsonl`, src/persist/history-incidents.ts). A day that is over is written
 * once and never again; only the current day's file is rewritten.
 */
import { readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { errorCode } from './durable-fs.js';
import { dayOf, HISTORY_DAYS, isDate, parseDay, type HistoryDay } from './history.js';

export const HISTORY_DIR = 'history';
/** The single file of old (every day and incident in one document), migrated at start. */
export const LEGACY_HISTORY_FILE = 'history.json';
const DAY_MS = 86_400_000;
const DAY_FILE = /^(\d{4}-\d{2}-\d{2})\.json$/;

export function dayFileName(date: string): string {
  return `${date}.json`;
}

/** The dates that have a day file, oldest first ([] when the directory does not exist). */
export async function listDays(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return [];
    throw err;
  }
  const out: string[] = [];
  for (const n of names) {
    const m = DAY_FILE.exec(n);
    if (m && isDate(m[1]!)) out.push(m[1]!);
  }
  return out.sort();
}

/** The oldest date kept when `current` is the current day (what is older is removed). */
export function oldestKept(current: string): string {
  return dayOf(Date.parse(`${current}T00:00:00Z`) - HISTORY_DAYS * DAY_MS);
}

/** Remove the day files older than HISTORY_DAYS before `current`; returns the dates removed. */
export async function pruneDays(dir: string, current: string): Promise<string[]> {
  const cut = oldestKept(current);
  const removed: string[] = [];
  for (const d of await listDays(dir)) {
    if (d >= cut) break;
    try {
      await unlink(join(dir, dayFileName(d)));
      removed.push(d);
    } catch (err) {
      if (errorCode(err) !== 'ENOENT') throw err;
    }
  }
  return removed;
}

/** One day file's data; throws when it cannot be read or is not a version 1 state file. */
export async function readDayFile(dir: string, date: string): Promise<HistoryDay> {
  const doc = JSON.parse(await readFile(join(dir, dayFileName(date)), 'utf8')) as unknown;
  if (typeof doc !== 'object' || doc === null || (doc as { version?: unknown }).version !== 1 || !('data' in doc)) {
    throw new Error('not a version 1 history day file');
  }
  return parseDay((doc as { data: unknown }).data);
}
