/** Small statistics helpers for the benchmark: percentiles over a bounded sample buffer. */

/** A fixed-capacity buffer of samples (milliseconds); samples beyond capacity are counted, not kept. */
export interface Samples {
  add(v: number): void;
  count(): number;
  summary(): Summary;
}

export interface Summary {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

export function createSamples(capacity = 500_000): Samples {
  // Grown as samples come: the buffer is inside the measured process, and a full one (3.8 MB)
  // would count in its RSS.
  let buf = new Float64Array(Math.min(capacity, 4096));
  let n = 0;
  let total = 0;
  let max = 0;
  return {
    add(v) {
      total++;
      if (v > max) max = v;
      if (n === buf.length && n < capacity) {
        const next = new Float64Array(Math.min(capacity, n * 2));
        next.set(buf);
        buf = next;
      }
      if (n < capacity) buf[n++] = v;
    },
    count: () => total,
    summary() {
      const s = buf.slice(0, n).sort();
      return { n: total, p50: quantile(s, 0.5), p99: quantile(s, 0.99), max };
    },
  };
}

/** Nearest-rank quantile of sorted values (0 when empty). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

export function round(v: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
