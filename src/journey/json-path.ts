/** A small JSON path: `data.items[0].id`, `$.items`, `items.0`. Parsed once at load. */
import type { JsonPath } from '../config/types.js';

export function parseJsonPath(text: string): JsonPath | undefined {
  let s = text.trim();
  if (s === '$' || s === '') return [];
  if (s.startsWith('$.')) s = s.slice(2);
  else if (s.startsWith('$[')) s = s.slice(1);
  const out: (string | number)[] = [];
  const re = /([^.[\]]+)|\[(\d+)\]|\[["']([^"']+)["']\]|(\.)/gy;
  let m: RegExpExecArray | null;
  while (re.lastIndex < s.length && (m = re.exec(s))) {
    if (m[1] !== undefined) out.push(/^\d+$/.test(m[1]) ? Number(m[1]) : m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[3] !== undefined) out.push(m[3]);
  }
  if (re.lastIndex !== s.length) return undefined;
  return out;
}

export function getPath(value: unknown, path: JsonPath): unknown {
  let cur: unknown = value;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[key];
  }
  return cur;
}
