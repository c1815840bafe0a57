/**
 * The hand-rendered per-check series against prom-client: the same operations must give the same
 * Prometheus text (names, HELP, TYPE, labels, values, which series exist), and promtool-valid
 * structure (each family in one group).
 */
import { describe, expect, it } from 'vitest';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { gunzipSync } from 'node:zlib';
import { createCheckSeries, DURATION_BUCKETS, SERIES_PER_CHECK, type CheckKey, type CheckSeries, type RunValues } from '../../src/metrics/check-series.js';
import { gzipMember } from '../../src/metrics/gzip-parts.js';
import { CHECK_STATES } from '../../src/check-state.js';

const key = (check: string, location = 'eu"west\\1', metricsDetail: CheckKey['metricsDetail'] = 'full'): CheckKey => ({
  labels: { group: 'fb', endpoint: 'web', check, location },
  info: { type: 'http', interval_seconds: '30' },
  metricsDetail,
});
const run = (over: Partial<RunValues> = {}): RunValues => ({
  ok: true,
  reason: null,
  at: 1_700_000_000.5,
  durationSeconds: 0.3,
  attempts: 1,
  httpStatus: 200,
  consecutiveFailures: 0,
  state: 'up',
  phases: { resolve: 0, connect: 0.001, tls: 0, processing: 0.002, transfer: 0.0001 },
  ...over,
});

/** The same operations through prom-client, as src/metrics did before check-series.ts. */
function reference(ops: (['declare', CheckKey] | ['record', CheckKey, RunValues] | ['remove', CheckKey])[]): Registry {
  const registers = [new Registry()];
  const cl = ['group', 'endpoint', 'check', 'location'];
  const info = new Gauge({ name: 'outpost_check_info', help: 'Configured check (1); metadata in labels, join with group_left.', labelNames: [...cl, 'type', 'interval_seconds'], registers });
  const up = new Gauge({ name: 'outpost_check_up', help: '1 when the last run of the check succeeded, else 0.', labelNames: cl, registers });
  const state = new Gauge({ name: 'outpost_check_state', help: 'Current state of the check: 1 for the current state, 0 for the others.', labelNames: [...cl, 'state'], registers });
  const dur = new Histogram({ name: 'outpost_check_duration_seconds', help: 'Duration of check runs, retries included.', labelNames: cl, buckets: [...DURATION_BUCKETS], registers });
  const runs = new Counter({ name: 'outpost_check_runs_total', help: 'Check runs by result.', labelNames: [...cl, 'result'], registers });
  const attempts = new Counter({ name: 'outpost_check_attempts_total', help: 'HTTP requests made by check runs, retries included.', labelNames: cl, registers });
  const failures = new Counter({ name: 'outpost_check_failures_total', help: 'Failed check runs by reason.', labelNames: [...cl, 'reason'], registers });
  const consecutive = new Gauge({ name: 'outpost_check_consecutive_failures', help: 'Failed runs in a row.', labelNames: cl, registers });
  const lastRun = new Gauge({ name: 'outpost_check_last_run_timestamp_seconds', help: 'When the last run of the check ended.', labelNames: cl, registers });
  const lastSuccess = new Gauge({ name: 'outpost_check_last_success_timestamp_seconds', help: 'When the last successful run of the check ended.', labelNames: cl, registers });
  const lastDuration = new Gauge({ name: 'outpost_check_last_duration_seconds', help: 'Duration of the last run of the check, retries included.', labelNames: cl, registers });
  const status = new Gauge({ name: 'outpost_check_http_status_code', help: 'HTTP status of the last answer (0 when none).', labelNames: cl, registers });
  const phase = new Gauge({ name: 'outpost_check_phase_duration_seconds', help: 'Duration of each phase of the last run, summed over redirects and steps.', labelNames: [...cl, 'phase'], registers });
  for (const op of ops) {
    const l = op[1].labels;
    if (op[0] === 'declare') {
      info.set({ ...l, ...op[1].info }, 1);
      for (const s of CHECK_STATES) state.set({ ...l, state: s }, s === 'unknown' ? 1 : 0);
      consecutive.set(l, 0);
      runs.inc({ ...l, result: 'success' }, 0);
      runs.inc({ ...l, result: 'failure' }, 0);
      attempts.inc(l, 0);
    } else if (op[0] === 'record') {
      const r = op[2];
      up.set(l, r.ok ? 1 : 0);
      for (const s of CHECK_STATES) state.set({ ...l, state: s }, s === r.state ? 1 : 0);
      dur.observe(l, r.durationSeconds);
      runs.inc({ ...l, result: r.ok ? 'success' : 'failure' });
      attempts.inc(l, r.attempts);
      if (!r.ok && r.reason) failures.inc({ ...l, reason: r.reason });
      consecutive.set(l, r.consecutiveFailures);
      lastRun.set(l, r.at);
      if (r.ok) lastSuccess.set(l, r.at);
      lastDuration.set(l, r.durationSeconds);
      status.set(l, r.httpStatus);
      for (const [p, v] of Object.entries(r.phases)) phase.set({ ...l, phase: p }, v);
    } else {
      info.remove({ ...l, ...op[1].info });
      for (const g of [up, consecutive, lastRun, lastSuccess, lastDuration, status, attempts]) g.remove(l);
      dur.remove(l);
      for (const s of CHECK_STATES) state.remove({ ...l, state: s });
      for (const result of ['success', 'failure']) runs.remove({ ...l, result });
      failures.remove({ ...l, reason: 'http_5xx' });
      for (const p of ['resolve', 'connect', 'tls', 'processing', 'transfer']) phase.remove({ ...l, phase: p });
    }
  }
  return registers[0]!;
}

/** Series lines, sorted, with label order normalised (prom-client puts `le` first). */
function series(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const m = /^([^{ ]+)(?:\{(.*)\})? (.*)$/.exec(l)!;
      const labels = (m[2] ?? '').match(/[a-z_]+="(?:[^"\\]|\\.)*"/g) ?? [];
      return `${m[1]}{${labels.sort().join(',')}} ${m[3]}`;
    })
    .sort();
}

describe('check series', () => {
  const a = key('feed');
  const b = key('login');
  const ops: Parameters<typeof reference>[0] = [
    ['declare', a],
    ['declare', b],
    ['record', a, run()],
    ['record', a, run({ ok: false, reason: 'http_5xx', durationSeconds: 12, httpStatus: 503, consecutiveFailures: 1, state: 'down' })],
    ['record', b, run({ durationSeconds: 0.05 })],
  ];

  it('renders what prom-client renders for the same runs (full detail)', async () => {
    const mine = createCheckSeries();
    for (const op of ops) {
      if (op[0] === 'declare') mine.declare(op[1], 'unknown', null, 0);
      else if (op[0] === 'record') mine.record(op[1], op[2]);
    }
    const expected = await reference(ops).metrics();
    const text = await mine.render();
    expect(series(text)).toEqual(series(expected));
    expect(text.split('\n').filter((l) => l.startsWith('#')).sort()).toEqual(expected.split('\n').filter((l) => l.startsWith('#')).sort());
    expect(mine.renderSync()).toBe(text);
  });

  it('outpost_check_up has no sample until the first run decides; a restored last result gives it one', () => {
    const mine = createCheckSeries();
    mine.declare(a, 'unknown', null, 0);
    expect(mine.renderSync()).not.toMatch(/^outpost_check_up\{/m);
    expect(mine.renderSync()).toMatch(/^outpost_check_state\{.*state="unknown"\} 1$/m);
    mine.record(a, run({ ok: false, reason: 'timeout', consecutiveFailures: 1, state: 'unknown' }));
    expect(mine.renderSync()).toMatch(/^outpost_check_up\{.*check="feed".*\} 0$/m);
    mine.declare(b, 'up', true, 0);
    expect(mine.renderSync()).toMatch(/^outpost_check_up\{.*check="login".*\} 1$/m);
  });

  it('a removed check leaves no series; a changed one is re-rendered', async () => {
    const mine = createCheckSeries();
    mine.declare(a, 'unknown', null, 0);
    mine.declare(b, 'unknown', null, 0);
    mine.record(a, run());
    const before = await mine.render();
    expect(before).toContain('outpost_check_http_status_code{group="fb",endpoint="web",check="feed",location="eu\\"west\\\\1"} 200');
    mine.record(a, run({ ok: false, reason: 'timeout', httpStatus: 0, consecutiveFailures: 1, state: 'down' }));
    const after = await mine.render();
    expect(after).toContain('check="feed",location="eu\\"west\\\\1",reason="timeout"} 1');
    expect(after).toContain('check="feed",location="eu\\"west\\\\1"} 0\n');
    mine.remove(a);
    expect(mine.size()).toBe(1);
    expect(await mine.render()).not.toContain('check="feed"');
  });

  it('a large exposition streams in batches that end at line ends and add up to the whole text', async () => {
    const mine = createCheckSeries();
    for (let i = 0; i < 3000; i++) {
      // Labels in any script come out as the UTF-8 they went in as.
      const k = key(`c${i}`, i % 2 ? 'eu-west' : 'münchen-☕-東京', i % 3 === 0 ? 'full' : 'default');
      mine.declare(k, 'unknown', null, 0);
      if (i % 5 !== 4) mine.record(k, run(i % 7 === 0 ? { ok: false, reason: 'http_5xx', httpStatus: 503, state: 'down' } : {}));
    }
    const whole = mine.renderSync();
    expect(whole.length).toBeGreaterThan(4 * 512 * 1024);
    const batches: Buffer[] = [];
    for await (const b of mine.chunks()) batches.push(...b);
    expect(batches.length).toBeGreaterThan(4);
    for (const b of batches) expect(b.at(-1)).toBe(0x0a);
    expect(Buffer.concat(batches).toString('utf8')).toBe(whole);
    const om: Buffer[] = [];
    for await (const b of mine.chunks(true)) om.push(...b);
    const samples = (t: string) => t.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(samples(Buffer.concat(om).toString('utf8'))).toEqual(samples(whole));
  });

  it('each family is one group with HELP and TYPE once', async () => {
    const mine = createCheckSeries();
    for (let i = 0; i < 50; i++) {
      mine.declare(key(`c${i}`), 'unknown', null, 0);
      mine.record(key(`c${i}`), run());
    }
    const names = (await mine.render()).split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split('{')[0]!.replace(/_(bucket|sum|count)$/, ''));
    const groups = names.filter((n, i) => n !== names[i - 1]);
    expect(new Set(groups).size).toBe(groups.length);
  });

  it('the default detail: 11 series per check, plus one per failure reason seen; full adds the histogram, phases, attempts, consecutive failures, the last run timestamp', async () => {
    const mine = createCheckSeries();
    const d = key('feed', 'x', 'default');
    const count = (text: string, check: string) => series(text).filter((l) => l.includes(`check="${check}"`));
    mine.declare(d, 'unknown', false, 0);
    mine.record(d, run());
    const ok = count(await mine.render(), 'feed');
    expect(ok).toHaveLength(SERIES_PER_CHECK.default);
    expect(new Set(ok.map((l) => l.split('{')[0]))).toEqual(
      new Set([
        'outpost_check_info',
        'outpost_check_up',
        'outpost_check_state',
        'outpost_check_runs_total',
        'outpost_check_last_success_timestamp_seconds',
        'outpost_check_last_duration_seconds',
        'outpost_check_http_status_code',
      ]),
    );
    mine.record(d, run({ ok: false, reason: 'timeout', httpStatus: 0, consecutiveFailures: 1, state: 'down' }));
    expect(count(await mine.render(), 'feed')).toHaveLength(SERIES_PER_CHECK.default + 1);
    // A reload that opts the check into full detail: the opt-in series appear from its next run.
    const f = key('feed', 'x', 'full');
    mine.declare(f, 'down', false, 1);
    mine.record(f, run());
    expect(count(await mine.render(), 'feed')).toHaveLength(SERIES_PER_CHECK.full + 1);
    mine.declare(d, 'up', true, 0);
    expect(count(await mine.render(), 'feed')).toHaveLength(SERIES_PER_CHECK.default + 1);
  });
});

describe('gzipped scrapes reuse the compressed blocks of steady families', () => {
  /** One gzipped scrape: its text, and how many parts came compressed from an earlier scrape. */
  async function scrape(s: CheckSeries, openMetrics = false): Promise<{ text: string; reused: number }> {
    let reused = 0;
    async function* counted() {
      for await (const p of s.gzipParts(openMetrics)) {
        if ('deflated' in p) reused++;
        yield p;
      }
    }
    const out: Buffer[] = [];
    for await (const b of gzipMember(counted())) out.push(...b);
    return { text: gunzipSync(Buffer.concat(out)).toString('utf8'), reused };
  }
  const plain = async (s: CheckSeries, openMetrics = false): Promise<string> => {
    const out: Buffer[] = [];
    for await (const b of s.chunks(openMetrics)) out.push(...b);
    return Buffer.concat(out).toString('utf8');
  };

  it('gives the text a plain scrape gives, through changes, additions, removals; only changed blocks are compressed again', async () => {
    // 2,500 checks: 3 blocks of each steady part (info, up, state, runs by result "failure", failures by reason, HTTP status), 18 blocks.
    const s = createCheckSeries();
    const keys = Array.from({ length: 2500 }, (_, i) => key(`c${i}`, i % 2 ? 'eu' : 'münchen', i % 50 === 0 ? 'full' : 'default'));
    for (const k of keys) s.declare(k, 'unknown', null, 0);
    const step = async (reused: number) => {
      const g = await scrape(s);
      expect(g.text).toBe(await plain(s));
      expect(g.reused).toBe(reused);
      const om = await scrape(s, true);
      expect(om.text).toBe(await plain(s, true));
      return g;
    };
    await step(0);
    await step(18); // nothing changed; the OpenMetrics scrape before reused them too
    for (const k of keys) s.record(k, run()); // every check's first run: state, up and status change; info and the failure counts do not
    await step(9);
    await step(18);
    s.record(keys[2100]!, run({ at: 1_700_000_100 })); // a run that changes no steady line
    await step(18);
    s.record(keys[2100]!, run({ ok: false, reason: 'timeout', httpStatus: 0, consecutiveFailures: 1, state: 'down' }));
    await step(13); // the third blocks of up, state, HTTP status and both failure counts were compressed again
    s.declare({ ...keys[10]!, info: { type: 'http', interval_seconds: '60' } }, 'up', true, 0);
    await step(17); // the first block of info
    s.remove(keys[1500]!);
    await step(6); // the second and third blocks hold other checks now; the first ones are as they were
    s.declare(key('new'), 'unknown', null, 0);
    await step(12); // the third blocks grew
  });
});

describe('priming', () => {
  it('compresses every steady block, so the next gzipped scrape reuses them all, with the same text', async () => {
    const s = createCheckSeries();
    for (let i = 0; i < 2100; i++) {
      s.declare(key(`c${i}`, 'eu', 'default'), 'unknown', null, 0);
      if (i % 3) s.record(key(`c${i}`, 'eu', 'default'), run());
    }
    await s.prime();
    let reused = 0;
    const out: Buffer[] = [];
    async function* counted() {
      for await (const p of s.gzipParts()) {
        if ('deflated' in p) reused++;
        yield p;
      }
    }
    for await (const b of gzipMember(counted())) out.push(...b);
    expect(reused).toBe(18); // 6 steady parts, 3 blocks each
    expect(gunzipSync(Buffer.concat(out)).toString('utf8')).toBe(s.renderSync());
  });
});

describe('small configurations', () => {
  it('under 256 checks are compressed whole at every scrape, nothing kept (pieces that small compress poorly)', async () => {
    const s = createCheckSeries();
    for (let i = 0; i < 255; i++) s.declare(key(`c${i}`, 'eu', 'default'), 'unknown', null, 0);
    await s.prime();
    const parts: string[] = [];
    for await (const p of s.gzipParts()) parts.push('deflated' in p ? 'kept' : p.keep ? 'keep' : 'text');
    expect(parts.every((p) => p === 'text')).toBe(true);
    s.declare(key('c255', 'eu', 'default'), 'unknown', null, 0);
    const more: string[] = [];
    for await (const p of s.gzipParts()) more.push('deflated' in p ? 'kept' : p.keep ? 'keep' : 'text');
    expect(more.filter((p) => p === 'keep')).toHaveLength(6);
  });
});
