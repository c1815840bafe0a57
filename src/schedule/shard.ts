/**
 * Sharding: split the configured endpoints across N Outpost processes of one location
 * (`--shard INDEX/COUNT`, env `OUTPOST_SHARD`). Every endpoint, with all its checks and its
 * session, runs on exactly one shard, chosen by a stable hash of its identity `group/endpoint`, so
 * the split is the same in every process, across restarts and across Outpost versions, and needs
 * no coordination; one login per endpoint, and one shard exports its session age.
 *
 * The hash is the first 4 bytes of SHA-1 over the UTF-8 identity, read as a big-endian unsigned
 * 32-bit integer, modulo COUNT. An operator can reproduce it in a shell:
 *   printf %s facebook/web/login | sha1sum | cut -c1-8   # → hex; the shard is that number mod COUNT
 * Changing this function moves checks between shards: it is pinned by tests.
 *
 * Pure functions, no I/O.
 */
import { createHash } from 'node:crypto';

export interface Shard {
  /** 0-based index of this process, 0 ≤ index < count. */
  readonly index: number;
  /** Number of shards the checks are split across, ≥ 1. */
  readonly count: number;
}

/** The whole set of checks: what a process runs when no shard is given. */
export const ALL_CHECKS: Shard = Object.freeze({ index: 0, count: 1 });

/** Upper bound on COUNT: far above any sensible deployment, low enough to catch typos. */
const MAX_SHARD_COUNT = 1024;

const SHARD_PATTERN = /^(\d{1,9})\/(\d{1,9})$/;

/** The identity of a check: `group/endpoint/check` (names are `[a-z0-9_-]+`). */
export function checkKey(group: string, endpoint: string, check: string): string {
  return `${group}/${endpoint}/${check}`;
}

/** The identity a shard is chosen by: the endpoint's `group/endpoint`. */
export function endpointKey(group: string, endpoint: string): string {
  return `${group}/${endpoint}`;
}

/**
 * Which endpoints a shard runs, for the config loader (an endpoint's checks and its session stay
 * together on one shard); undefined when the process runs everything.
 */
export function shardEndpoints(shard: Shard | undefined): ((group: string, endpoint: string) => boolean) | undefined {
  return shard && shard.count > 1 ? (g, e) => inShard(endpointKey(g, e), shard) : undefined;
}

/**
 * Parse `INDEX/COUNT` (0-based index), e.g. `0/3`, `2/3`. Surrounding whitespace is ignored.
 * Throws an Error naming the input and the rule it breaks.
 */
export function parseShard(text: string): Shard {
  const trimmed = text.trim();
  const match = SHARD_PATTERN.exec(trimmed);
  if (!match) {
    throw new Error(
      `invalid shard "${text}": expected INDEX/COUNT with whole numbers and a 0-based index, e.g. "0/3"`,
    );
  }
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1) {
    throw new Error(`invalid shard "${text}": COUNT must be at least 1`);
  }
  if (count > MAX_SHARD_COUNT) {
    throw new Error(`invalid shard "${text}": COUNT must be at most ${MAX_SHARD_COUNT}`);
  }
  if (index >= count) {
    throw new Error(
      `invalid shard "${text}": INDEX is 0-based and must be less than COUNT (0..${count - 1})`,
    );
  }
  return { index, count };
}

/** `INDEX/COUNT`, the inverse of parseShard; the value of the `shard` label on outpost_build_info. */
export function formatShard(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}

/** The 0-based shard (of `count`) that runs the endpoint (or anything else) with this identity. */
export function shardOf(checkId: string, count: number): number {
  if (!Number.isInteger(count) || count < 1) {
    throw new Error(`shard count must be a positive integer, got ${count}`);
  }
  const digest = createHash('sha1').update(checkId, 'utf8').digest();
  return digest.readUInt32BE(0) % count;
}

/** Whether the process running `shard` runs what has this identity. */
export function inShard(checkId: string, shard: Shard): boolean {
  return shardOf(checkId, shard.count) === shard.index;
}

const MEMO_MAX = 100_000;
const staggerMemo = new Map<string, number>();

/**
 * A stable fraction in [0, 1) of an identity (the same hash as the shard), for spreading runs.
 * Remembered: a start asks it for every check three times (phase, start order, series order), a
 * SHA-1 each (~4 µs: 75 ms of a 10,000-check start went to two such passes). Forgotten past
 * MEMO_MAX ids, so reloads with new ids cannot grow it for ever.
 */
export function staggerFraction(id: string): number {
  let f = staggerMemo.get(id);
  if (f === undefined) {
    if (staggerMemo.size >= MEMO_MAX) staggerMemo.clear();
    f = shardOf(id, 1_000_003) / 1_000_003;
    staggerMemo.set(id, f);
  }
  return f;
}
