/**
 * The soak: several hundred checks against the platform simulator with random faults (seeded),
 * for N minutes. Every report interval it prints RSS, heap, active handles, runs and scheduler
 * lag; at the end the RSS growth after warm-up, the runs by reason, and whether any run ended in
 * `internal`. Exit 1 when a run ended in `internal` or RSS grew more than --max-growth % (default
 * 10) after warm-up.
 *
 *   npm run soak -- --minutes 30 [--checks 300] [--seed 1] [--warmup 2] [--report-every 60]
 *
 * The simulator runs in a child process (this same file with --as-simulator) so that the memory
 * measured is Outpost's alone.
 */
import { mulberry32 } from '../src/simulator/prng.js';
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { startDaemon } from '../src/daemon.js';
import { createLogger } from '../src/log.js';
import { createRedactor } from '../src/redact.js';
import { startSimulator } from '../src/simulator/index.js';
import { PLATFORMS, type Fault, type Platform } from '../src/simulator/types.js';

const MB = 1024 * 1024;

interface Args {
  minutes: number;
  checks: number;
  seed: number;
  warmupMinutes: number;
  reportEverySeconds: number;
  faultEverySeconds: number;
  maxGrowthPct: number;
}

function parse(): Args {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '30' },
      checks: { type: 'string', default: '300' },
      seed: { type: 'string', default: '1' },
      warmup: { type: 'string' },
      'report-every': { type: 'string', default: '60' },
      'fault-every': { type: 'string', default: '20' },
      'max-growth': { type: 'string', default: '10' },
      'as-simulator': { type: 'boolean', default: false },
    },
    allowPositionals: false,
  });
  const minutes = Number(values.minutes);
  return {
    minutes,
    checks: Number(values.checks),
    seed: Number(values.seed),
    warmupMinutes: values.warmup !== undefined ? Number(values.warmup) : Math.min(2, minutes / 3),
    reportEverySeconds: Number(values['report-every']),
    faultEverySeconds: Number(values['fault-every']),
    maxGrowthPct: Number(values['max-growth']),
  };
}


const FAULTS: Fault[] = [
  { type: 'forced_logout' },
  { type: 'login_refused' },
  { type: 'login_challenge' },
  { type: 'feed_empty' },
  { type: 'feed_stale', ageSeconds: 3600 },
  { type: 'error_page' },
  { type: 'http_5xx', status: 503 },
  { type: 'rate_limited' },
  { type: 'slow', ms: 1500 },
  { type: 'hang' },
  { type: 'reset' },
  { type: 'invalid_json' },
  { type: 'huge_body', bytes: 6 * MB },
];

const PLATFORM_DEF: Record<Platform, { account: object; auth: object; session: string; feed: object }> = {
  facebook: {
    account: { username: 'seller1@example.test', password: 'fb-pass-1' },
    auth: { path: '/login', format: 'form', body: { email: '{{username}}', pass: '{{password}}' }, cookie: 'fb_session' },
    session: '/me',
    feed: { path: '/feed', items: 'data', timestamp: 'created_time', maxAge: '2m' },
  },
  instagram: {
    account: { username: 'seller_one', password: 'ig-pass-1' },
    auth: { path: '/api/v1/accounts/login', token: 'token' },
    session: '/api/v1/accounts/current_user',
    feed: { path: '/api/v1/feed/timeline', items: 'items', timestamp: 'taken_at', maxAge: '2m' },
  },
  threads: {
    account: { username: 'seller.one', password: 'th-pass-1' },
    auth: { path: '/api/login', token: 'access_token' },
    session: '/api/me',
    feed: { path: '/api/feed', items: 'threads', timestamp: 'published_at', maxAge: '2m' },
  },
};

/** `checks` checks: endpoints of login + session + feed, spread over the three platforms. */
function soakConfig(simUrl: string, stateDir: string, checks: number): object {
  const perPlatform = Math.max(1, Math.ceil(checks / 9));
  const groups: Record<string, object> = {};
  for (const p of PLATFORMS) {
    const d = PLATFORM_DEF[p];
    const endpoints: Record<string, object> = {};
    for (let i = 0; i < perPlatform; i++) {
      endpoints[`e${i}`] = {
        baseUrl: `${simUrl}/${p}`,
        account: d.account,
        auth: d.auth,
        checks: { login: { type: 'login', interval: '30s' }, session: { type: 'session', path: d.session }, feed: { type: 'feed', ...d.feed } },
      };
    }
    groups[p] = { endpoints };
  }
  return {
    location: 'soak',
    listen: '127.0.0.1:0',
    stateDir,
    logLevel: 'warn',
    scheduler: { concurrency: 64 },
    defaults: { interval: '10s', timeout: '3s', retries: 1 },
    incidents: { groupWait: '2s' },
    groups,
  };
}

// ---- the simulator child ---------------------------------------------------------------------

async function simulatorChild(seed: number): Promise<void> {
  const sim = await startSimulator({ port: 0, seed, latencyMs: [2, 20] });
  process.on('message', (m: { platform?: Platform; faults?: Fault[] }) => {
    if (m.platform) sim.setFaults(m.platform, m.faults ?? []);
  });
  process.on('disconnect', () => void sim.close().then(() => process.exit(0)));
  process.send!({ url: sim.url });
}

function startSimulatorChild(seed: number): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(fileURLToPath(import.meta.url), ['--as-simulator', '--seed', String(seed)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (m: { url: string }) => resolve({ child, url: m.url }));
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
}

// ---- measurements ------------------------------------------------------------------------------

interface Sample {
  atMin: number;
  rssMb: number;
  heapMb: number;
  handles: number;
  handleKinds: Record<string, number>;
  runs: number;
  inFlight: number;
  lagCount: number;
  lagSum: number;
  lagBuckets: Map<number, number>;
}

/** One sample line of the Prometheus text exposition. */
interface Series {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parse the exposition (the SPEC's names are the soak's only contract with the daemon). */
function parseExposition(text: string): Series[] {
  const out: Series[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

function sum(series: Series[], name: string, filter: (l: Record<string, string>) => boolean = () => true): number {
  return series.filter((s) => s.name === name && filter(s.labels)).reduce((a, s) => a + s.value, 0);
}

function fmtLag(prev: Sample | undefined, cur: Sample): string {
  const count = cur.lagCount - (prev?.lagCount ?? 0);
  if (count === 0) return 'lag n/a';
  const mean = (cur.lagSum - (prev?.lagSum ?? 0)) / count;
  let p99 = Infinity;
  for (const [le, c] of [...cur.lagBuckets].sort((a, b) => a[0] - b[0])) {
    if (c - (prev?.lagBuckets.get(le) ?? 0) >= 0.99 * count) {
      p99 = le;
      break;
    }
  }
  return `lag mean ${(mean * 1000).toFixed(1)}ms p99 ≤ ${p99 === Infinity ? '>30s' : `${p99}s`}`;
}

async function main(): Promise<number> {
  const args = parse();
  if (process.argv.includes('--as-simulator')) {
    await simulatorChild(args.seed);
    return -1;
  }
  const tmp = mkdtempSync(join(tmpdir(), 'outpost-soak-'));
  const { child, url } = await startSimulatorChild(args.seed);
  const configPath = join(tmp, 'soak.yaml');
  writeFileSync(configPath, stringify(soakConfig(url, join(tmp, 'state'), args.checks)));
  const logFile = join(tmp, 'outpost.log');
  const logStream = createWriteStream(logFile);
  let warnLines = 0;
  const destination = {
    write(s: string) {
      warnLines++;
      logStream.write(s);
    },
  };
  const daemon = await startDaemon({ configPath, env: {}, logger: createLogger({ level: 'warn', redactor: createRedactor(), destination }) });
  const checks = daemon.config().checks.length;
  console.log(`soak: ${checks} checks against ${url} for ${args.minutes} min (seed ${args.seed}, warm-up ${args.warmupMinutes} min, faults every ${args.faultEverySeconds}s); logs in ${logFile}`);

  const random = mulberry32(args.seed);
  const faultTimer = setInterval(() => {
    for (const p of PLATFORMS) {
      const faults = random() < 0.5 ? [] : [{ ...FAULTS[Math.floor(random() * FAULTS.length)]!, ratio: Math.round((0.2 + 0.8 * random()) * 100) / 100 }];
      child.send({ platform: p, faults });
    }
  }, args.faultEverySeconds * 1000);

  const t0 = Date.now();
  const samples: Sample[] = [];
  const scrape = async (): Promise<Series[]> => parseExposition(await daemon.metrics.registry.metrics());
  const sample = async (): Promise<Sample> => {
    const mem = process.memoryUsage();
    const kinds: Record<string, number> = {};
    for (const k of process.getActiveResourcesInfo()) kinds[k] = (kinds[k] ?? 0) + 1;
    const series = await scrape();
    const buckets = new Map<number, number>();
    for (const v of series) if (v.name === 'outpost_scheduler_lag_seconds_bucket' && v.labels.le !== '+Inf') buckets.set(Number(v.labels.le), v.value);
    return {
      atMin: (Date.now() - t0) / 60_000,
      rssMb: mem.rss / MB,
      heapMb: mem.heapUsed / MB,
      handles: Object.values(kinds).reduce((a, b) => a + b, 0),
      handleKinds: kinds,
      runs: sum(series, 'outpost_check_runs_total'),
      inFlight: sum(series, 'outpost_checks_in_flight'),
      lagCount: sum(series, 'outpost_scheduler_lag_seconds_count'),
      lagSum: sum(series, 'outpost_scheduler_lag_seconds_sum'),
      lagBuckets: buckets,
    };
  };
  const report = (s: Sample, prev: Sample | undefined) => {
    const kinds = Object.entries(s.handleKinds)
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `${k}:${n}`)
      .join(' ');
    console.log(
      `[${s.atMin.toFixed(1).padStart(5)} min] rss ${s.rssMb.toFixed(1)} MB  heap ${s.heapMb.toFixed(1)} MB  handles ${s.handles} (${kinds})  runs +${s.runs - (prev?.runs ?? 0)}  ${fmtLag(prev, s)}  in flight ${s.inFlight}`,
    );
  };

  const end = t0 + args.minutes * 60_000;
  let warm: Sample | undefined;
  while (Date.now() < end) {
    await new Promise((r) => setTimeout(r, Math.min(args.reportEverySeconds * 1000, end - Date.now())));
    const s = await sample();
    report(s, samples.at(-1));
    samples.push(s);
    if (!warm && s.atMin >= args.warmupMinutes) warm = s;
  }
  clearInterval(faultTimer);

  const final = await scrape();
  const byReason = new Map<string, number>();
  for (const v of final) if (v.name === 'outpost_check_failures_total') byReason.set(v.labels.reason ?? '?', (byReason.get(v.labels.reason ?? '?') ?? 0) + v.value);
  const successes = sum(final, 'outpost_check_runs_total', (l) => l.result === 'success');
  await daemon.stop();
  child.disconnect();
  logStream.end();

  const last = samples.at(-1)!;
  const base = warm ?? samples[0]!;
  const growthPct = ((last.rssMb - base.rssMb) / base.rssMb) * 100;
  const internal = byReason.get('internal') ?? 0;
  console.log('\nsoak summary');
  console.log(`  duration        ${last.atMin.toFixed(1)} min, ${checks} checks, ${last.runs} runs`);
  console.log(`  rss             ${samples[0]!.rssMb.toFixed(1)} MB first, ${base.rssMb.toFixed(1)} MB after warm-up (${base.atMin.toFixed(1)} min), ${last.rssMb.toFixed(1)} MB at the end`);
  console.log(`  rss growth      ${growthPct.toFixed(1)}% after warm-up (limit ${args.maxGrowthPct}%)`);
  console.log(`  heap            ${base.heapMb.toFixed(1)} MB after warm-up, ${last.heapMb.toFixed(1)} MB at the end`);
  console.log(`  handles         ${base.handles} after warm-up, ${last.handles} at the end`);
  console.log(`  runs by reason  success ${successes}${[...byReason].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]).map(([r, n]) => `, ${r} ${n}`).join('')}`);
  console.log(`  internal        ${internal}`);
  console.log(`  warn/error log lines ${warnLines}`);
  const failed = internal > 0 || growthPct > args.maxGrowthPct;
  console.log(failed ? `SOAK FAILED${internal > 0 ? ' (runs ended in internal)' : ''}${growthPct > args.maxGrowthPct ? ' (RSS grew too much)' : ''}` : 'soak passed');
  rmSync(tmp, { recursive: true, force: true });
  return failed ? 1 : 0;
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err) => {
    console.error(err);
    process.exit(2);
  },
);
