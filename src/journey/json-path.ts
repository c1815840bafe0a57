/**
 * A small JSON path: `data.items[0].id`, `$.items`, `items.0`, `a["odd key"]`. Parsed once at load.
 * Only plain keys and indexes: wildcards (`[*]`, `.*`), recursive descent (`..`), filters and slices
 * are refused with a message that says so, never read as something else.
 */
import type { JsonPath } from '../config/types.js';

/** Why `text` is not a path this reads, or undefined when it is one. */
export function jsonPathProblem(text: string): string | undefined {
  return parse(text).problem;
}

export function parseJsonPath(text: string): JsonPath | undefined {
  return parse(text).path;
}

/** The issue message for a path refused at validation: what is not supported, when that is the reason. */
export function badJsonPath(text: string): string {
  const unsupported = parse(text).unsupported;
  return unsupported ? `${unsupported}; write a path such as data.items[0].id` : 'not a JSON path such as data.items[0].id';
}

function parse(text: string): { path?: JsonPath; problem?: string; unsupported?: string } {
  let s = text.trim();
  if (s === '$' || s === '') return { path: [] };
  const unsupported = (why: string) => ({ problem: why, unsupported: why });
  if (/\.\./.test(s)) return unsupported('recursive descent (..) is not supported');
  if (/\[\s*\*\s*\]|(^|\.)\*(\.|\[|$)/.test(s)) return unsupported('wildcards ([*], .*) are not supported: name one item by its index, e.g. items[0].id');
  if (/\[\s*\?|\[\s*-?\d*\s*:/.test(s)) return unsupported('filters and slices are not supported');
  if (s.startsWith('$.')) s = s.slice(2);
  else if (s.startsWith('$[')) s = s.slice(1);
  const out: (string | number)[] = [];
  const re = /([^.[\]]+)|\[(\d+)\]|\["([^"]+)"\]|\['([^']+)'\]/y;
  let expectKey = true;
  while (re.lastIndex < s.length) {
    if (!expectKey && s[re.lastIndex] === '.') {
      re.lastIndex++;
      if (re.lastIndex >= s.length) return { problem: 'a path cannot end with a dot' };
      expectKey = true;
      continue;
    }
    const m = re.exec(s);
    if (!m) return { problem: `unexpected "${s.slice(re.lastIndex, re.lastIndex + 8)}"` };
    if (m[1] !== undefined) {
      if (!expectKey) return { problem: `a key must follow a dot: "${m[1]}"` };
      out.push(/^\d+$/.test(m[1]) ? Number(m[1]) : m[1]);
    } else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push((m[3] ?? m[4])!);
    expectKey = false;
  }
  if (s.startsWith('.')) return { problem: 'a path cannot start with a dot' };
  // A copy of exactly its length: kept for the config's life, a pushed-to list has room for 17.
  return { path: out.slice() };
}

export function getPath(value: unknown, path: JsonPath): unknown {
  let cur: unknown = value;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[key];
  }
  return cur;
}
