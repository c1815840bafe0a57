/**
 * The per-check series, kept as plain numbers per check and rendered to Prometheus text by hand.
 *
 * Series budget: at the default detail a check has 11 series (info, up, state ×4, runs by result
 * ×2, last success timestamp, last run duration, HTTP status) plus one per failure reason it has
 * seen, so a check failing for one reason stays within 12. `metrics.detail: full` adds 20: the
 * duration histogram (9 buckets, +Inf, sum, count), attempts, consecutive failures, the last run
 * timestamp and the five phases.
 *
 * Why not prom-client here: with 10,000 checks these are ~300,000 series. prom-client hashes a
 * label object on every set/inc (~15 per run) and formats the whole registry synchronously on a
 * scrape (seconds, and hundreds of MB of label objects). Here a run is a few field writes, the
 * label text of a check is escaped once, and a scrape composes the lines from constant texts,
 * label texts and values batch by batch, letting the event loop run between batches. A gzipped
 * scrape (what Prometheus asks for) composes only what changed: the families that change with a
 * check rather than with every run (info, up, state, HTTP status, the failure counters: two thirds
 * of the text; a counter family lists its failure counts after its success counts) are
 * compressed by blocks of checks and reused until one of the block's checks changes. The output
 * is the same text prom-client would write: same names, HELP, TYPE, labels and series, and a
 * series appears only once it has a value.
 */
import { REASONS, type Reason } from '../reasons.js';
import { CHECK_STATES, type CheckState } from '../check-state.js';
import { openMetricsFamily } from './openmetrics.js';
import { gzipMember, type Deflated, type GzipPart } from './gzip-parts.js';

export const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const;
const PHASE_NAMES = ['resolve', 'connect', 'tls', 'processing', 'transfer'] as const;

export interface CheckKey {
  labels: { group: string; endpoint: string; check: string; location: string };
  info: { type: string; interval_seconds: string };
  /** `full` adds the opt-in series (histogram, phases, attempts, consecutive failures). */
  metricsDetail?: 'default' | 'full';
}

/** Series of one check at each detail, failures by reason aside (one per reason seen). */
export const SERIES_PER_CHECK = { default: 11, full: 31 } as const;

interface Cell {
  /** Unique per cell for the life of the process: what a kept compressed block was made of. */
  serial: number;
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
  /** When (a tick of the series' change counter) the lines of each steady family last changed. */
  infoChanged: number;
  upChanged: number;
  stateChanged: number;
  httpChanged: number;
  /** Of the failure counters (runs by result "failure", failures by reason): they change only when a run fails. */
  failChanged: number;
}

/**
 * The lines that change only when a check changes, not at every run (info, up, state, HTTP
 * status, the failure counters): two thirds of the text, compressed by blocks and reused while
 * unchanged.
 */
type SteadyFamily = 'infoChanged' | 'upChanged' | 'stateChanged' | 'httpChanged' | 'failChanged';

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

export interface CheckSeries {
  /** Create or update the configuration-time series of a check (info, state, up, zeroed counters). */
  /** `up`: the last run's result, null before the first run (no `outpost_check_up` sample then). */
  declare(key: CheckKey, state: CheckState, up: boolean | null, consecutiveFailures: number): void;
  record(key: CheckKey, run: RunValues): void;
  remove(key: CheckKey): void;
  /** Checks with series. */
  size(): number;
  /** Prometheus text of every family. */
  render(): Promise<string>;
  /**
   * The same text as batches of bytes to write to a socket one after the other, each rendered
   * when the previous one has been taken: a consumer that waits for the socket (or gzip) to drain
   * between batches lets the event loop run between them, so a scrape of 10,000 checks never
   * blocks it for long.
   */
  chunks(openMetrics?: boolean): AsyncGenerator<Buffer[]>;
  /**
   * The same text as parts to gzip (gzip-parts.ts): the lines of the families that change only
   * when a check changes (info, up, state, HTTP status, failure counters) in blocks of checks, each compressed once
   * and reused while none of its checks changed; the rest as text.
   */
  gzipParts(openMetrics?: boolean): AsyncGenerator<GzipPart>;
  /** The same, in one synchronous pass (small registries, tests). */
  renderSync(): string;
  /**
   * Compresses the steady families' blocks now, a turn of the event loop given back now and then,
   * so that the first gzipped scrape after a start finds most of them compressed already.
   */
  prime(): Promise<void>;
}

const REASON_INDEX = new Map<string, number>(REASONS.map((r, i) => [r, i]));

interface Family {
  name: string;
  help: string;
  type: 'gauge' | 'counter' | 'histogram';
  /** Only at `metrics.detail: full`. */
  full?: true;
  /** Its lines change only with the check (the cell's tick of that name): compressed by blocks and kept. */
  steady?: SteadyFamily;
  /**
   * More series of the family before it, listed after all of that one's (no HELP and TYPE of its
   * own): a family's steady series apart from those that change at every run.
   */
  continues?: true;
  /**
   * Pushes the check's lines as parts to be joined: constant texts, the check's label text
   * (shared by all its lines) and its values. Nothing is kept rendered between scrapes.
   */
  lines(c: Cell, out: string[]): void;
}

const num = (v: number): string => (v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : Number.isNaN(v) ? 'NaN' : String(v));

/** `name{` + labels + `} value\n` as parts; `close` is what comes after the check's labels up to the value. */
function line(out: string[], open: string, c: Cell, close: string, value: string): void {
  out.push(open, c.l, close, value, '\n');
}

const STATE_CLOSE = CHECK_STATES.map((st) => [`,state="${st}"} 0\n`, `,state="${st}"} 1\n`] as const);
const UP_CLOSE = ['} 0\n', '} 1\n'] as const;
const BUCKET_OPEN = [...DURATION_BUCKETS.map((b) => `outpost_check_duration_seconds_bucket{le="${b}",`), 'outpost_check_duration_seconds_bucket{le="+Inf",'];
const REASON_CLOSE = REASONS.map((r) => `,reason="${r}"} `);
const PHASE_CLOSE = PHASE_NAMES.map((ph) => `,phase="${ph}"} `);

const FAMILIES: Family[] = [
  { name: 'outpost_check_info', help: 'Configured check (1); metadata in labels, join with group_left.', type: 'gauge', steady: 'infoChanged', lines: (c, o) => o.push('outpost_check_info{', c.l, c.info, '} 1\n') },
  {
    name: 'outpost_check_up',
    help: '1 when the last run of the check succeeded, else 0.',
    type: 'gauge',
    steady: 'upChanged',
    lines: (c, o) => {
      if (c.up !== undefined) o.push('outpost_check_up{', c.l, UP_CLOSE[c.up]!);
    },
  },
  {
    name: 'outpost_check_state',
    help: 'Current state of the check: 1 for the current state, 0 for the others.',
    type: 'gauge',
    steady: 'stateChanged',
    lines: (c, o) => {
      for (let i = 0; i < CHECK_STATES.length; i++) o.push('outpost_check_state{', c.l, STATE_CLOSE[i]![CHECK_STATES[i] === c.state ? 1 : 0]);
    },
  },
  {
    name: 'outpost_check_duration_seconds',
    help: 'Duration of check runs, retries included.',
    type: 'histogram',
    full: true,
    lines: (c, o) => {
      if (!c.buckets) return;
      let acc = 0;
      for (let i = 0; i <= DURATION_BUCKETS.length; i++) {
        acc += c.buckets[i]!;
        o.push(BUCKET_OPEN[i]!, c.l, '} ', String(acc), '\n');
      }
      line(o, 'outpost_check_duration_seconds_sum{', c, '} ', num(c.sum));
      line(o, 'outpost_check_duration_seconds_count{', c, '} ', String(c.count));
    },
  },
  {
    name: 'outpost_check_runs_total',
    help: 'Check runs by result.',
    type: 'counter',
    lines: (c, o) => line(o, 'outpost_check_runs_total{', c, ',result="success"} ', String(c.success)),
  },
  {
    // The failure counts of every check after the success counts: they change only when a run fails.
    name: 'outpost_check_runs_total',
    help: '',
    type: 'counter',
    continues: true,
    steady: 'failChanged',
    lines: (c, o) => line(o, 'outpost_check_runs_total{', c, ',result="failure"} ', String(c.failure)),
  },
  { name: 'outpost_check_attempts_total', help: 'HTTP requests made by check runs, retries included.', type: 'counter', full: true, lines: (c, o) => line(o, 'outpost_check_attempts_total{', c, '} ', String(c.attempts)) },
  {
    name: 'outpost_check_failures_total',
    help: 'Failed check runs by reason.',
    type: 'counter',
    steady: 'failChanged',
    lines: (c, o) => {
      if (!c.failures) return;
      for (let i = 0; i < REASONS.length; i++) if (c.failures[i]! > 0) line(o, 'outpost_check_failures_total{', c, REASON_CLOSE[i]!, String(c.failures[i]));
    },
  },
  { name: 'outpost_check_consecutive_failures', help: 'Failed runs in a row.', type: 'gauge', full: true, lines: (c, o) => line(o, 'outpost_check_consecutive_failures{', c, '} ', String(c.consecutive)) },
  {
    name: 'outpost_check_last_run_timestamp_seconds',
    help: 'When the last run of the check ended.',
    type: 'gauge',
    // Opt-in: nothing shipped reads it, and whether a check still runs is `outpost_check_runs_total`'s increase.
    full: true,
    lines: (c, o) => {
      if (c.lastRun !== undefined) line(o, 'outpost_check_last_run_timestamp_seconds{', c, '} ', num(c.lastRun));
    },
  },
  {
    name: 'outpost_check_last_success_timestamp_seconds',
    help: 'When the last successful run of the check ended.',
    type: 'gauge',
    lines: (c, o) => {
      if (c.lastSuccess !== undefined) line(o, 'outpost_check_last_success_timestamp_seconds{', c, '} ', num(c.lastSuccess));
    },
  },
  {
    name: 'outpost_check_last_duration_seconds',
    help: 'Duration of the last run of the check, retries included.',
    type: 'gauge',
    lines: (c, o) => {
      if (c.lastDuration !== undefined) line(o, 'outpost_check_last_duration_seconds{', c, '} ', num(c.lastDuration));
    },
  },
  {
    name: 'outpost_check_http_status_code',
    help: 'HTTP status of the last answer (0 when none).',
    type: 'gauge',
    steady: 'httpChanged',
    lines: (c, o) => {
      if (c.httpStatus !== undefined) line(o, 'outpost_check_http_status_code{', c, '} ', String(c.httpStatus));
    },
  },
  {
    name: 'outpost_check_phase_duration_seconds',
    help: 'Duration of each phase of the last run, summed over redirects and steps.',
    type: 'gauge',
    full: true,
    lines: (c, o) => {
      if (!c.phases) return;
      for (let i = 0; i < PHASE_NAMES.length; i++) line(o, 'outpost_check_phase_duration_seconds{', c, PHASE_CLOSE[i]!, num(c.phases[i]!));
    },
  },
];

const HEADERS = FAMILIES.map((f) => (f.continues ? '' : `# HELP ${f.name} ${f.help}\n# TYPE ${f.name} ${f.type}\n`));
/** Bytes of exposition per batch written to the socket or to gzip, and parts joined into each piece encoded into it (see familyBatches). */
const BATCH_BYTES = 512 * 1024;
const PIECE_PARTS = 2048;
/** Checks per compressed block of a steady family: ~380 KB of outpost_check_state text, ~110 KB of info. */
const BLOCK_CHECKS = 1024;
/**
 * Fewer checks than this are compressed whole at every scrape, as text: little to save, and
 * pieces of a few hundred bytes, each with a window of its own, compress poorly.
 */
const MIN_BLOCKED_CHECKS = 256;
/** OpenMetrics: counter families are named without `_total`, and families are not separated by blank lines. */
const HEADERS_OM = FAMILIES.map((f) => {
  if (f.continues) return '';
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

/** A steady family's lines of checks [from, to) of a scrape's list. */
interface Block {
  f: number;
  from: number;
  to: number;
}

/** A block's compressed lines, and what they were made of: which cells, as of which tick. */
interface Kept {
  serials: Float64Array;
  at: number;
  deflated: Deflated;
}

/** Strings as UTF-8 batches of about `size` bytes; with no size, one buffer that grows. */
function createBatcher(size = BATCH_BYTES) {
  let batch: Buffer | undefined;
  let pos = 0;
  const grow = (need: number): void => {
    const bigger = Buffer.allocUnsafeSlow(Math.max(need, 2 * batch!.length));
    batch!.copy(bigger, 0, 0, pos);
    batch = bigger;
  };
  const take = (): Buffer | undefined => {
    const full = batch && pos > 0 ? batch.subarray(0, pos) : undefined;
    batch = undefined;
    pos = 0;
    return full;
  };
  return {
    /** Adds a piece; returns the batch before it when the piece might not have fitted in. */
    add(piece: string): Buffer | undefined {
      // UTF-8 takes at most 3 bytes per UTF-16 unit: the batch goes out when it might not hold the piece.
      let out: Buffer | undefined;
      if (batch && pos + piece.length * 3 > batch.length) {
        if (size === Infinity) grow(pos + piece.length * 3);
        else out = take();
      }
      batch ??= Buffer.allocUnsafeSlow(Math.max(size === Infinity ? BATCH_BYTES : size, piece.length * 3));
      pos += batch.write(piece, pos, 'utf8');
      return out;
    },
    /** What is left. */
    take,
  };
}

export function createCheckSeries(): CheckSeries {
  /** Keyed by the rendered label text: one entry per label set, as in a prom-client metric. */
  const cells = new Map<string, Cell>();
  /** Counts changes of steady families' lines; a cell's *Changed fields hold ticks of it. */
  let tick = 0;
  let serials = 0;
  /** Compressed blocks of the steady families, by family then block. */
  const kept: (Kept | undefined)[][] = FAMILIES.map(() => []);
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
      const at = ++tick;
      c = {
        serial: ++serials,
        l,
        info: infoText(k),
        full: k.metricsDetail === 'full',
        state: 'unknown',
        consecutive: 0,
        success: 0,
        failure: 0,
        attempts: 0,
        sum: 0,
        count: 0,
        infoChanged: at,
        upChanged: at,
        stateChanged: at,
        httpChanged: at,
        failChanged: at,
      };
      cells.set(l, c);
    }
    return c;
  };

  const setUp = (c: Cell, up: 0 | 1 | undefined): void => {
    if (c.up === up) return;
    if (up === undefined) delete c.up;
    else c.up = up;
    c.upChanged = ++tick;
  };
  const setState = (c: Cell, state: CheckState): void => {
    if (c.state === state) return;
    c.state = state;
    c.stateChanged = ++tick;
  };

  /**
   * Family by family (the text format wants each family in one group): each check's lines pushed
   * as parts (constant texts, its label text, its values), joined ~PIECE_PARTS parts at a time
   * and encoded into batches of ~512 KB. Nothing is rendered between scrapes and no line is
   * kept: at 10,000 checks the cached lines were 15 MB of heap, and rendering them after every
   * run made ~1.5 KB of long-lived strings a run for the young-generation GC to copy and promote.
   * Few, large batches: each is a write to the socket.
   */
  function* familyBatches(list: readonly Cell[], openMetrics = false): Generator<Buffer[]> {
    const b = createBatcher();
    for (const piece of sections(list, openMetrics, false)) {
      if (typeof piece !== 'string') continue; // no blocks asked for: never
      const full = b.add(piece);
      if (full) yield [full];
    }
    const last = b.take();
    if (last) yield [last];
  }

  /**
   * The exposition's text, family by family, as strings joined from about PIECE_PARTS parts; with
   * `blocks`, a steady family's lines as blocks of BLOCK_CHECKS checks instead, rendered (or not)
   * by the consumer.
   */
  function* sections(list: readonly Cell[], openMetrics: boolean, blocks: boolean, steadyOnly = false): Generator<string | Block> {
    const parts: string[] = [];
    for (let f = 0; f < FAMILIES.length; f++) {
      const fam = FAMILIES[f]!;
      if (steadyOnly && !fam.steady) continue;
      parts.push((openMetrics ? HEADERS_OM : HEADERS)[f]!);
      if (blocks && fam.steady) {
        yield parts.join('');
        parts.length = 0;
        for (let from = 0; from < list.length; from += BLOCK_CHECKS) yield { f, from, to: Math.min(list.length, from + BLOCK_CHECKS) };
      } else yield* joinedLines(fam, list, 0, list.length, parts);
      if (!openMetrics && !FAMILIES[f + 1]?.continues) parts.push('\n');
    }
    if (parts.length) yield parts.join('');
  }

  /**
   * The family's lines of checks [from, to) pushed onto `parts`, joined and yielded each time
   * PIECE_PARTS parts have gathered; what is left stays in `parts` for the caller.
   */
  function* joinedLines(fam: Family, list: readonly Cell[], from: number, to: number, parts: string[]): Generator<string> {
    for (let i = from; i < to; i++) {
      const c = list[i]!;
      if (fam.full && !c.full) continue;
      fam.lines(c, parts);
      if (parts.length >= PIECE_PARTS) {
        yield parts.join('');
        parts.length = 0;
      }
    }
  }

  /** Compressed lines kept for the block, if none of its checks changed (or came or went) since. */
  function keptFor(b: Block, list: readonly Cell[]): Deflated | undefined {
    const k = kept[b.f]![b.from / BLOCK_CHECKS];
    const steady = FAMILIES[b.f]!.steady!;
    if (!k || k.serials.length !== b.to - b.from) return undefined;
    for (let i = b.from; i < b.to; i++) {
      const c = list[i]!;
      if (c.serial !== k.serials[i - b.from] || c[steady] > k.at) return undefined;
    }
    return k.deflated;
  }

  /** A block's lines in one buffer, joined PIECE_PARTS parts at a time. */
  function blockText(b: Block, list: readonly Cell[]): Buffer {
    const batcher = createBatcher(Infinity);
    const parts: string[] = [];
    for (const piece of joinedLines(FAMILIES[b.f]!, list, b.from, b.to, parts)) batcher.add(piece);
    if (parts.length) batcher.add(parts.join(''));
    return batcher.take() ?? Buffer.alloc(0);
  }

  function* gzipPartsOf(list: readonly Cell[], openMetrics: boolean, steadyOnly = false): Generator<GzipPart> {
    const batcher = createBatcher();
    for (const s of sections(list, openMetrics, list.length >= MIN_BLOCKED_CHECKS, steadyOnly)) {
      if (typeof s === 'string') {
        const full = batcher.add(s);
        if (full) yield { text: full };
        continue;
      }
      const loose = batcher.take();
      if (loose) yield { text: loose };
      const deflated = keptFor(s, list);
      if (deflated) {
        yield { deflated };
        continue;
      }
      const serialsOf = new Float64Array(s.to - s.from);
      for (let i = s.from; i < s.to; i++) serialsOf[i - s.from] = list[i]!.serial;
      const at = tick;
      const blocks = kept[s.f]!;
      const index = s.from / BLOCK_CHECKS;
      yield { text: blockText(s, list), keep: (d) => (blocks[index] = { serials: serialsOf, at, deflated: d }) };
    }
    const last = batcher.take();
    if (last) yield { text: last };
  }

  return {
    declare(k, state, up, consecutiveFailures) {
      const c = cellOf(k);
      const info = infoText(k);
      if (info !== c.info) {
        c.info = info;
        c.infoChanged = ++tick;
      }
      c.full = k.metricsDetail === 'full';
      if (!c.full) c.buckets = c.phases = undefined;
      setState(c, state);
      setUp(c, up === null ? undefined : up ? 1 : 0);
      c.consecutive = consecutiveFailures;
    },
    record(k, r) {
      const c = cellOf(k);
      setUp(c, r.ok ? 1 : 0);
      setState(c, r.state);
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
      if (!r.ok) c.failChanged = ++tick;
      if (!r.ok && r.reason) {
        const f = (c.failures ??= new Float64Array(REASONS.length));
        f[REASON_INDEX.get(r.reason)!]!++;
      }
      c.consecutive = r.consecutiveFailures;
      c.lastRun = r.at;
      if (r.ok) c.lastSuccess = r.at;
      if (c.httpStatus !== r.httpStatus) {
        c.httpStatus = r.httpStatus;
        c.httpChanged = ++tick;
      }
    },
    remove(k) {
      cells.delete(textOf(k));
    },
    size: () => cells.size,
    async *chunks(openMetrics = false) {
      // The checks as they are now; a check a reload removes meanwhile still ends this scrape.
      yield* familyBatches([...cells.values()], openMetrics);
    },
    async *gzipParts(openMetrics = false) {
      yield* gzipPartsOf([...cells.values()], openMetrics);
    },
    async prime() {
      const list = [...cells.values()];
      if (list.length < MIN_BLOCKED_CHECKS) return;
      async function* steady() {
        yield* gzipPartsOf(list, false, true);
      }
      for await (const _ of gzipMember(steady()));
    },
    async render() {
      return this.renderSync();
    },
    renderSync() {
      const parts: Buffer[] = [];
      for (const batch of familyBatches([...cells.values()])) parts.push(...batch);
      return Buffer.concat(parts).toString('utf8');
    },
  };
}
