/** `outpost report` as a terminal table or a one-page HTML report (with an inline SVG chart). Pure. */
import { formatAmount } from '../impact/format.js';
import { humanDuration } from '../notify/payload.js';
import type { CheckReport, GroupReport, Report } from './build.js';

const dash = '—';
const pctText = (a: number | null): string => (a === null ? dash : `${a.toFixed(a === 100 ? 0 : 3).replace(/0+$/, '').replace(/\.$/, '')}%`);
const dur = (s: number): string => (s > 0 ? humanDuration(s * 1000) : dash);
const impactText = (list: readonly { unit: string; estimated: number }[]): string => (list.length ? list.map((i) => `≈ ${formatAmount(i.estimated, i.unit)}`).join(' + ') : dash);
const reasonsText = (r: Partial<Record<string, number>>): string =>
  Object.entries(r)
    .filter(([, s]) => (s ?? 0) > 0)
    .sort(([, a], [, b]) => (b ?? 0) - (a ?? 0))
    .map(([reason, s]) => `${reason} ${humanDuration((s ?? 0) * 1000)}`)
    .join(', ') || dash;

const period = (r: Report): string => `${r.since.slice(0, 16).replace('T', ' ')} → ${r.until.slice(0, 16).replace('T', ' ')} UTC`;

export function renderTable(r: Report): string {
  const rows: string[][] = [['GROUP / CHECK', 'AVAILABILITY', 'INCIDENTS', 'DOWN', 'LONGEST', 'IMPACT', 'DOWN BY REASON']];
  const row = (name: string, x: GroupReport | CheckReport, impact: string): string[] => [
    name,
    pctText(x.availability),
    String(x.incidents),
    dur(x.downSeconds),
    x.longestIncident ? dur(x.longestIncident.seconds) : dash,
    impact,
    reasonsText(x.downByReason),
  ];
  for (const g of r.groups) {
    rows.push(row(g.name, g, impactText(g.impact)));
    for (const c of g.checks) rows.push(row(`  ${c.id.slice(g.name.length + 1)}`, c, ''));
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((x) => [...x[i]!].length)));
  const lines = rows.map((x) => x.map((cell, i) => (i === x.length - 1 ? cell : cell + ' '.repeat(widths[i]! - [...cell].length))).join('  ').trimEnd());
  const head = `Outpost report ${period(r)} (from ${r.source})`;
  const total = r.totalImpact.length ? `\nEstimated impact in the period: ${impactText(r.totalImpact)}` : '';
  const empty = r.groups.length === 0 ? '\nNothing recorded in this period.' : '';
  return `${head}\n\n${lines.join('\n')}\n${total}${empty}\n`;
}

export function renderJson(r: Report): string {
  return JSON.stringify(r, null, 2) + '\n';
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Daily downtime per group as bars: one row of bars per group, a day per bar, taller is longer down. */
function chart(r: Report): string {
  const days = r.groups[0]?.daily.length ?? 0;
  if (days === 0) return '';
  const barW = Math.max(3, Math.min(24, Math.floor(720 / days)));
  const rowH = 48;
  const left = 110;
  const width = left + days * barW + 10;
  const height = r.groups.length * rowH + 24;
  const max = Math.max(60, ...r.groups.flatMap((g) => g.daily.map((d) => d.downSeconds)));
  const parts: string[] = [];
  r.groups.forEach((g, gi) => {
    const base = gi * rowH + rowH - 6;
    parts.push(`<text x="0" y="${base - 14}" class="label">${esc(g.name)}</text>`);
    parts.push(`<line x1="${left}" y1="${base}" x2="${width - 10}" y2="${base}" class="axis"/>`);
    g.daily.forEach((d, di) => {
      if (d.downSeconds <= 0) return;
      const h = Math.max(2, Math.round((d.downSeconds / max) * (rowH - 12)));
      parts.push(
        `<rect x="${left + di * barW}" y="${base - h}" width="${barW - 1}" height="${h}" class="down" data-group="${esc(g.name)}" data-date="${d.date}"><title>${esc(g.name)} ${d.date}: down ${esc(humanDuration(d.downSeconds * 1000))}, availability ${pctText(d.availability)}</title></rect>`,
      );
    });
  });
  const first = r.groups[0]!.daily[0]!.date;
  const last = r.groups[0]!.daily.at(-1)!.date;
  parts.push(`<text x="${left}" y="${height - 4}" class="label">${first}</text><text x="${width - 10}" y="${height - 4}" class="label" text-anchor="end">${last}</text>`);
  return `<figure><svg role="img" aria-label="Time down per day and platform" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">${parts.join('')}</svg>
<figcaption>Time down per day (the longest-down check of each platform); hover a bar for the day.</figcaption></figure>`;
}

export function renderHtml(r: Report): string {
  const rows = r.groups
    .map((g) => {
      const head = `<tr class="group" data-group="${esc(g.name)}"><th scope="row">${esc(g.name)}</th><td>${pctText(g.availability)}</td><td>${g.incidents}</td><td>${esc(dur(g.downSeconds))}</td><td>${esc(g.longestIncident ? dur(g.longestIncident.seconds) : dash)}</td><td class="impact">${esc(impactText(g.impact))}</td><td>${esc(reasonsText(g.downByReason))}</td></tr>`;
      const checks = g.checks
        .map(
          (c) =>
            `<tr class="check" data-check="${esc(c.id)}"><th scope="row">${esc(c.id)}</th><td>${pctText(c.availability)}</td><td>${c.incidents}</td><td>${esc(dur(c.downSeconds))}</td><td>${esc(c.longestIncident ? dur(c.longestIncident.seconds) : dash)}</td><td></td><td>${esc(reasonsText(c.downByReason))}</td></tr>`,
        )
        .join('\n');
      return `${head}\n${checks}`;
    })
    .join('\n');
  const total = r.totalImpact.length ? `<p class="total">Estimated impact in the period: <strong>${esc(impactText(r.totalImpact))}</strong></p>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Outpost report ${esc(period(r))}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
table{border-collapse:collapse;width:100%}th,td{padding:4px 8px;text-align:left;border-bottom:1px solid #eee;vertical-align:top}
tr.group th,tr.group td{font-weight:600;border-top:2px solid #ccc}tr.check th{font-weight:400;padding-left:24px}
.total{font-size:16px}.label{font-size:11px;fill:#444}.axis{stroke:#bbb}.down{fill:#c0392b}figcaption{color:#666;font-size:12px}
</style></head><body>
<h1>Availability and impact</h1>
<p class="period">${esc(period(r))} · from ${esc(r.source)}</p>
${total}
${chart(r)}
<table><thead><tr><th>Platform / check</th><th>Availability</th><th>Incidents</th><th>Down</th><th>Longest incident</th><th>Estimated impact</th><th>Down by reason</th></tr></thead>
<tbody>
${rows || '<tr><td colspan="7">Nothing recorded in this period.</td></tr>'}
</tbody></table>
<p class="note">Availability: time up or degraded over time observed, maintenance excluded. A platform's time down: its longest-down check's, day by day. Incidents of a platform: separate periods with any of its incidents open. Impact: docs/impact.md.</p>
</body></html>
`;
}
