/**
 * JSON.stringify's text, built a slice at a time with a turn of the event loop between slices.
 * The state file of 10,000 checks is ~3 MB of JSON: one JSON.stringify held the loop for ~20 ms
 * every 30 s, long enough to make runs start late and a scrape wait. Plain objects with many
 * entries (the checks' states) are written entry by entry, each entry's value through
 * JSON.stringify, and the small objects above them are walked into; everything else goes through
 * JSON.stringify whole. The text is the same as JSON.stringify's: same keys in the same order, an
 * entry whose value JSON leaves out (undefined, a function) left out, no spacing.
 */

/** Objects with more entries than this are written entry by entry, yielding every `slice` entries. */
const MANY = 64;

const isPlain = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype && typeof (v as { toJSON?: unknown }).toJSON !== 'function';

export async function stringifySliced(value: unknown, slice = 500, yieldToLoop: () => Promise<void> = () => new Promise((r) => setImmediate(r))): Promise<string | undefined> {
  const parts: string[] = [];
  let since = 0;
  /** Writes v (known to be a plain object) at depth d. */
  const walk = async (v: Record<string, unknown>, d: number): Promise<void> => {
    parts.push('{');
    let first = true;
    for (const key of Object.keys(v)) {
      const x = v[key];
      const start = parts.length;
      parts.push(first ? '' : ',', JSON.stringify(key), ':');
      if (isPlain(x) && (d < 2 || Object.keys(x).length > MANY)) await walk(x, d + 1);
      else {
        const text = JSON.stringify(x);
        if (text === undefined) {
          parts.length = start;
          continue;
        }
        parts.push(text);
        if (++since >= slice) {
          since = 0;
          await yieldToLoop();
        }
      }
      first = false;
    }
    parts.push('}');
  };
  if (!isPlain(value)) return JSON.stringify(value);
  await walk(value, 0);
  return parts.join('');
}
