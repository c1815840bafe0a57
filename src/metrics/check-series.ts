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

/**
 * A check's lines, family by family: `lines[f]` is family f's text ('' when it has none). The
 * texts are slices of one flat string (V8 keeps a slice as a pointer into it), so a check's lines
 * are one block of memory and a few small objects.
 */
type Rendered = string[];

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

const HEADERS = FAMILIES.map((f) => `# HELP ${f.name} ${f.help}\n# TYPE ${f.name} ${f.type}\n`);
/** Bytes of exposition per batch written to the socket or to gzip, and characters per piece encoded into it (see familyBatches). */
const BATCH_BYTES = 512 * 1024;
const PIECE_CHARS = 32 * 1024;
/** OpenMetrics: counter families are named without `_total`, and families are not separated by blank lines. */
const HEADERS_OM = FAMILIES.map((f) => {
  const fam = openMetricsFamily(f.name, f.type);
  return `# HELP ${fam.name} ${f.help.replace(/"/g, '\\"')}\n# TYPE ${fam.name} ${fam.type}\n`;
});

/** Label value escaping of the Prometheus text format (as prom-client does it). */
function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/**
 * A string built by concatenation is a tree of pieces in V8 (~5 nodes for a label text, ~2 MB over
 * 10,000 checks); these live as long as the check, so they are copied once into one flat string.
 */
const flat = (s: string): string => Buffer.from(s, 'utf8').toString('utf8');

function labelText(k: CheckKey): string {
  const l = k.labels;
  return flat(`group="${escapeLabelValue(l.group)}",endpoint="${escapeLabelValue(l.endpoint)}",check="${escapeLabelValue(l.check)}",location="${escapeLabelValue(l.location)}"`);
}

function infoText(k: CheckKey): string {
  return flat(`,type="${escapeLabelValue(k.info.type)}",interval_seconds="${escapeLabelValue(k.info.interval_seconds)}"`);
}

/** The lines of one check, family by family, as slices of one flat string. */
function linesOf(c: Cell): Rendered {
  const lines: Rendered = new Array<string>(FAMILIES.length);
  for (let f = 0; f < FAMILIES.length; f++) {
    const fam = FAMILIES[f]!;
    lines[f] = fam.full && !c.full ? '' : fam.lines(c);
  }
  // Each text was built by concatenation (a tree of pieces in V8); joined they are one flat
  // string, and slices of it hold no copy. The pieces are garbage at once.
  const all = lines.join('');
  let pos = 0;
  for (let f = 0; f < FAMILIES.length; f++) {
    const n = lines[f]!.length;
    lines[f] = n === 0 ? '' : all.slice(pos, pos + n);
    pos += n;
  }
  return lines;
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
   * Family by family (the text format wants each family in one group): the checks' texts joined
   * a piece of ~32 K characters at a time and encoded into batches of ~512 KB, so that a scrape
   * makes no object per line and no large string. Measured at 10,000 checks (11 MB): a view per
   * check and family (a Buffer#copy makes one) was ~60 ms a scrape, joining 512 KB strings
   * ~80 ms (they go to V8's large-object space), small pieces encoded into a batch ~12 ms. Few,
   * large batches because gzip costs a round trip to the thread pool and back through the event
   * loop per write: at ~100 KB a batch a scrape made ~120 of them, each waiting behind the runs'
   * callbacks; at 512 KB it makes ~22.
   */
  function* familyBatches(texts: readonly Rendered[], openMetrics = false): Generator<Buffer[]> {
    let batch = Buffer.allocUnsafeSlow(BATCH_BYTES);
    let pos = 0;
    for (const piece of pieces(texts, openMetrics)) {
      // UTF-8 takes at most 3 bytes per UTF-16 unit: the batch goes out when it might not hold the piece.
      if (pos + piece.length * 3 > batch.length) {
        if (pos > 0) yield [batch.subarray(0, pos)];
        batch = Buffer.allocUnsafeSlow(Math.max(BATCH_BYTES, piece.length * 3));
        pos = 0;
      }
      pos += batch.write(piece, pos, 'utf8');
    }
    if (pos > 0) yield [batch.subarray(0, pos)];
  }

  /** The exposition's text, family by family, as strings of about PIECE_CHARS characters. */
  function* pieces(texts: readonly Rendered[], openMetrics: boolean): Generator<string> {
    const parts: string[] = [];
    let chars = 0;
    for (let f = 0; f < FAMILIES.length; f++) {
      parts.push((openMetrics ? HEADERS_OM : HEADERS)[f]!);
      for (let i = 0; i < texts.length; i++) {
        const t = texts[i]![f]!;
        if (t === '') continue;
        parts.push(t);
        chars += t.length;
        if (chars >= PIECE_CHARS) {
          yield parts.join('');
          parts.length = 0;
          chars = 0;
        }
      }
      if (!openMetrics) parts.push('\n');
    }
    if (parts.length) yield parts.join('');
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
      yield* familyBatches(await refresh(slice), openMetrics);
    },
    async render(slice = 1000) {
      const parts: Buffer[] = [];
      for (const batch of familyBatches(await refresh(slice))) parts.push(...batch);
      return Buffer.concat(parts).toString('utf8');
    },
    renderSync() {
      const texts: Rendered[] = [];
      for (const c of cells.values()) texts.push((c.text ??= linesOf(c)));
      const parts: string[] = [];
      for (let f = 0; f < FAMILIES.length; f++) {
        parts.push(HEADERS[f]!);
        for (const t of texts) parts.push(t[f]!);
        parts.push('\n');
      }
      return parts.join('');
    },
  };
}
