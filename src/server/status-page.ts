/**
 * The status page (GET /): server-rendered HTML for people, readable on a phone, refreshing itself.
 * Every string that comes from the config or a run is escaped.
 */
import type { StatusDoc } from './status.js';
import type { Incident } from '../incidents/types.js';
import { REASON_TEXT } from '../reasons.js';
import type { CheckState } from '../state/check-state.js';

const COLOURS: Record<CheckState, string> = { up: '#1a7f37', degraded: '#b7791f', down: '#c62828', unknown: '#6b7280' };
const WORDS: Record<CheckState, string> = { up: 'Operational', degraded: 'Degraded', down: 'Down', unknown: 'No data yet' };

export function escapeHtml(s: unknown): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

export function renderStatusPage(doc: StatusDoc, incidents: { open: Incident[]; recent: Incident[] }, now: number): string {
  const worst = doc.groups.reduce<CheckState>((w, g) => (rank(g.state) > rank(w) ? g.state : w), doc.groups.length ? 'up' : 'unknown');
  const headline = worst === 'down' ? 'Outage in progress' : worst === 'degraded' ? 'Some checks are failing' : worst === 'unknown' ? 'Waiting for the first checks' : 'All platforms operational';
  const e = escapeHtml;
  const groups = doc.groups
    .map((g) => {
      const state = g.maintenance ? 'unknown' : g.state;
      const reasons = [...new Set(g.endpoints.flatMap((ep) => ep.checks.filter((c) => c.state !== 'up' && c.reason).map((c) => c.reason!)))];
      const words = reasons.map((r) => REASON_TEXT[r]).join('; ');
      const rows = g.endpoints
        .flatMap((ep) =>
          ep.checks.map((c) => {
            const strip = c.history
              .map((h) => `<i class="tick ${h.ok ? 'ok' : 'bad'}" title="${e(h.at)}${h.reason ? ` ${e(h.reason)}` : ''}"></i>`)
              .join('');
            const since = formatDuration(now - Date.parse(c.since));
            return `<tr>
  <td><span class="dot" style="background:${COLOURS[c.state]}"></span>${e(ep.name)} / ${e(c.name)}</td>
  <td>${e(WORDS[c.state])}${c.reasonText ? `<div class="why">${e(c.reasonText)} <code>${e(c.reason)}</code></div>` : ''}${c.lastResult?.error && !c.lastResult.ok ? `<div class="err">${e(c.lastResult.error)}</div>` : ''}</td>
  <td class="since">for ${e(since)}</td>
  <td class="strip">${strip}</td>
</tr>`;
          }),
        )
        .join('\n');
      return `<section class="group" data-group="${e(g.name)}" data-state="${e(g.state)}">
<h2><span class="badge" style="background:${COLOURS[state]}">${e(g.maintenance ? 'Maintenance' : WORDS[g.state])}</span> ${e(g.name)}</h2>
${words ? `<p class="reason">${e(words)}</p>` : ''}
<table>${rows}</table>
</section>`;
    })
    .join('\n');
  const openList = incidents.open.length
    ? incidents.open
        .map(
          (i) => `<li class="incident" data-scope="${e(i.scope)}"><strong>${e(i.summary)}</strong><br><small>${e(i.scope)} · ${e(i.reason)} · since ${e(new Date(i.startedAt).toISOString())} · ${e(formatDuration(now - i.startedAt))}</small></li>`,
        )
        .join('\n')
    : '<li class="none">No open incidents.</li>';
  const recentList = incidents.recent
    .slice(0, 10)
    .map((i) => `<li><span>${e(i.summary)}</span><br><small>${e(new Date(i.startedAt).toISOString())} · lasted ${e(formatDuration((i.resolvedAt ?? now) - i.startedAt))}</small></li>`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="10">
<title>${e(headline)} · Outpost ${e(doc.location)}</title>
<style>
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1f2328}
header{padding:16px 20px;color:#fff;background:${COLOURS[worst]}}
header h1{margin:0;font-size:1.4rem}header p{margin:4px 0 0;opacity:.9}
main{max-width:960px;margin:0 auto;padding:12px}
.group,.incidents{background:#fff;border-radius:8px;padding:12px 16px;margin:12px 0;box-shadow:0 1px 2px #0001}
h2{font-size:1.15rem;margin:4px 0}.badge{color:#fff;border-radius:4px;padding:2px 8px;font-size:.8rem;vertical-align:middle}
.reason{margin:4px 0 8px;font-weight:600}
table{width:100%;border-collapse:collapse}td{padding:6px 4px;border-top:1px solid #eee;vertical-align:top;font-size:.92rem}
.dot{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:6px}
.why{color:#555;font-size:.85rem}.err{color:#8a1c1c;font-size:.8rem;word-break:break-word}.since{white-space:nowrap;color:#555}
.strip{white-space:nowrap}.tick{display:inline-block;width:5px;height:16px;margin-right:1px;border-radius:1px}.ok{background:#2da44e}.bad{background:#cf222e}
footer{text-align:center;color:#666;font-size:.85rem;padding:16px}
@media (max-width:600px){.strip{display:none}td{font-size:.85rem}}
</style>
</head>
<body>
<header><h1>${e(headline)}</h1><p>Outpost synthetic checks from <strong>${e(doc.location)}</strong> · updated ${e(doc.generatedAt)}</p></header>
<main>
<section class="incidents"><h2>Open incidents</h2><ul>${openList}</ul>${recentList ? `<h2>Recently resolved</h2><ul>${recentList}</ul>` : ''}</section>
${groups}
</main>
<footer><a href="/metrics">/metrics</a> · <a href="/api/v1/status">/api/v1/status</a> · <a href="/api/v1/incidents">/api/v1/incidents</a></footer>
</body>
</html>
`;
}

function rank(s: CheckState): number {
  return { unknown: 0, up: 1, degraded: 2, down: 3 }[s];
}
