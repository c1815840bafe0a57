/**
 * The one metrics reader of the tests: scrape a daemon's /metrics, parse the text exposition into
 * samples, and read one value (summed over the series that match the labels given).
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus text exposition → samples; comments skipped, an unreadable line is an error. */
export function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`unparseable metrics line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** Samples named `name` whose labels include `labels`. */
export function samplesOf(samples: Sample[], name: string, labels: Record<string, string> = {}): Sample[] {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** The sum of the matching samples' values; NaN when no series matches. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  const found = samplesOf(parseMetrics(text), name, labels);
  return found.length ? found.reduce((sum, s) => sum + s.value, 0) : NaN;
}

/** The text of `${url}/metrics` (bounded by a timeout). */
export async function scrape(url: string, init: RequestInit = {}): Promise<string> {
  const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000), ...init });
  return res.text();
}

export async function getMetrics(url: string): Promise<Sample[]> {
  return parseMetrics(await scrape(url));
}
