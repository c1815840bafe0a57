/**
 * Live heap of what Outpost keeps per check, without any network: the bench's 10,000-check config
 * compiled, then the monitor's records after N runs of every check (each run recorded as
 * src/run-check.ts records it: next status, run added to the history). The scale phase of
 * `npm run bench` lasts 30–60 s, one run per check; this shows the state after many.
 *
 *   npx tsc -p tsconfig.bench.json && node --expose-gc dist-bench/bench/memory-state.js [--checks=10000] [--runs=30]
 */
import { benchConfigText } from './lib/config.js';
import { parseConfigText } from '../src/config/load.js';
import { createMonitor } from '../src/monitor.js';
import { createMetrics } from '../src/metrics/registry.js';
import { createRedactor } from '../src/redact.js';
import { nextStatus, type RunSummary } from '../src/check-state.js';

const flag = (name: string, dflt: number): number => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt);
const checks = flag('checks', 10_000);
const runs = flag('runs', 30);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const MB = 2 ** 20;
const mem = () => {
  gc();
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed / MB, buffers: m.arrayBuffers / MB };
};

const text = benchConfigText({ targetUrl: 'http://127.0.0.1:9/', checks, interval: '30s', timeout: '10s', concurrency: 64, stateDir: '/tmp/outpost-memory-state' });
const m0 = mem();
const loaded = parseConfigText(text, {});
if (!loaded.ok) throw new Error('the bench config does not load');
const config = loaded.config;
const m1 = mem();
const monitor = createMonitor({ metrics: createMetrics({ version: 'bench', location: config.location }), redactor: createRedactor([]) });
monitor.setConfig(config);
const m2 = mem();
let at = Date.now();
for (let i = 0; i < runs; i++) {
  for (const rec of monitor.records()) {
    const run: RunSummary = { ok: true, reason: null, httpStatus: 200, durationMs: 20 + (i % 50), error: null, at: at++, attempts: 1 };
    rec.status = nextStatus(rec.status, run, rec.check);
    rec.runs.push(run);
  }
}
const m3 = mem();
const line = (what: string, a: { heap: number; buffers: number }, b: { heap: number; buffers: number }) =>
  `${what.padEnd(44)} heap ${(b.heap - a.heap).toFixed(1).padStart(6)} MB (${Math.round(((b.heap - a.heap) * MB) / checks)} B per check), array buffers ${(b.buffers - a.buffers).toFixed(1)} MB`;
console.log(`${checks} checks`);
console.log(line('config compiled', m0, m1));
console.log(line('monitor and metrics state (no run yet)', m1, m2));
console.log(line(`${runs} runs of every check`, m2, m3));
// Keep everything alive until the last measurement.
if (monitor.config() !== config) throw new Error('unreachable');
