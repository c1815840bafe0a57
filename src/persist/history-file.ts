/** The history's file, `history.json` in the state directory: loaded at start, written at most every 30 s and on shutdown. */
import type { Metrics } from '../metrics/registry.js';
import { createHistory, type HistoryRecorder } from './history.js';
import { createStateStore, type Logger } from './state-file.js';

export const HISTORY_FILE = 'history.json';

export async function openHistory(dir: string, logger: Logger, metrics: Pick<Metrics, 'stateWriteFailures'>): Promise<{ recorder: HistoryRecorder; save(): Promise<void> }> {
  const store = createStateStore({ dir, logger, metrics, fileName: HISTORY_FILE, coalesceMs: 30_000 });
  const recorder: HistoryRecorder = createHistory({ onChange: () => store.saveSoon(() => recorder.data()) });
  const saved = await store.load();
  if (saved) recorder.restore(saved);
  return {
    recorder,
    async save() {
      await store.save(recorder.data());
    },
  };
}
