/**
 * The classic Prometheus text as OpenMetrics 1.0.0 text (without the final `# EOF`, which the
 * caller appends after the last family). Samples are the same; what changes is the metadata:
 * a counter family is named without its `_total` suffix (its samples keep it), HELP escapes
 * double quotes, `untyped` is `unknown`, and there are no blank lines.
 */

export const OPENMETRICS_EOF = '# EOF\n';

/** The OpenMetrics family name and type of a classic `# TYPE name type`. */
export function openMetricsFamily(name: string, type: string): { name: string; type: string } {
  if (type === 'counter') return name.endsWith('_total') ? { name: name.slice(0, -'_total'.length), type } : { name, type: 'unknown' };
  if (type === 'untyped') return { name, type: 'unknown' };
  return { name, type };
}

/** HELP text escaping of OpenMetrics: classic text already escapes `\` and newlines; quotes too here. */
function escapeHelp(help: string): string {
  return help.replace(/(?<!\\)"/g, '\\"');
}

export function classicToOpenMetrics(text: string): string {
  const lines = text.split('\n');
  const types = new Map<string, string>();
  for (const l of lines) {
    if (!l.startsWith('# TYPE ')) continue;
    const [name = '', type = ''] = l.slice(7).split(' ');
    types.set(name, type);
  }
  const out: string[] = [];
  for (const l of lines) {
    if (!l) continue;
    if (l.startsWith('# HELP ') || l.startsWith('# TYPE ')) {
      const kind = l.slice(2, 6);
      const rest = l.slice(7);
      const i = rest.indexOf(' ');
      const name = i < 0 ? rest : rest.slice(0, i);
      const value = i < 0 ? '' : rest.slice(i + 1);
      const fam = openMetricsFamily(name, types.get(name) ?? 'untyped');
      out.push(kind === 'HELP' ? `# HELP ${fam.name} ${escapeHelp(value)}` : `# TYPE ${fam.name} ${fam.type}`);
    } else if (!l.startsWith('#')) out.push(l);
  }
  return out.length ? `${out.join('\n')}\n` : '';
}
