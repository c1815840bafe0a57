/**
 * Outpost under load, in its own process: the real daemon (`startDaemon`, what `outpost run`
 * starts: config, scheduler, runs, metrics, incidents, notifier, history, state file, HTTP
 * server), on a config written by bench/run.ts. Forked with {configPath, warmupMs, durationMs,
 * shard} in argv[2].
 *
 * IPC: sends {type:'measuring', metricsUrl} when the measured window starts (after the warm-up),
 * answers {type:'scrape-start'} with {type:'scrape-ready'} and {type:'scrape-end'} with
 * {type:'scrape-block', maxMs} (the longest event-loop block while the scrape was served), and
 * ends with {type:'report', …} after durationMs.
 */
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { startDaemon } from '../src/daemon.js';
import { HISTORY_LENGTH } from '../src/monitor.js';
import { cpuMsOf, rssOf } from './lib/proc.js';
import { createSamples } from './lib/stats.js';

interface Args {
  configPath: string;
  warmupMs: number;
  durationMs: number;
  /** Run only this shard of the config (by endpoint, as `--shard`). */
  shard?: { index: number; count: number };
}

const args = JSON.parse(process.argv[2]!) as Args;
/** With `node --expose-gc`: the live heap (after a full GC) at each stage, in MB. */
const liveHeap: Record<string, number> = {};
const stage = (name: string) => {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return;
  gc();
  const m = process.memoryUsage();
  liveHeap[name] = Math.round((m.heapUsed / 2 ** 20) * 10) / 10;
  liveHeap[`${name}.external`] = Math.round((m.external / 2 ** 20) * 10) / 10;
};
stage('modules');

let measuring = false;
let runs = 0;
let failures = 0;
let firstFailure: string | undefined;
let lag = createSamples();
/** Lag once every check has completed its first run: the start window's transient left out. */
const steadyLag = createSamples();
let checkCount = Infinity;
/** ms from the daemon's start to the end of each check's first run. */
const firstRunEnd = new Map<string, number>();
const startedAt = performance.now();
let maxRss = 0;
/** What the RSS was made of when it peaked (heap spaces, external, array buffers), in MB. */
let memoryAtMax: Record<string, number> = {};
const sampleRss = () => {
  const rss = rssOf('self');
  if (rss > maxRss) memoryAtMax = memoryBreakdown();
  maxRss = Math.max(maxRss, rss);
};
// From the start: parsing a large config is part of the peak.
const rssTimer = setInterval(sampleRss, 1000);

const daemon = await startDaemon({
  configPath: args.configPath,
  env: {},
  shard: args.shard,
  probes: {
    lag: (s) => {
      if (!measuring) return;
      lag.add(s * 1000);
      if (firstRunEnd.size >= checkCount) steadyLag.add(s * 1000);
    },
    ran: (check, rec) => {
      if (!firstRunEnd.has(check.id)) firstRunEnd.set(check.id, performance.now() - startedAt);
      if (!measuring) return;
      runs++;
      if (!rec.status.lastResult?.ok) {
        failures++;
        firstFailure ??= `${rec.status.lastResult?.reason}: ${rec.history.at(-1)?.error}`;
      }
    },
  },
});
stage('daemon');
checkCount = daemon.config().checks.length;
// As a daemon that has been running for a while: every check's history of its last runs is full.
// A phase lasts a minute (two runs of a check at a 30 s interval); 30 runs of 10,000 checks would
// take 15 minutes. Filled with successful runs, one interval apart, before the checks' first runs.
for (const check of daemon.config().checks) {
  const rec = daemon.monitor.record(check.id);
  const every = check.intervalMs ?? 60_000;
  for (let k = HISTORY_LENGTH - 1; rec && k >= 1 && rec.runs.length < HISTORY_LENGTH - 1; k--) {
    rec.runs.push({ ok: true, reason: null, httpStatus: 200, durationMs: 3 + (k % 7), error: null, at: Date.now() - k * every, attempts: 1 });
  }
}
stage('history');
await sleep(args.warmupMs);

const eld = monitorEventLoopDelay({ resolution: 10 });
let block: IntervalHistogram | undefined;
process.on('message', (m: { type: string }) => {
  if (m.type === 'scrape-start') {
    block = monitorEventLoopDelay({ resolution: 1 });
    block.enable();
    process.send?.({ type: 'scrape-ready' });
  } else if (m.type === 'scrape-end' && block) {
    block.disable();
    process.send?.({ type: 'scrape-block', maxMs: block.max / 1e6 });
    block = undefined;
  }
});

lag = createSamples();
measuring = true;
eld.enable();
const cpu0 = process.cpuUsage();
const proc0 = cpuMsOf('self');
const t0 = performance.now();
process.send?.({ type: 'measuring', metricsUrl: `${daemon.server.url}/metrics` });
await sleep(args.durationMs);
measuring = false;
const elapsedMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const procCpuMs = cpuMsOf('self') - proc0;
eld.disable();
clearInterval(rssTimer);
stage('end');
sampleRss();
const report = {
  type: 'report',
  runs,
  failures,
  firstFailure,
  elapsedMs,
  cpuMs: (cpu.user + cpu.system) / 1000,
  procCpuMs,
  lag: lag.summary(),
  steadyLag: steadyLag.summary(),
  eventLoopDelay: { p99: eld.percentile(99) / 1e6, max: eld.max / 1e6 },
  rss: rssOf('self'),
  maxRss,
  memoryAtMax,
  liveHeap,
  checks: daemon.config().checks.length,
  firstRuns: { checks: firstRunEnd.size, maxMs: Math.max(0, ...firstRunEnd.values()), firstMs: Math.min(...firstRunEnd.values()) },
};
if (process.env.OUTPOST_BENCH_HEAP_SNAPSHOT) writeHeapSnapshot(process.env.OUTPOST_BENCH_HEAP_SNAPSHOT);
process.send?.(report, () => {
  void daemon.stop().finally(() => process.exit(0));
});

function memoryBreakdown(): Record<string, number> {
  const mb = (n: number) => Math.round((n / 2 ** 20) * 10) / 10;
  const m = process.memoryUsage();
  const out: Record<string, number> = { rss: mb(m.rss), heapUsed: mb(m.heapUsed), heapTotal: mb(m.heapTotal), external: mb(m.external), arrayBuffers: mb(m.arrayBuffers) };
  for (const sp of getHeapSpaceStatistics()) {
    out[`${sp.space_name}.size`] = mb(sp.space_size);
    out[`${sp.space_name}.used`] = mb(sp.space_used_size);
  }
  return out;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
