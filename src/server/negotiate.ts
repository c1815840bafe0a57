/**
 * Content negotiation of /metrics, as an exporter does it: the exposition format from `Accept`
 * (OpenMetrics 1.0.0 when the scraper prefers it, the classic Prometheus text otherwise) and gzip
 * from `Accept-Encoding`. Pure functions over header values, no I/O.
 */

export type ExpositionFormat = 'prometheus' | 'openmetrics';

export const CONTENT_TYPES: Record<ExpositionFormat, string> = {
  prometheus: 'text/plain; version=0.0.4; charset=utf-8',
  openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
};

interface MediaRange {
  type: string;
  params: Record<string, string>;
  q: number;
}

/** At most this many entries of a header are looked at (a hostile header cannot cost more). */
const MAX_ENTRIES = 32;

function parseList(header: string | undefined): MediaRange[] {
  if (!header) return [];
  return header
    .split(',')
    .slice(0, MAX_ENTRIES)
    .map((part) => {
      const [type = '', ...rest] = part.split(';');
      const params: Record<string, string> = {};
      let q = 1;
      for (const p of rest.slice(0, MAX_ENTRIES)) {
        const i = p.indexOf('=');
        if (i < 0) continue;
        const k = p.slice(0, i).trim().toLowerCase();
        const v = p.slice(i + 1).trim().replace(/^"(.*)"$/, '$1');
        if (k === 'q') q = Number.isFinite(Number(v)) ? Math.min(1, Math.max(0, Number(v))) : 0;
        else params[k] = v;
      }
      return { type: type.trim().toLowerCase(), params, q };
    })
    .filter((m) => m.type);
}

/**
 * The format to answer with. OpenMetrics when the scraper gives `application/openmetrics-text`
 * (version 1.0.0, 0.0.1 or none: the text is the same) a q at least as high as the classic
 * format's (`text/plain`, or `*` wildcards); the classic text otherwise, also without `Accept`.
 */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  let om = 0;
  let classic = 0;
  for (const m of parseList(accept)) {
    if (m.type === 'application/openmetrics-text') {
      const v = m.params.version;
      if (v === undefined || v === '1.0.0' || v === '0.0.1') om = Math.max(om, m.q);
    } else if (m.type === 'text/plain' || m.type === 'text/*' || m.type === '*/*') {
      classic = Math.max(classic, m.q);
    }
  }
  return om > 0 && om >= classic ? 'openmetrics' : 'prometheus';
}

/** Whether to gzip the answer: `gzip` (or `*`) with a q above 0, and gzip not refused. */
export function wantsGzip(acceptEncoding: string | undefined): boolean {
  let gzip: number | undefined;
  let any: number | undefined;
  for (const m of parseList(acceptEncoding)) {
    if (m.type === 'gzip' || m.type === 'x-gzip') gzip = Math.max(gzip ?? 0, m.q);
    else if (m.type === '*') any = m.q;
  }
  return (gzip ?? any ?? 0) > 0;
}
