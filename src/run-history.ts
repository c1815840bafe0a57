/**
 * The last runs of one check, kept compact: three numbers a run in one list of doubles (time,
 * duration, and the HTTP status, outcome, reason and attempts packed in one), plus the error
 * texts only once a run has failed. As objects, 30 runs of 10,000 checks were 300,000 summaries
 * of ~110 bytes each (two of their numbers boxed): 31 MB of live heap once every check had run 30
 * times; kept here, 7 MB. The list is read rarely (the status API, incidents' views, tests) and
 * rebuilt as RunSummary objects when it is; every field comes back exactly as it went in.
 */
import type { RunSummary } from './check-state.js';
import { REASONS, type Reason } from './reasons.js';

/** Numbers kept per run: at, durationMs, flags. */
const WIDTH = 3;
/**
 * flags = httpStatus + 2^16 × (reason code (0: none, else 1 + its index in REASONS) | ok << 5 |
 * attempts × 2^6): an integer within a double's 53 bits for attempts below MAX_ATTEMPTS.
 */
const STATUS_UNIT = 2 ** 16;
/** More attempts than this are kept as this many (a run makes a handful). */
const MAX_ATTEMPTS = 2 ** 30 - 1;
const REASON_BITS = 5;
const OK_BIT = 1 << REASON_BITS;
const ATTEMPTS_UNIT = OK_BIT * 2;
const REASON_MASK = OK_BIT - 1;
/** A reason outside REASONS (never produced by the classifier) keeps its text in `odd`. */
const ODD_REASON = REASON_MASK;
const REASON_CODE = new Map<string, number>(REASONS.map((r, i) => [r, i + 1]));
if (REASONS.length + 1 >= ODD_REASON) throw new Error('run-history: more reasons than its flags can hold');

/**
 * A list of exactly `n` numbers. A plain array holding only numbers stores them unboxed (8 bytes
 * each, V8's double elements) with 32 bytes of overhead; a Float64Array costs ~200 bytes of
 * objects (its ArrayBuffer, and a backing store outside the heap) before its first number.
 */
const numbers = (n: number): number[] => new Array<number>(n).fill(0.5);

const NOTHING: number[] = [];

export class RunHistory {
  /** A ring of `capacity` runs, WIDTH numbers each; grown by doubling up to `limit`. */
  private nums: number[] = NOTHING;
  /** Error text of each slot, once any run has had one (most checks never fail). */
  private errors: (string | null)[] | undefined;
  private odd: (string | undefined)[] | undefined;
  /** Slot of the oldest run. */
  private first = 0;
  private count = 0;

  constructor(private readonly limit: number) {}

  get length(): number {
    return this.count;
  }

  /** Adds a run; beyond `limit` runs the oldest is forgotten. */
  push(r: RunSummary): void {
    const capacity = this.nums.length / WIDTH;
    if (this.count === capacity && capacity < this.limit) this.grow(Math.min(this.limit, Math.max(1, capacity * 2)));
    const cap = this.nums.length / WIDTH;
    let slot: number;
    if (this.count < cap) slot = (this.first + this.count++) % cap;
    else {
      slot = this.first;
      this.first = (this.first + 1) % cap;
    }
    let code = r.reason === null ? 0 : (REASON_CODE.get(r.reason) ?? ODD_REASON);
    if (code === ODD_REASON) (this.odd ??= [])[slot] = r.reason!;
    else if (this.odd) this.odd[slot] = undefined;
    if (r.ok) code |= OK_BIT;
    const at = slot * WIDTH;
    this.nums[at] = r.at;
    this.nums[at + 1] = r.durationMs;
    // A status outside 0-65535 (none is) would not fit: kept as 0, "no answer".
    const status = Number.isInteger(r.httpStatus) && r.httpStatus >= 0 && r.httpStatus < STATUS_UNIT ? r.httpStatus : 0;
    this.nums[at + 2] = status + (code + Math.min(r.attempts, MAX_ATTEMPTS) * ATTEMPTS_UNIT) * STATUS_UNIT;
    if (r.error !== null) (this.errors ??= new Array<string | null>(cap).fill(null))[slot] = r.error;
    else if (this.errors) this.errors[slot] = null;
  }

  /** The runs, oldest first, as new objects. */
  toArray(): RunSummary[] {
    const cap = this.nums.length / WIDTH;
    const out: RunSummary[] = [];
    for (let i = 0; i < this.count; i++) {
      const slot = (this.first + i) % cap;
      const at = slot * WIDTH;
      const packed = this.nums[at + 2]!;
      const flags = Math.floor(packed / STATUS_UNIT);
      const code = flags % OK_BIT;
      out.push({
        ok: (flags & OK_BIT) !== 0,
        reason: code === 0 ? null : code === ODD_REASON ? (this.odd![slot] as Reason) : REASONS[code - 1]!,
        httpStatus: packed % STATUS_UNIT,
        durationMs: this.nums[at + 1]!,
        error: this.errors?.[slot] ?? null,
        at: this.nums[at]!,
        attempts: Math.floor(flags / ATTEMPTS_UNIT),
      });
    }
    return out;
  }

  /** A larger ring, its runs moved to the front in order. */
  private grow(capacity: number): void {
    const cap = this.nums.length / WIDTH;
    const nums = numbers(capacity * WIDTH);
    const errors = this.errors ? new Array<string | null>(capacity).fill(null) : undefined;
    const odd = this.odd ? new Array<string | undefined>(capacity) : undefined;
    for (let i = 0; i < this.count; i++) {
      const slot = (this.first + i) % cap;
      for (let k = 0; k < WIDTH; k++) nums[i * WIDTH + k] = this.nums[slot * WIDTH + k]!;
      if (errors) errors[i] = this.errors![slot] ?? null;
      if (odd) odd[i] = this.odd![slot];
    }
    this.nums = nums;
    this.errors = errors;
    this.odd = odd;
    this.first = 0;
  }
}
