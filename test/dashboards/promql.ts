/**
 * Just enough PromQL lexing to list the metric names an expression reads: strings, label
 * matchers, ranges and grouping label lists are dropped, then every identifier that is not a
 * function call, keyword or number is a metric name.
 */
const KEYWORDS = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'atan2', 'inf', 'nan']);

export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, ' ');
  const names = new Set<string>();
  for (const m of bare.matchAll(/(?<![\w.:])[a-zA-Z_:][\w:]*/g)) {
    const word = m[0];
    const isCall = /^\s*\(/.test(bare.slice((m.index ?? 0) + word.length));
    if (!isCall && !KEYWORDS.has(word.toLowerCase())) names.add(word);
  }
  return [...names];
}
