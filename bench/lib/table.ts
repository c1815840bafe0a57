/** The results table: figure, value, target, pass/miss. */
export interface Row {
  section: string;
  figure: string;
  value: number | string | null;
  unit: string;
  /** e.g. "< 20", ">= 2000"; empty when the figure has no target. */
  target: string;
  pass: boolean | null;
}

export function row(section: string, figure: string, value: number | string | null, unit: string, target = '', pass: boolean | null = null): Row {
  return { section, figure, value, unit, target, pass };
}

/** pass/miss for `value op limit`; null when the value is missing. */
export function judge(value: number | null | undefined, op: '<' | '<=' | '>=', limit: number): boolean | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  return op === '<' ? value < limit : op === '<=' ? value <= limit : value >= limit;
}

export function renderTable(rows: readonly Row[]): string {
  const cells = rows.map((r) => [r.section, r.figure, r.value === null ? 'n/a' : `${r.value}${r.unit ? ' ' + r.unit : ''}`, r.target, r.pass === null ? (r.target ? 'n/a' : '') : r.pass ? 'pass' : 'MISS']);
  const head = ['section', 'figure', 'value', 'target', 'result'];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => '| ' + c.map((x, i) => x.padEnd(widths[i]!)).join(' | ') + ' |';
  return [line(head), '| ' + widths.map((w) => '-'.repeat(w)).join(' | ') + ' |', ...cells.map(line)].join('\n');
}
