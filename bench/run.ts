/**
 * `npm run bench`: Outpost's throughput, scale, CPU beside blackbox_exporter and a bare undici
 * floor, and start-up time, against a target server in its own process on 127.0.0.1. Prints a
 * table (figure, value, target, pass/miss) and writes bench/results.json.
 *
 * Flags: --quick (a few seconds per phase), --only=throughput,scale,side,startup,window,shards,
 * --rate=N (throughput: offered runs/s), --side-rate=N, --side-rounds=N, --concurrency=N, --checks=N (scale),
 * --shard-checks=N --shards=N (checks spread over shards, one worker process each), --out=PATH.
 *
 * /metrics is scraped as Prometheus scrapes it: `Accept: application/openmetrics-text…` and
 * `Accept-Encoding: gzip`; the time is to the last compressed byte.
 */
import { execFileSync } from 'node:child_process';
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTarget, type Target } from './lib/target.js';
import { startWorker } from './lib/child.js';
import { benchConfigText } from './lib/config.js';
import { findBlackbox, runBlackbox } from './lib/blackbox.js';
import { measureStartup } from './lib/startup.js';
import { judge, renderTable, row, type Row } from './lib/table.js';
import { round, quantile, type Summary } from './lib/stats.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The Node options the image runs Outpost with (the Dockerfile's NODE_OPTIONS): the workers run with them too. */
const SHIPPED_NODE_FLAGS = (/^ENV NODE_OPTIONS="([^"]*)"/m.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))?.[1] ?? '').split(' ').filter(Boolean);
const flags = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k!, v ?? 'true'] as const;
  }),
);
const quick = flags.has('quick');
const only = new Set((flags.get('only') ?? 'throughput,scale,side,startup,window,shards').split(','));
const num = (name: string, dflt: number) => (flags.has(name) ? Number(flags.get(name)) : dflt);
const opts = {
  quick,
  throughput: { rate: num('rate', 2500), seconds: num('throughput-seconds', quick ? 4 : 30), warmupSeconds: quick ? 1 : 3 },
  scale: { checks: num('checks', 10_000), interval: '30s', seconds: num('scale-seconds', quick ? 8 : 90), scrapeEverySeconds: quick ? 3 : 10 },
  side: { rate: num('side-rate', 1000), seconds: num('side-seconds', quick ? 3 : 12), warmupSeconds: quick ? 1 : 2, rounds: num('side-rounds', quick ? 1 : 3) },
  concurrency: num('concurrency', 64),
  startupRepeats: quick ? 1 : 5,
  window: { checks: 300, interval: '5m', seconds: 16 },
  shards: { checks: num('shard-checks', quick ? 10_000 : 50_000), count: num('shards', 5), seconds: num('shard-seconds', quick ? 10 : 45) },
};
const out = flags.get('out') ?? (quick ? join(ROOT, 'dist-bench', 'results.quick.json') : join(ROOT, 'bench', 'results.json'));

interface WorkerReport {
  runs: number;
  failures: number;
  firstFailure?: string;
  elapsedMs: number;
  cpuMs: number;
  procCpuMs: number;
  lag: Summary;
  /** Lag once every check had completed its first run. */
  steadyLag: Summary;
  eventLoopDelay: { p99: number; max: number };
  rss: number;
  maxRss: number;
  checks: number;
  firstRuns: { checks: number; maxMs: number; firstMs: number };
}

/** What Prometheus 2.x sends when it scrapes. */
const PROMETHEUS_ACCEPT = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

interface Scrape {
  ms: number;
  wire: Buffer;
  gzip: boolean;
}

/**
 * One scrape as Prometheus does it: time to the last (gzipped) byte and the bytes on the wire.
 * What it holds is counted later (seriesOf), after the measured window: decompressing and
 * splitting 11 MB takes this process ~150 ms of CPU, which on a 2-core machine would compete with
 * the daemon being measured (Prometheus parses on its own machine).
 */
function scrapeLikePrometheus(url: string): Promise<Scrape> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { accept: PROMETHEUS_ACCEPT, 'accept-encoding': 'gzip' }, timeout: 60_000 }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('error', reject);
      res.on('end', () => resolve({ ms: performance.now() - t0, wire: Buffer.concat(parts), gzip: res.headers['content-encoding'] === 'gzip' }));
    });
    req.on('timeout', () => req.destroy(new Error('scrape timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** Bytes on the wire and of text, series, and of them per-check series, of one scrape. */
function seriesOf(sc: Scrape): { ms: number; wireBytes: number; bytes: number; series: number; checkSeries: number } {
  const body = (sc.gzip ? gunzipSync(sc.wire) : sc.wire).toString('utf8');
  const samples = body.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  return { ms: sc.ms, wireBytes: sc.wire.length, bytes: Buffer.byteLength(body), series: samples.length, checkSeries: samples.filter((l) => l.startsWith('outpost_check_')).length };
}

const rows: Row[] = [];
const raw: Record<string, unknown> = {};
const notes: string[] = [];
const stateDir = mkdtempSync(join(os.tmpdir(), 'outpost-bench-'));

function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

async function outpostRun(
  target: Target,
  checks: number,
  interval: string,
  timeout: string,
  warmupMs: number,
  durationMs: number,
  onMeasuring?: (w: ReturnType<typeof startWorker>, metricsUrl?: string) => Promise<void>,
  shard?: { index: number; count: number },
): Promise<WorkerReport> {
  // Every worker is a daemon of its own: its own state directory, nothing restored from another.
  const dir = mkdtempSync(join(stateDir, 'run-'));
  const configPath = join(dir, 'outpost.yaml');
  writeFileSync(configPath, benchConfigText({ targetUrl: new URL(target.url).origin, checks, interval, timeout, concurrency: opts.concurrency, stateDir: join(dir, 'state') }));
  const w = startWorker('daemon-worker.js', { configPath, warmupMs, durationMs, shard }, SHIPPED_NODE_FLAGS);
  try {
    // Shards each parse the whole config at once, on a machine with fewer cores than shards.
    const m = await w.next<{ metricsUrl?: string }>('measuring', (shard ? 600_000 : 120_000) + warmupMs);
    const during = onMeasuring?.(w, m.metricsUrl);
    const report = await w.next<WorkerReport>('report', durationMs + 60_000);
    await during;
    return report;
  } finally {
    w.kill();
  }
}

async function throughput(target: Target): Promise<void> {
  const o = opts.throughput;
  log(`throughput: ${o.rate} http checks at a 1 s interval (offered ${o.rate} runs/s), concurrency ${opts.concurrency}, ${o.seconds} s`);
  const r = await outpostRun(target, o.rate, '1s', '1s', o.warmupSeconds * 1000, o.seconds * 1000);
  raw.throughput = r;
  const perS = r.runs / (r.elapsedMs / 1000);
  const s = 'throughput';
  rows.push(row(s, `runs/s sustained (offered ${o.rate}/s, ${o.seconds} s)`, round(perS, 0), '/s', '>= 2000', judge(perS, '>=', 2000)));
  rows.push(row(s, 'failed runs', r.failures, '', '0', r.failures === 0));
  rows.push(row(s, 'CPU per run (process.cpuUsage)', round((r.cpuMs * 1000) / Math.max(1, r.runs), 0), 'µs'));
  rows.push(row(s, 'scheduler lag p50', round(r.lag.p50, 2), 'ms'));
  rows.push(row(s, 'scheduler lag p99', round(r.lag.p99, 2), 'ms', '< 20', judge(r.lag.p99, '<', 20)));
  rows.push(row(s, 'scheduler lag max', round(r.lag.max, 2), 'ms'));
  if (r.firstFailure) notes.push(`throughput: first failure: ${r.firstFailure}`);
}

async function scale(target: Target): Promise<void> {
  const o = opts.scale;
  log(`scale: ${o.checks} http checks at a ${o.interval} interval for ${o.seconds} s, /metrics scraped every ${o.scrapeEverySeconds} s`);
  const taken: { sc: Scrape; blockMs: number }[] = [];
  const r = await outpostRun(target, o.checks, o.interval, '10s', 0, o.seconds * 1000, async (w, url) => {
    const end = performance.now() + o.seconds * 1000 - 1000;
    for (let i = 0; performance.now() + o.scrapeEverySeconds * 1000 < end && i < 100; i++) {
      await new Promise((res) => setTimeout(res, o.scrapeEverySeconds * 1000));
      w.send({ type: 'scrape-start' });
      await w.next('scrape-ready', 10_000);
      const sc = await scrapeLikePrometheus(url!);
      w.send({ type: 'scrape-end' });
      const b = await w.next<{ maxMs: number }>('scrape-block', 10_000);
      taken.push({ sc, blockMs: b.maxMs });
    }
  });
  const scrapes = taken.map((t) => ({ ...seriesOf(t.sc), blockMs: t.blockMs }));
  raw.scale = { ...r, scrapes };
  const s = `scale (${o.checks} checks)`;
  const maxScrape = scrapes.length ? Math.max(...scrapes.map((x) => x.ms)) : null;
  const maxBlock = scrapes.length ? Math.max(...scrapes.map((x) => x.blockMs)) : null;
  const last = scrapes.at(-1);
  rows.push(row(s, `runs in ${o.seconds} s (failed)`, `${r.runs} (${r.failures})`, '', '', r.failures === 0 ? null : false));
  rows.push(row(s, 'RSS (max)', round(r.maxRss / 2 ** 20, 1), 'MB', '< 200', judge(r.maxRss / 2 ** 20, '<', 200)));
  rows.push(row(s, 'scheduler lag p50', round(r.lag.p50, 2), 'ms'));
  rows.push(row(s, 'scheduler lag p99, start window included', round(r.lag.p99, 2), 'ms'));
  rows.push(row(s, `scheduler lag p99 after the start window (${r.steadyLag.n} runs)`, round(r.steadyLag.p99, 2), 'ms', '< 10', judge(r.steadyLag.p99, '<', 10)));
  rows.push(row(s, 'scheduler lag max', round(r.lag.max, 2), 'ms'));
  rows.push(row(s, 'event-loop delay p99', round(r.eventLoopDelay.p99, 2), 'ms'));
  rows.push(row(s, 'event-loop delay max', round(r.eventLoopDelay.max, 2), 'ms'));
  rows.push(row(s, `/metrics with gzip, OpenMetrics: to the last byte (max of ${scrapes.length})`, maxScrape === null ? null : round(maxScrape, 1), 'ms', '< 200', judge(maxScrape, '<', 200)));
  rows.push(row(s, 'series at the default detail (last scrape)', last ? last.series : null, '', '<= 120000', last ? judge(last.series, '<=', 120_000) : null));
  rows.push(row(s, 'of which per-check (outpost_check_*)', last ? last.checkSeries : null, '', `<= ${12 * o.checks}`, last ? judge(last.checkSeries, '<=', 12 * o.checks) : null));
  rows.push(row(s, '/metrics size (last): text, gzipped', last ? `${round(last.bytes / 2 ** 20, 2)} MB, ${round(last.wireBytes / 2 ** 20, 2)} MB` : null, ''));
  rows.push(row(s, 'longest event-loop block during a scrape', maxBlock === null ? null : round(maxBlock, 1), 'ms', '< 50', judge(maxBlock, '<', 50)));
  if (r.firstFailure) notes.push(`scale: first failure: ${r.firstFailure}`);
}

interface SideRound {
  outpostUs: number;
  floorUs: number;
  blackboxUs?: number;
  runs: number;
}

/**
 * One round: Outpost, the bare undici floor, then blackbox_exporter, back to back, each making the
 * same number of requests at the same rate. CPU per request of each, from /proc/PID/stat.
 */
async function sideRound(target: Target, round: number, bin: string | undefined): Promise<SideRound & { raw: unknown }> {
  const o = opts.side;
  const c = opts.concurrency;
  const r = await outpostRun(target, o.rate, '1s', '1s', o.warmupSeconds * 1000, o.seconds * 1000);
  const total = r.runs;
  const outpostUs = (r.procCpuMs * 1000) / Math.max(1, total);
  const floor = startWorker('floor-worker.js', { url: target.url, rate: o.rate, concurrency: c, total, warmup: o.rate * o.warmupSeconds, maxMs: o.seconds * 4000 });
  let f: { done: number; errors: number; cpuMs: number; elapsedMs: number; firstError?: string };
  try {
    f = await floor.next(undefined, o.seconds * 8000 + 30_000);
  } finally {
    floor.kill();
  }
  const floorUs = (f.cpuMs * 1000) / Math.max(1, f.done);
  let bbe: Awaited<ReturnType<typeof runBlackbox>> | undefined;
  if (bin) bbe = await runBlackbox(bin, { target: target.url, rate: o.rate, concurrency: c, total, warmup: o.rate * o.warmupSeconds, maxMs: o.seconds * 4000 });
  const blackboxUs = bbe ? (bbe.cpuMs * 1000) / Math.max(1, bbe.done) : undefined;
  if (r.failures) notes.push(`side by side, round ${round}: Outpost: ${r.failures} failed runs (${r.firstFailure})`);
  if (f.errors) notes.push(`side by side, round ${round}: floor: ${f.errors} failed requests (${f.firstError})`);
  if (bbe?.errors) notes.push(`side by side, round ${round}: blackbox_exporter: ${bbe.errors} failed probes (${bbe.firstError})`);
  log(`side by side, round ${round}: Outpost ${round2(outpostUs)} µs, floor ${round2(floorUs)} µs${blackboxUs === undefined ? '' : `, blackbox_exporter ${round2(blackboxUs)} µs`} per request`);
  return { outpostUs, floorUs, blackboxUs, runs: total, raw: { outpost: r, floor: f, blackbox: bbe ? { bin, ...bbe } : null } };
}

const round2 = (v: number) => round(v, 0);
const median = (xs: number[]) => quantile([...xs].sort((a, b) => a - b), 0.5);

/**
 * CPU per request beside the undici floor and blackbox_exporter, in `--side-rounds` rounds (3 by
 * default): each round runs the three back to back, and the ratios are taken within a round, so
 * that load from elsewhere on the machine, which comes and goes over minutes, weighs on the three
 * alike. The median of the rounds' ratios is judged; every round is printed and kept.
 */
async function sideBySide(target: Target): Promise<void> {
  const o = opts.side;
  const c = opts.concurrency;
  const bin = findBlackbox();
  log(`side by side: ${o.rate} probes/s for ${o.seconds} s at concurrency ${c}, ${o.rounds} rounds of Outpost, bare undici floor, blackbox_exporter`);
  if (!bin) {
    notes.push('side by side: prometheus-blackbox-exporter is not installed; its figures are skipped');
    log('blackbox_exporter not found (dpkg -L prometheus-blackbox-exporter): skipped');
  }
  const rounds: (SideRound & { raw: unknown })[] = [];
  for (let i = 1; i <= o.rounds; i++) rounds.push(await sideRound(target, i, bin));
  const s = 'side by side';
  const each = (f: (r: SideRound) => number | undefined) => rounds.map((r) => f(r)).map((v) => (v === undefined ? '–' : String(round(v, 0)))).join(', ');
  const eachRatio = (f: (r: SideRound) => number | undefined) => rounds.map((r) => f(r)).map((v) => (v === undefined ? '–' : String(round(v, 2)))).join(', ');
  rows.push(row(s, `probes each, per round (${o.rate}/s, concurrency ${c})`, rounds.map((r) => r.runs).join(', '), ''));
  rows.push(row(s, 'Outpost CPU per run (/proc/PID/stat), each round', each((r) => r.outpostUs), 'µs'));
  rows.push(row(s, 'bare undici floor CPU per request, each round', each((r) => r.floorUs), 'µs'));
  const floorRatios = rounds.map((r) => r.outpostUs / r.floorUs);
  rows.push(row(s, 'ratio Outpost / floor, each round', eachRatio((r) => r.outpostUs / r.floorUs), ''));
  rows.push(row(s, `ratio Outpost / floor, median of ${rounds.length}`, round(median(floorRatios), 2), '', '<= 1.0', judge(median(floorRatios), '<=', 1)));
  if (!bin) {
    rows.push(row(s, 'blackbox_exporter CPU per probe', 'skipped (not installed)', ''));
  } else {
    const bbeRatios = rounds.map((r) => r.outpostUs / r.blackboxUs!);
    rows.push(row(s, 'blackbox_exporter CPU per probe, each round', each((r) => r.blackboxUs), 'µs'));
    rows.push(row(s, 'ratio Outpost / blackbox_exporter, each round', eachRatio((r) => r.outpostUs / r.blackboxUs!), ''));
    rows.push(row(s, `ratio Outpost / blackbox_exporter, median of ${rounds.length}`, round(median(bbeRatios), 2), '', '<= 0.5', judge(median(bbeRatios), '<=', 0.5)));
  }
  raw.side = { rounds: rounds.map((r) => r.raw) };
}

/**
 * The shipped entry, dist/bundle/outpost.cjs (package.json "bin", the image): rebuilt as `npm run
 * build` does (tsc, then scripts/bundle.mjs) when missing or older than src/ or the bundle script.
 */
function buildCli(): string {
  const cli = join(ROOT, 'dist', 'bundle', 'outpost.cjs');
  const newest = (dir: string): number => {
    let t = 0;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
    }
    return t;
  };
  if (!existsSync(cli) || statSync(cli).mtimeMs < Math.max(newest(join(ROOT, 'src')), newest(join(ROOT, 'scripts')))) {
    log('building dist/ (tsc -p tsconfig.build.json) and dist/bundle/ (scripts/bundle.mjs)');
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit', cwd: ROOT });
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'bundle.mjs')], { stdio: 'inherit', cwd: ROOT });
  }
  return cli;
}

async function startup(target: Target): Promise<void> {
  const cli = buildCli();
  log(`start-up: node dist/bundle/outpost.cjs run with one check, ${opts.startupRepeats} times`);
  const times: number[] = [];
  const ready: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < opts.startupRepeats; i++) {
    const r = await measureStartup(cli, new URL(target.url).origin);
    times.push(r.ms);
    if (r.processReadyMs !== undefined) ready.push(r.processReadyMs);
    if (r.cpuMs !== undefined) cpu.push(r.cpuMs);
  }
  times.sort((a, b) => a - b);
  ready.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  raw.startup = { times, ready, cpu };
  const median = quantile(times, 0.5);
  rows.push(row('start-up', `process start → /metrics answering (median of ${ready.length})`, round(quantile(ready, 0.5), 0), 'ms'));
  rows.push(row('start-up', `process start → first completed run (median of ${times.length})`, round(median, 0), 'ms', '< 500', judge(median, '<', 500)));
  // Steadier than the wall clock when the machine is busy: utime + stime of the process by then.
  if (cpu.length) rows.push(row('start-up', `CPU of the process by its first run (median of ${cpu.length})`, round(quantile(cpu, 0.5), 0), 'ms'));
}

async function startWindow(target: Target): Promise<void> {
  const o = opts.window;
  log(`start window: ${o.checks} checks at a ${o.interval} interval, first runs after the start`);
  const r = await outpostRun(target, o.checks, o.interval, '10s', 0, o.seconds * 1000);
  raw.window = r.firstRuns;
  const s = `start window (${o.checks} checks, ${o.interval})`;
  rows.push(row(s, 'checks run once', `${r.firstRuns.checks} of ${r.checks}`, '', `${r.checks}`, r.firstRuns.checks === r.checks));
  rows.push(row(s, 'start → last check\'s first run', round(r.firstRuns.maxMs, 0), 'ms', '< 15000', judge(r.firstRuns.maxMs, '<', 15_000)));
}

async function shards(target: Target): Promise<void> {
  const o = opts.shards;
  log(`shards: ${o.checks} checks at a 30s interval over ${o.count} shards (by endpoint), ${o.seconds} s, each scraped once at the end`);
  const reports = await Promise.all(
    Array.from({ length: o.count }, async (_, index) => {
      let scrape: Scrape | undefined;
      const r = await outpostRun(target, o.checks, '30s', '10s', 0, o.seconds * 1000, async (_w, url) => {
        // After the start window (30 s here: every check has run), 12 s before the worker ends, so
        // that a slow scrape on a loaded machine still ends first.
        await new Promise((res) => setTimeout(res, Math.max(o.seconds / 3, o.seconds - 12) * 1000));
        scrape = await scrapeLikePrometheus(url!).catch((err: Error) => {
          notes.push(`shard ${index}: scrape failed: ${err.message}`);
          return undefined;
        });
      }, { index, count: o.count });
      return { ...r, scrape: scrape && seriesOf(scrape) };
    }),
  );
  raw.shards = reports.map((r) => ({ checks: r.checks, maxRss: r.maxRss, lag: r.lag, series: r.scrape?.series, scrapeMs: r.scrape?.ms, runs: r.runs, failures: r.failures }));
  reports.forEach((r, i) => {
    const s = `shard ${i}/${o.count} of ${o.checks} checks`;
    rows.push(row(s, 'checks, series', `${r.checks}, ${r.scrape?.series ?? '?'}`, ''));
    rows.push(row(s, 'RSS (max)', round(r.maxRss / 2 ** 20, 1), 'MB', '< 200', judge(r.maxRss / 2 ** 20, '<', 200)));
    rows.push(row(s, 'scheduler lag p99', round(r.lag.p99, 2), 'ms', '< 10', judge(r.lag.p99, '<', 10)));
  });
}

const machine = {
  cores: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? 'unknown',
  node: process.version,
  platform: `${os.type()} ${os.release()} ${os.arch()}`,
  memoryGB: round(os.totalmem() / 2 ** 30, 1),
  date: new Date().toISOString(),
  loadAverageAtStart: os.loadavg().map((x) => round(x, 2)),
  nodeOptions: SHIPPED_NODE_FLAGS.join(' '),
};
log(`${machine.cores} cores, ${machine.cpuModel}, Node ${machine.node}, load average ${machine.loadAverageAtStart.join(' ')}`);
log(`Outpost workers run with the image's Node options: ${SHIPPED_NODE_FLAGS.join(' ') || '(none)'}`);

const target = await startTarget();
try {
  if (only.has('throughput')) await throughput(target);
  if (only.has('scale')) await scale(target);
  if (only.has('side')) await sideBySide(target);
  if (only.has('startup')) await startup(target);
  if (only.has('window')) await startWindow(target);
  if (only.has('shards')) await shards(target);
} finally {
  target.close();
}

const result = { machine: { ...machine, loadAverageAtEnd: os.loadavg().map((x) => round(x, 2)) }, options: opts, figures: rows, notes, raw };
writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
process.stdout.write(`\nOutpost benchmark — ${machine.cores} cores, ${machine.cpuModel}, Node ${machine.node}, ${machine.date}${quick ? ' (quick)' : ''}\n\n`);
process.stdout.write(renderTable(rows) + '\n');
for (const n of notes) process.stdout.write(`note: ${n}\n`);
process.stdout.write(`\nwritten to ${out}\n`);
