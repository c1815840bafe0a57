/**
 * Outpost under load, in its own process: the compiled config (parseConfigText), the metrics
 * registry, the monitor (journey → state → metrics) and the scheduler, wired as src/daemon.ts
 * wires them, plus the HTTP server for /metrics. Forked by bench/run.ts with {configPath,
 * warmupMs, durationMs, serve} in argv[2].
 *
 * IPC: sends {type:'measuring', metricsUrl} when the measured window starts (after the warm-up),
 * answers {type:'scrape-start'} with {type:'scrape-ready'} and {type:'scrape-end'} with
 * {type:'scrape-block', maxMs} (the longest event-loop block while the scrape was served), and
 * ends with {type:'report', …} after durationMs.
 */
import { readFileSync } from 'node:fs';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import pino from 'pino';
import { parseConfigText } from '../src/config/load.js';
import { createMetrics } from '../src/metrics/registry.js';
import { createMonitor } from '../src/monitor.js';
import { createCheckRunner } from '../src/run-check.js';
import { createScheduler } from '../src/schedule/scheduler.js';
import { startServer } from '../src/server/http.js';
import { CONTENT_TYPES } from '../src/server/negotiate.js';
import { createLogger } from '../src/log.js';
import { createRedactor } from '../src/redact.js';
import { cpuMsOf, rssOf } from './lib/proc.js';
import { shardEndpoints } from '../src/schedule/shard.js';
import { createSamples } from './lib/stats.js';

interface Args {
  configPath: string;
  warmupMs: number;
  durationMs: number;
  serve: boolean;
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
const loaded = parseConfigText(readFileSync(args.configPath, 'utf8'), {}, shardEndpoints(args.shard));
if (!loaded.ok) {
  process.send?.({ type: 'error', message: loaded.issues.map((i) => `${i.path}: ${i.message}`).join('\n') });
  process.exit(1);
}
stage('config');
// A shard's config already holds only its own endpoints and their checks (filtered at load).
const config = loaded.config;
/** ms from scheduler.start() to the end of each check's first run. */
const firstRunEnd = new Map<string, number>();
let startedAt = 0;
const redactor = createRedactor(config.secrets);
const logger = createLogger({ level: config.logLevel, redactor, destination: pino.destination({ dest: '/dev/null', sync: false }) });
const metrics = createMetrics({ version: 'bench', location: config.location, defaultMetrics: true });
const monitor = createMonitor({ metrics, redactor });
monitor.setConfig(config);
stage('monitor');
const runCheck = createCheckRunner({
  monitor,
  metrics,
  redactor,
  logger,
  env: { now: Date.now, userAgent: 'outpost/bench (+synthetic monitoring)' },
  onStateChange: () => {},
  onSessionLost: () => {},
  save: () => {},
});

let measuring = false;
let runs = 0;
let failures = 0;
let firstFailure: string | undefined;
let lag = createSamples();
const scheduler = createScheduler({
  run: async (check) => {
    const rec = await runCheck(check);
    if (!firstRunEnd.has(check.id)) firstRunEnd.set(check.id, performance.now() - startedAt);
    if (!measuring) return;
    runs++;
    if (!rec.status.lastResult?.ok) {
      failures++;
      firstFailure ??= `${rec.status.lastResult?.reason}: ${rec.history.at(-1)?.error}`;
    }
  },
  concurrency: config.concurrency,
  onLag: (s) => {
    metrics.schedulerLag.observe(s);
    if (measuring) lag.add(s * 1000);
  },
  onInFlight: (n) => metrics.checksInFlight.set(n),
});
scheduler.setChecks(config.checks);
stage('scheduler');

const server = args.serve
  ? await startServer(config.server, {
      logger,
      metrics: (format) => ({ contentType: CONTENT_TYPES[format], body: metrics.registry.chunks(format) }),
      status: () => ({}),
      incidents: () => ({}),
      statusPage: () => '',
      healthy: () => true,
      ready: () => true,
      reload: async () => ({ ok: false }),
      maintenance: { add: () => ({ ok: false, error: 'bench' }), list: () => [] },
    })
  : undefined;

startedAt = performance.now();
scheduler.start();
await sleep(args.warmupMs);

const eld = monitorEventLoopDelay({ resolution: 10 });
let block: IntervalHistogram | undefined;
let maxRss = 0;
/** What the RSS was made of when it peaked (heap spaces, external, array buffers), in MB. */
let memoryAtMax: Record<string, number> = {};
const rssTimer = setInterval(() => {
  const rss = rssOf('self');
  if (rss > maxRss) memoryAtMax = memoryBreakdown();
  maxRss = Math.max(maxRss, rss);
}, 1000);
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
process.send?.({ type: 'measuring', metricsUrl: server ? `${server.url}/metrics` : undefined });
await sleep(args.durationMs);
measuring = false;
const elapsedMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const procCpuMs = cpuMsOf('self') - proc0;
eld.disable();
clearInterval(rssTimer);
stage('end');
maxRss = Math.max(maxRss, rssOf('self'));
const report = {
  type: 'report',
  runs,
  failures,
  firstFailure,
  elapsedMs,
  cpuMs: (cpu.user + cpu.system) / 1000,
  procCpuMs,
  lag: lag.summary(),
  eventLoopDelay: { p99: eld.percentile(99) / 1e6, max: eld.max / 1e6 },
  rss: rssOf('self'),
  maxRss,
  memoryAtMax,
  liveHeap,
  checks: config.checks.length,
  firstRuns: { checks: firstRunEnd.size, maxMs: Math.max(0, ...firstRunEnd.values()), firstMs: Math.min(...firstRunEnd.values()) },
};
if (process.env.OUTPOST_BENCH_HEAP_SNAPSHOT) writeHeapSnapshot(process.env.OUTPOST_BENCH_HEAP_SNAPSHOT);
await scheduler.stop();
await server?.close();
process.send?.(report, () => process.exit(0));

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
