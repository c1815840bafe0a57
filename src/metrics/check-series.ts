/**
 * The per-check series, kept as plain numbers per check and rendered to Prometheus text by hand.
 *
 * Series budget: at the default detail a check has 12 series (info, up, state ×4, runs by result
 * ×2, last run and last success timestamps, last run duration, HTTP status) plus one per failure
 * reason it has seen. `metrics.detail: full` adds 19: the duration histogram (9 buckets, +Inf,
 * sum, count), attempts, consecutive failures and the five phases.
 *
 * Why not prom-client here: with 10,000 checks these are ~300,000 series. prom-client hashes a
 * label object on every set/inc (~15 per run) and formats the whole registry synchronously on a
 * scrape (seconds, and hundreds of MB of label objects). Here a run is a few field writes, the
 * label text of a check is escaped once, the lines of a check are cached until it changes (a
 * scrape re-renders only the checks that ran since the last one), and a scrape renders in slices
 * that yield to the event loop between them. The output is the same text prom-client would write: same names, HELP,
 * TYPE, labels and series, and a series appears only once it has a value, as before.
 */
import { REASONS, type Reason } from '../reasons.js';
import { CHECK_STATES, type CheckState } from '../check-state.js';
import { openMetricsFamily } from './openmetrics.js';

export const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const;
const PHASE_NAMES = ['resolve', 'connect', 'tls', 'processing', 'transfer'] as const;

export interface CheckKey {
  labels: { group: string; endpoint: string; check: string; location: string };
  info: { type: string; interval_seconds: string };
  /** `full` adds the opt-in series (histogram, phases, attempts, consecutive failures). */
  metricsDetail?: 'default' | 'full';
}

/** Series of one check at each detail, failures by reason aside (one per reason seen). */
export const SERIES_PER_CHECK = { default: 12, full: 31 } as const;

interface Cell {
  /** `group="…",endpoint="…",check="…",location="…"`, escaped once. */
  l: string;
  info: string;
  /** Renders the opt-in families too. */
  full: boolean;
  /** Absent until a run decides it (as blackbox_exporter's probe_success exists only after a probe). */
  up?: number;
  state: CheckState;
  consecutive: number;
  success: number;
  failure: number;
  attempts: number;
  failures?: Float64Array;
  lastRun?: number;
  lastSuccess?: number;
  lastDuration?: number;
  httpStatus?: number;
  phases?: Float64Array;
  /** Non-cumulative bucket counts, then +Inf; sum and count beside. */
  buckets?: Float64Array;
  sum: number;
  count: number;
  /** Rendered lines of every family, one after the other, cached until the next change of this check. */
  text?: Rendered;
}

export interface RunValues {
  ok: boolean;
  reason: Reason | null;
  at: number;
  durationSeconds: number;
  attempts: number;
  httpStatus: number;
  consecutiveFailures: number;
  state: CheckState;
  phases: Record<(typeof PHASE_NAMES)[number], number>;
}

/** A check's lines as bytes: family f is `buf[off[f]..off[f+1])`. */
interface Rendered {
  buf: Buffer;
  off: Uint32Array;
}

export interface CheckSeries {
  /** Create or update the configuration-time series of a check (info, state, up, zeroed counters). */
  /** `up`: the last run's result, null before the first run (no `outpost_check_up` sample then). */
  declare(key: CheckKey, state: CheckState, up: boolean | null, consecutiveFailures: number): void;
  record(key: CheckKey, run: RunValues): void;
  remove(key: CheckKey): void;
  /** Checks with series. */
  size(): number;
  /** Prometheus text of every family, rendered in slices of `slice` checks with a yield between. */
  render(slice?: number): Promise<string>;
  /**
   * The same text as batches of byte views to write to a socket one after the other: changed
   * checks are rendered a slice at a time with a yield between slices, so a scrape of 10,000
   * checks never blocks the event loop for long.
   */
  chunks(slice?: number, openMetrics?: boolean): AsyncGenerator<Buffer[]>;
  /** The same, in one synchronous pass (small registries, tests). */
  renderSync(): string;
}

const REASON_INDEX = new Map<string, number>(REASONS.map((r, i) => [r, i]));

interface Family {
  name: string;
  help: string;
  type: 'gauge' | 'counter' | 'histogram';
  /** Only at `metrics.detail: full`. */
  full?: true;
  lines(c: Cell): string;
}

const num = (v: number): string => (v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : Number.isNaN(v) ? 'NaN' : String(v));

const FAMILIES: Family[] = [
  { name: 'outpost_check_info', help: 'Configured check (1); metadata in labels, join with group_left.', type: 'gauge', lines: (c) => `outpost_check_info{${c.l}${c.info}} 1\n` },
  { name: 'outpost_check_up', help: '1 when the last run of the check succeeded, else 0.', type: 'gauge', lines: (c) => (c.up === undefined ? '' : `outpost_check_up{${c.l}} ${c.up}\n`) },
  {
    name: 'outpost_check_state',
    help: 'Current state of the check: 1 for the current state, 0 for the others.',
    type: 'gauge',
    lines: (c) => {
      let s = '';
      for (const st of CHECK_STATES) s += `outpost_check_state{${c.l},state="${st}"} ${st === c.state ? 1 : 0}\n`;
      return s;
    },
  },
  {
    name: 'outpost_check_duration_seconds',
    help: 'Duration of check runs, retries included.',
    type: 'histogram',
    full: true,
    lines: (c) => {
      if (!c.buckets) return '';
      let s = '';
      let acc = 0;
      for (let i = 0; i < DURATION_BUCKETS.length; i++) {
        acc += c.buckets[i]!;
        s += `outpost_check_duration_seconds_bucket{le="${DURATION_BUCKETS[i]}",${c.l}} ${acc}\n`;
      }
      acc += c.buckets[DURATION_BUCKETS.length]!;
      s += `outpost_check_duration_seconds_bucket{le="+Inf",${c.l}} ${acc}\n`;
      return s + `outpost_check_duration_seconds_sum{${c.l}} ${num(c.sum)}\noutpost_check_duration_seconds_count{${c.l}} ${c.count}\n`;
    },
  },
  {
    name: 'outpost_check_runs_total',
    help: 'Check runs by result.',
    type: 'counter',
    lines: (c) => `outpost_check_runs_total{${c.l},result="success"} ${c.success}\noutpost_check_runs_total{${c.l},result="failure"} ${c.failure}\n`,
  },
  { name: 'outpost_check_attempts_total', help: 'HTTP requests made by check runs, retries included.', type: 'counter', full: true, lines: (c) => `outpost_check_attempts_total{${c.l}} ${c.attempts}\n` },
  {
    name: 'outpost_check_failures_total',
    help: 'Failed check runs by reason.',
    type: 'counter',
    lines: (c) => {
      if (!c.failures) return '';
      let s = '';
      for (let i = 0; i < REASONS.length; i++) if (c.failures[i]! > 0) s += `outpost_check_failures_total{${c.l},reason="${REASONS[i]}"} ${c.failures[i]}\n`;
      return s;
    },
  },
  { name: 'outpost_check_consecutive_failures', help: 'Failed runs in a row.', type: 'gauge', full: true, lines: (c) => `outpost_check_consecutive_failures{${c.l}} ${c.consecutive}\n` },
  {
    name: 'outpost_check_last_run_timestamp_seconds',
    help: 'When the last run of the check ended.',
    type: 'gauge',
    lines: (c) => (c.lastRun === undefined ? '' : `outpost_check_last_run_timestamp_seconds{${c.l}} ${num(c.lastRun)}\n`),
  },
  {
    name: 'outpost_check_last_success_timestamp_seconds',
    help: 'When the last successful run of the check ended.',
    type: 'gauge',
    lines: (c) => (c.lastSuccess === undefined ? '' : `outpost_check_last_success_timestamp_seconds{${c.l}} ${num(c.lastSuccess)}\n`),
  },
  {
    name: 'outpost_check_last_duration_seconds',
    help: 'Duration of the last run of the check, retries included.',
    type: 'gauge',
    lines: (c) => (c.lastDuration === undefined ? '' : `outpost_check_last_duration_seconds{${c.l}} ${num(c.lastDuration)}\n`),
  },
  {
    name: 'outpost_check_http_status_code',
    help: 'HTTP status of the last answer (0 when none).',
    type: 'gauge',
    lines: (c) => (c.httpStatus === undefined ? '' : `outpost_check_http_status_code{${c.l}} ${c.httpStatus}\n`),
  },
  {
    name: 'outpost_check_phase_duration_seconds',
    help: 'Duration of each phase of the last run, summed over redirects and steps.',
    type: 'gauge',
    full: true,
    lines: (c) => {
      if (!c.phases) return '';
      let s = '';
      for (let i = 0; i < PHASE_NAMES.length; i++) s += `outpost_check_phase_duration_seconds{${c.l},phase="${PHASE_NAMES[i]}"} ${num(c.phases[i]!)}\n`;
      return s;
    },
  },
];

const HEADER_BYTES = FAMILIES.map((f) => Buffer.from(`# HELP ${f.name} ${f.help}\n# TYPE ${f.name} ${f.type}\n`));
const NEWLINE = Buffer.from('\n');
/** OpenMetrics: counter families are named without `_total`, and families are not separated by blank lines. */
const HEADER_BYTES_OM = FAMILIES.map((f) => {
  const fam = openMetricsFamily(f.name, f.type);
  return Buffer.from(`# HELP ${fam.name} ${f.help.replace(/"/g, '\\"')}\n# TYPE ${fam.name} ${fam.type}\n`);
});

/** Label value escaping of the Prometheus text format (as prom-client does it). */
function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelText(k: CheckKey): string {
  const l = k.labels;
  return `group="${escapeLabelValue(l.group)}",endpoint="${escapeLabelValue(l.endpoint)}",check="${escapeLabelValue(l.check)}",location="${escapeLabelValue(l.location)}"`;
}

function infoText(k: CheckKey): string {
  return `,type="${escapeLabelValue(k.info.type)}",interval_seconds="${escapeLabelValue(k.info.interval_seconds)}"`;
}

/** The lines of one check, family by family, as one buffer with the offset of each family. */
function linesOf(c: Cell): Rendered {
  const off = new Uint32Array(FAMILIES.length + 1);
  const texts: string[] = [];
  let pos = 0;
  for (let f = 0; f < FAMILIES.length; f++) {
    const fam = FAMILIES[f]!;
    const t = fam.full && !c.full ? '' : fam.lines(c);
    off[f] = pos;
    pos += Buffer.byteLength(t);
    texts.push(t);
  }
  off[FAMILIES.length] = pos;
  // A buffer of its own, not a slice of Node's shared 8 KB pool: a check's lines live until its
  // next run, and one live slice would keep a whole pool slab (8 other checks' old lines) alive.
  const buf = Buffer.allocUnsafeSlow(pos);
  buf.write(texts.join(''), 0, 'utf8');
  return { buf, off };
}

const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

export function createCheckSeries(): CheckSeries {
  /** Keyed by the rendered label text: one entry per label set, as in a prom-client metric. */
  const cells = new Map<string, Cell>();
  /** Memo of CheckKey → label text (compiled checks are long-lived objects). */
  const keyText = new WeakMap<CheckKey['labels'], string>();
  const textOf = (k: CheckKey): string => {
    let t = keyText.get(k.labels);
    if (t === undefined) {
      t = labelText(k);
      keyText.set(k.labels, t);
    }
    return t;
  };
  const cellOf = (k: CheckKey): Cell => {
    const l = textOf(k);
    let c = cells.get(l);
    if (!c) {
      c = { l, info: infoText(k), full: k.metricsDetail === 'full', state: 'unknown', consecutive: 0, success: 0, failure: 0, attempts: 0, sum: 0, count: 0 };
      cells.set(l, c);
    }
    return c;
  };

  /** Bring every changed check's lines up to date, a slice at a time; the rendered lines, in order. */
  const refresh = async (slice: number): Promise<Rendered[]> => {
    // A run that lands during a yield replaces its check's lines; this scrape keeps the ones it took.
    // Yields after every `slice` checks rendered here, not checks visited: taking cached lines is
    // cheap, and each yield on a busy loop waits behind the runs' callbacks.
    const out: Rendered[] = [];
    let rendered = 0;
    for (const c of cells.values()) {
      if (c.text) {
        out.push(c.text);
        continue;
      }
      out.push((c.text = linesOf(c)));
      if (++rendered % slice === 0) await yieldToLoop();
    }
    return out;
  };

  /**
   * Family by family (the text format wants each family in one group), a slice of checks per
   * batch. A batch is one buffer the family's lines of the slice are copied into: one
   * `Buffer#copy` per check, no object per line (a view per check and family was 120,000 objects
   * a scrape at 10,000 checks, ~4× the time of the copy), and no buffer larger than a batch.
   */
  function* familyBatches(texts: readonly Rendered[], slice: number, openMetrics = false): Generator<Buffer[]> {
    for (let f = 0; f < FAMILIES.length; f++) {
      yield [(openMetrics ? HEADER_BYTES_OM : HEADER_BYTES)[f]!];
      for (let start = 0; start < texts.length; start += slice) {
        const end = Math.min(texts.length, start + slice);
        let size = 0;
        for (let i = start; i < end; i++) size += texts[i]!.off[f + 1]! - texts[i]!.off[f]!;
        if (size === 0) continue;
        const batch = Buffer.allocUnsafe(size);
        let pos = 0;
        for (let i = start; i < end; i++) {
          const t = texts[i]!;
          if (t.off[f + 1]! > t.off[f]!) pos += t.buf.copy(batch, pos, t.off[f]!, t.off[f + 1]!);
        }
        yield [batch];
      }
      if (!openMetrics) yield [NEWLINE];
    }
  }

  return {
    declare(k, state, up, consecutiveFailures) {
      const c = cellOf(k);
      c.info = infoText(k);
      c.full = k.metricsDetail === 'full';
      if (!c.full) c.buckets = c.phases = undefined;
      c.state = state;
      if (up === null) delete c.up;
      else c.up = up ? 1 : 0;
      c.consecutive = consecutiveFailures;
      c.text = undefined;
    },
    record(k, r) {
      const c = cellOf(k);
      c.up = r.ok ? 1 : 0;
      c.state = r.state;
      if (c.full) {
        const b = (c.buckets ??= new Float64Array(DURATION_BUCKETS.length + 1));
        let i = 0;
        while (i < DURATION_BUCKETS.length && r.durationSeconds > DURATION_BUCKETS[i]!) i++;
        b[i]!++;
        const p = (c.phases ??= new Float64Array(PHASE_NAMES.length));
        for (let j = 0; j < PHASE_NAMES.length; j++) p[j] = r.phases[PHASE_NAMES[j]!];
      }
      c.lastDuration = r.durationSeconds;
      c.sum += r.durationSeconds;
      c.count++;
      if (r.ok) c.success++;
      else c.failure++;
      c.attempts += r.attempts;
      if (!r.ok && r.reason) {
        const f = (c.failures ??= new Float64Array(REASONS.length));
        f[REASON_INDEX.get(r.reason)!]!++;
      }
      c.consecutive = r.consecutiveFailures;
      c.lastRun = r.at;
      if (r.ok) c.lastSuccess = r.at;
      c.httpStatus = r.httpStatus;
      // Rendered now (~10 µs), off the scrape's path: a scrape of 10,000 checks then only takes
      // cached bytes instead of rendering every check that ran since the last one.
      c.text = linesOf(c);
    },
    remove(k) {
      cells.delete(textOf(k));
    },
    size: () => cells.size,
    async *chunks(slice = 250, openMetrics = false) {
      yield* familyBatches(await refresh(slice), slice * 4, openMetrics);
    },
    async render(slice = 1000) {
      const parts: Buffer[] = [];
      for (const batch of familyBatches(await refresh(slice), slice)) parts.push(...batch);
      return Buffer.concat(parts).toString('utf8');
    },
    renderSync() {
      const texts: Rendered[] = [];
      for (const c of cells.values()) texts.push((c.text ??= linesOf(c)));
      const parts: Buffer[] = [];
      for (let f = 0; f < FAMILIES.length; f++) {
        parts.push(HEADER_BYTES[f]!);
        for (const t of texts) parts.push(t.buf.subarray(t.off[f]!, t.off[f + 1]!));
        parts.push(NEWLINE);
      }
      return Buffer.concat(parts).toString('utf8');
    },
  };
}
