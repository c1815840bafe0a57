/**
 * Identical compiled pieces built once per config load and shared by every check that has them.
 *
 * A config of thousands of checks repeats itself: the same `expect: { status: [200] }`, the same
 * JSON paths, the same request paths and headers. Compiled one by one, each check held its own
 * copy (a status-matcher closure with two Sets, arrays, objects with their own hidden classes):
 * ~1 KB per check of the ~2 KB a compiled check cost. Shared, a piece costs its memory once.
 *
 * The cache lives only while one config is compiled (`sharing`), so a reload never keeps pieces
 * of an old config alive, and outside a compile every call simply builds a fresh piece. Shared
 * pieces are frozen (plain objects and arrays only: a RegExp or a function is left as it is, a
 * frozen RegExp leaves V8's fast path): a run that wrote into one would change every check.
 */

let pieces: Map<string, unknown> | undefined;

/** Runs `compile` with a fresh cache of shared pieces, dropped when it returns. */
export function sharing<T>(compile: () => T): T {
  const outer = pieces;
  pieces = new Map();
  try {
    return compile();
  } finally {
    pieces = outer;
  }
}

/**
 * The piece of this kind and key compiled earlier in this load, or `make()`'s. A piece is kept
 * for sharing only when `keep(piece)` says so (for example: compiling it reported no issue, since
 * issues carry the path of the check they were found in).
 */
export function shared<T>(kind: string, key: string, make: () => T, keep: (piece: T) => boolean = () => true): T {
  if (!pieces) return make();
  const k = `${kind}\u0000${key}`;
  const known = pieces.get(k);
  if (known !== undefined) return known as T;
  const made = make();
  if (keep(made)) pieces.set(k, freeze(made));
  return made;
}

/** Deep freeze of plain objects and arrays (what `shared` hands out more than once). */
function freeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== Array.prototype && proto !== null) return value;
  Object.freeze(value);
  for (const v of Object.values(value as object)) freeze(v);
  return value;
}

/** One frozen empty list for every step without headers or extractors. */
export const NONE: readonly never[] = Object.freeze([]);
