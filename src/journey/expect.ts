/**
 * Expectations on one answer (status, JSON paths, feed items and their age, body patterns,
 * response time) and extraction of variables. Pure: data in, data out.
 */
import type { Expectations, Extractor } from '../config/types.js';
import type { Reason } from '../reasons.js';
import { getPath } from './json-path.js';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Body as text (decoded as UTF-8). */
  text: string;
  /** Parsed JSON, or undefined when the body is not JSON. */
  json: unknown;
  jsonError: boolean;
  finalUrl: URL;
  /** Cookies set along the way. */
  cookies: ReadonlyMap<string, string>;
  durationMs: number;
}

export interface Unmet {
  reason: Reason;
  message: string;
}

export function checkExpectations(e: Expectations, a: Answer, expectJson: boolean, now: number): Unmet[] {
  const out: Unmet[] = [];
  if (!e.status(a.status)) out.push({ reason: 'assertion_failed', message: `status ${a.status}, expected ${e.statusText}` });
  if (expectJson && a.jsonError) {
    out.push({ reason: 'invalid_response', message: 'body is not valid JSON' });
    return out;
  }
  for (const j of e.json) {
    const v = getPath(a.json, j.path);
    if (j.exists !== false && v === undefined) {
      out.push({ reason: 'invalid_response', message: `${j.pathText} is missing` });
      continue;
    }
    if (j.exists === false && v !== undefined) out.push({ reason: 'assertion_failed', message: `${j.pathText} should be absent` });
    if (j.equals !== undefined && v !== j.equals) out.push({ reason: 'assertion_failed', message: `${j.pathText} is not ${JSON.stringify(j.equals)}` });
    if (j.minCount !== undefined) {
      const n = Array.isArray(v) ? v.length : v && typeof v === 'object' ? Object.keys(v).length : 0;
      if (n < j.minCount) out.push({ reason: 'assertion_failed', message: `${j.pathText} has ${n} entries, need ${j.minCount}` });
    }
  }
  if (e.items) {
    const items = getPath(a.json, e.items.path);
    if (!Array.isArray(items)) {
      out.push({ reason: 'invalid_response', message: `${e.items.pathText} is not a list` });
    } else if (items.length < e.items.minItems) {
      out.push({ reason: 'feed_empty', message: `feed has ${items.length} items, need ${e.items.minItems}` });
    } else if (e.items.timestamp && e.items.maxAgeMs !== undefined && items.length > 0) {
      let newest = -Infinity;
      for (const item of items) {
        const t = parseTimestamp(getPath(item, e.items.timestamp));
        if (t !== undefined && t > newest) newest = t;
      }
      if (newest === -Infinity) out.push({ reason: 'invalid_response', message: 'no item has a readable timestamp' });
      else if (now - newest > e.items.maxAgeMs) {
        out.push({ reason: 'feed_stale', message: `newest item is ${formatAge(now - newest)} old, allowed ${formatAge(e.items.maxAgeMs)}` });
      }
    }
  }
  for (const re of e.bodyMatches) if (!re.test(a.text)) out.push({ reason: 'assertion_failed', message: `body does not match /${re.source}/` });
  for (const re of e.bodyNotMatches) if (re.test(a.text)) out.push({ reason: 'assertion_failed', message: `body matches /${re.source}/` });
  if (e.maxDurationMs !== undefined && a.durationMs > e.maxDurationMs) {
    out.push({ reason: 'assertion_failed', message: `took ${Math.round(a.durationMs)}ms, allowed ${e.maxDurationMs}ms` });
  }
  return out;
}

/** ISO 8601 strings, unix seconds, unix milliseconds (numbers or numeric strings). */
function parseTimestamp(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v < 1e12 ? v * 1000 : v;
  if (typeof v === 'string' && v !== '') {
    if (/^\d+(\.\d+)?$/.test(v)) return parseTimestamp(Number(v));
    const t = Date.parse(v);
    return Number.isFinite(t) ? t : undefined;
  }
  return undefined;
}

function formatAge(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  return `${Math.round(s / 3600)}h`;
}

/** Variables from an answer. A missing value is an unmet expectation (invalid_response). */
export function extract(extractors: readonly Extractor[], a: Answer, into: Record<string, string>): Unmet[] {
  const out: Unmet[] = [];
  for (const x of extractors) {
    let v: unknown;
    switch (x.from) {
      case 'json':
        v = getPath(a.json, x.path);
        break;
      case 'header': {
        const h = a.headers[x.header];
        v = Array.isArray(h) ? h[0] : h;
        break;
      }
      case 'cookie':
        v = a.cookies.get(x.cookie);
        break;
      case 'url':
        v = a.finalUrl.href;
        break;
      case 'regex': {
        const m = x.regex.exec(a.text);
        v = m ? (m[1] ?? m[0]) : undefined;
        break;
      }
    }
    if (v === undefined || v === null) out.push({ reason: 'invalid_response', message: `could not extract ${x.name}` });
    else into[x.name] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return out;
}
