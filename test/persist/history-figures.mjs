// Figures for docs/performance.md ("History"): the history at N checks after D days, with the
// compiled code of a checkout (so the code before and after a change can be compared):
//   node --expose-gc test/persist/history-figures.mjs [distDir] [checks] [days]
// Prints the live heap (and typed-array memory, outside the heap) the history holds, the time of one save (the daemon's every-30-s write and
// its shutdown write), the longest event-loop block during it, the bytes written, and the time of
// one evaluation's observe + advance. Wall-clock figures: run on a quiet machine, repeat, compare medians.
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const dist = resolve(process.argv[2] ?? 'dist');
const N = Number(process.argv[3] ?? 10_000);
const DAYS = Number(process.argv[4] ?? 30);
const { openHistory } = await import(pathToFileURL(join(dist, 'persist/history-file.js')).href);

const gc = globalThis.gc ?? (() => {});
const noop = () => {};
const logger = { debug: noop, info: noop, warn: noop, error: (o, m) => console.error(m, o) };
const metrics = { stateWriteFailures: { inc: noop } };
const REASONS = ['timeout', 'http_5xx', 'forced_logout', 'feed_stale'];
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

const views = Array.from({ length: N }, (_, i) => {
  const group = `g${i % 20}`;
  return { id: `${group}/e${i % 500}/c${i}`, group, endpoint: `e${i % 500}`, check: `c${i}`, state: 'up', reason: null, reasons: [], since: T0, lastResult: null };
});
function states(k) {
  // Each step a different ~3% of checks down or degraded, so every day has reasons.
  for (let i = 0; i < N; i++) {
    const h = (i * 2654435761 + k * 40503) >>> 0;
    const v = views[i];
    if (h % 100 < 2) Object.assign(v, { state: 'down', reason: REASONS[h % 4] });
    else if (h % 100 < 3) Object.assign(v, { state: 'degraded', reason: null });
    else Object.assign(v, { state: 'up', reason: null });
  }
  return views;
}
const incident = (n, at) => ({ id: `i${n}`, scope: 'check', status: 'resolved', group: 'g1', endpoint: 'e1', check: 'c1', groups: ['g1'], reason: 'timeout', reasons: ['timeout'], summary: 'g1/e1: down', location: 'x', startedAt: at - 600_000, resolvedAt: at, lastResult: null, timeline: [] });

gc();
const mem0 = process.memoryUsage();
const dir = await mkdtemp(join(tmpdir(), 'outpost-history-figures-'));
const h = await openHistory(dir, logger, metrics);
const r = h.recorder;
const none = new Set();
let step = 0;
let inc = 0;
// Past days an hour at a time (the totals are what matter), 50 incidents a day.
const end = T0 + DAYS * DAY + 12 * 3600_000;
for (let t = T0; t <= end; t += 3600_000, step++) {
  r.advance(t);
  const events = step % 24 === 0 ? Array.from({ length: 50 }, () => ({ event: 'incident.resolved', at: t, incident: incident(inc++, t) })) : [];
  r.observe(states(step), none, events);
  for (let g = 0; g < 20; g++) r.addImpact(`g${g}`, 'USD', 1.5, t);
}
await h.save();
// Twice, a turn apart: buffers of the writes just made are freed by a later sweep.
gc();
await new Promise((r) => setTimeout(r, 100));
gc();
const mem1 = process.memoryUsage();
const heap = mem1.heapUsed - mem0.heapUsed;
const buffers = mem1.arrayBuffers - mem0.arrayBuffers;

// One evaluation (observe + advance 1 s), the median of 200.
const evals = [];
let t = end;
for (let i = 0; i < 200; i++) {
  const v = states(step + (i % 7));
  const a = performance.now();
  r.advance((t += 1000));
  r.observe(v, none, []);
  evals.push(performance.now() - a);
}
evals.sort((a, b) => a - b);

// One save, as the daemon makes every 30 s: its duration and the longest event-loop block in it.
const saves = [];
for (let i = 0; i < 5; i++) {
  r.advance((t += 30_000));
  r.observe(states(step + i), none, []);
  const hist = monitorEventLoopDelay({ resolution: 1 });
  hist.enable();
  const a = performance.now();
  await h.save();
  const ms = performance.now() - a;
  hist.disable();
  saves.push({ ms, block: hist.max / 1e6 });
}
saves.sort((a, b) => a.ms - b.ms);
const blocks = saves.map((s) => s.block).sort((a, b) => a - b);
let bytes = 0;
let files = 0;
async function walk(d) {
  for (const e of await readdir(d, { withFileTypes: true })) {
    if (e.isDirectory()) await walk(join(d, e.name));
    else {
      files++;
      bytes += (await stat(join(d, e.name))).size;
    }
  }
}
await walk(dir);
const cur = await stat(join(dir, 'history', `${new Date(t).toISOString().slice(0, 10)}.json`)).catch(() => stat(join(dir, 'history.json')));
console.log(JSON.stringify({
  dist, checks: N, days: DAYS,
  heapMB: +(heap / 1e6).toFixed(1),
  arrayBuffersMB: +(buffers / 1e6).toFixed(1),
  saveMsMedian: +saves[2].ms.toFixed(1),
  longestBlockMsMedian: +blocks[2].toFixed(1),
  bytesPerSaveMB: +(cur.size / 1e6).toFixed(2),
  onDiskMB: +(bytes / 1e6).toFixed(1), files,
  evaluationMsMedian: +evals[100].toFixed(2),
}));
await rm(dir, { recursive: true, force: true });
