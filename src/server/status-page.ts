/**
 * The status page (GET /): server-rendered HTML for people, readable on a phone, refreshing itself.
 * It answers at a glance which platform is broken, how (the reason in words), since when and from
 * where. No script: the page refreshes with a meta tag, so it works under the server's strict CSP.
 *
 * Every string that comes from the config or a run goes through `escapeHtml`; colours and words
 * come from the closed sets below, never from input.
 */
import type { StatusDoc } from './status.js';
import { impactWords } from '../impact/format.js';
import type { Incident } from '../incidents/types.js';
import { REASON_TEXT, type Reason } from '../reasons.js';
import type { CheckState } from '../check-state.js';

const REFRESH_SECONDS = 10;

type GroupDoc = StatusDoc['groups'][number];
type CheckDoc = GroupDoc['endpoints'][number]['checks'][number];
type Shown = CheckState | 'maintenance';

const COLOURS: Record<Shown, string> = { up: '#1a7f37', degraded: '#9a6700', down: '#c62828', unknown: '#6b7280', maintenance: '#1f6feb' };
const WORDS: Record<Shown, string> = { up: 'Operational', degraded: 'Degraded', down: 'Down', unknown: 'No data yet', maintenance: 'Maintenance' };
const RANK: Record<CheckState, number> = { unknown: 0, up: 1, degraded: 2, down: 3 };

export function escapeHtml(s: unknown): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
const e = escapeHtml;

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** `2024-03-05 15:20:07 UTC`: one unambiguous form, whatever the reader's locale. */
export function formatTime(ms: number): string {
  return Number.isFinite(ms) ? `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC` : 'unknown';
}

function timeTag(ms: number): string {
  return Number.isFinite(ms) ? `<time datetime="${e(new Date(ms).toISOString())}">${e(formatTime(ms))}</time>` : 'unknown';
}

const reasonWords = (r: Reason | null | undefined): string => (r ? (REASON_TEXT[r] ?? r) : '');

/** What a group shows: maintenance wins over its state. */
const shownState = (g: GroupDoc): Shown => (g.maintenance ? 'maintenance' : g.state);

const allChecks = (g: GroupDoc): CheckDoc[] => g.endpoints.flatMap((ep) => ep.checks);

/** The distinct reasons of a group's failing checks, in plain words. */
function groupReasons(g: GroupDoc): string[] {
  const failing = allChecks(g).filter((c) => c.state === 'down' || c.state === 'degraded');
  return [...new Set(failing.map((c) => (c.reason ? reasonWords(c.reason) : 'slower than usual')))];
}

function headline(doc: StatusDoc): { state: CheckState; text: string } {
  const live = doc.groups.filter((g) => !g.maintenance);
  const worst = live.reduce<CheckState>((w, g) => (RANK[g.state] > RANK[w] ? g.state : w), 'unknown');
  const down = live.filter((g) => g.state === 'down').map((g) => g.name);
  const degraded = live.filter((g) => g.state === 'degraded').map((g) => g.name);
  if (down.length) return { state: 'down', text: `Outage: ${down.join(', ')} ${down.length === 1 ? 'is' : 'are'} down` };
  if (degraded.length) return { state: 'degraded', text: `Problems on ${degraded.join(', ')}` };
  if (doc.groups.length === 0) return { state: 'unknown', text: 'No checks configured' };
  if (live.length === 0) return { state: 'unknown', text: 'Every platform is in maintenance' };
  if (worst === 'unknown') return { state: 'unknown', text: 'Waiting for the first checks' };
  return { state: 'up', text: 'All platforms operational' };
}

/** One mark per recent run, oldest first, with a text equivalent for screen readers. */
function historyStrip(c: CheckDoc): string {
  if (c.history.length === 0) return '<div class="strip" aria-label="no runs yet"></div>';
  const failed = c.history.filter((h) => !h.ok).length;
  const label = `last ${c.history.length} runs: ${c.history.length - failed} succeeded, ${failed} failed`;
  const ticks = c.history
    .map((h) => {
      const at = formatTime(Date.parse(h.at));
      return `<i class="tick ${h.ok ? 'ok' : 'bad'}" title="${e(at)}: ${e(h.ok ? 'ok' : reasonWords(h.reason) || 'failed')}"></i>`;
    })
    .join('');
  return `<div class="strip" role="img" aria-label="${e(label)}" title="${e(label)}">${ticks}</div>`;
}

function checkDetail(c: CheckDoc): string {
  const lines: string[] = [];
  if (c.reasonText) lines.push(`<div class="why">${e(c.reasonText)} <code>${e(c.reason)}</code></div>`);
  else if (c.state === 'degraded' && c.lastResult) lines.push(`<div class="why">slower than usual: last run took ${e(Math.round(c.lastResult.durationMs))} ms</div>`);
  if (c.lastResult && !c.lastResult.ok && c.lastResult.error) lines.push(`<div class="err">${e(c.lastResult.error)}</div>`);
  return lines.join('');
}

function checkRow(endpoint: string, c: CheckDoc, now: number): string {
  const since = Date.parse(c.since);
  const last = c.lastResult ? `last run ${formatDuration(now - Date.parse(c.lastResult.at))} ago` : 'not run yet';
  return `<li class="check" data-check="${e(`${endpoint}/${c.name}`)}" data-state="${e(c.state)}">
<div class="name"><span class="dot" style="background:${COLOURS[c.state]}" aria-hidden="true"></span>${e(endpoint)} / ${e(c.name)} <small>${e(c.type)}</small></div>
<div class="state"><strong style="color:${COLOURS[c.state]}">${e(WORDS[c.state])}</strong> <span class="since">for ${e(formatDuration(now - since))} · ${e(last)}</span>${checkDetail(c)}</div>
${historyStrip(c)}
</li>`;
}

function groupCard(g: GroupDoc, now: number): string {
  const shown = shownState(g);
  const reasons = groupReasons(g);
  const rows = g.endpoints.flatMap((ep) => ep.checks.map((c) => checkRow(ep.name, c, now))).join('\n');
  const limited = g.endpoints
    .filter((ep) => ep.rateLimitedUntil !== null)
    .map((ep) => `<p class="reason limited">${e(ep.name)}: rate limited by the platform; runs resume at ${timeTag(Date.parse(ep.rateLimitedUntil!))}</p>`)
    .join('\n');
  return `<section class="group" data-group="${e(g.name)}" data-state="${e(g.state)}" style="border-left-color:${COLOURS[shown]}">
<h2><span class="badge" style="background:${COLOURS[shown]}">${e(WORDS[shown])}</span> ${e(g.name)}</h2>
${reasons.length ? `<p class="reason">${e(reasons.join('; '))}</p>` : ''}
${limited}
<ul class="checks">
${rows}
</ul>
</section>`;
}

const SCOPE_ORDER: Record<Incident['scope'], number> = { multi_platform: 0, group: 1, check: 2 };

/** What an incident is about, in words: the widest scopes name their platforms, checks their path. */
function incidentSubject(i: Incident): string {
  if (i.scope === 'multi_platform') return `multi-platform incident (${i.groups.join(', ')})`;
  if (i.scope === 'group') return `platform incident (${i.group ?? i.groups.join(', ')})`;
  return `check ${i.group}/${i.endpoint}/${i.check}`;
}

/** Widest first (a multi-platform outage above the platforms above their checks), then oldest first. */
function sortIncidents(list: readonly Incident[]): Incident[] {
  return [...list].sort((a, b) => SCOPE_ORDER[a.scope] - SCOPE_ORDER[b.scope] || a.startedAt - b.startedAt);
}

function incidentItem(i: Incident, now: number, parts: readonly Incident[] = []): string {
  const end = i.resolvedAt ?? now;
  const when = i.resolvedAt === null ? `since ${timeTag(i.startedAt)} · open for ${e(formatDuration(end - i.startedAt))}` : `${timeTag(i.startedAt)} · lasted ${e(formatDuration(end - i.startedAt))}`;
  const reasons = i.reasons.length > 1 ? i.reasons.join(' → ') : reasonWords(i.reason);
  const cost = impactWords(i.impact, i.resolvedAt !== null);
  const inner = parts.length
    ? `\n<div class="parts"><div class="meta">${parts.length} part${parts.length === 1 ? '' : 's'} of this event:</div><ul>${sortIncidents(parts).map((p) => incidentItem(p, now)).join('\n')}</ul></div>`
    : '';
  return `<li class="incident" data-scope="${e(i.scope)}" data-reason="${e(i.reason)}"><strong>${e(i.summary)}</strong>
<div class="meta">${e(reasons)} · ${e(incidentSubject(i))} · ${when}${cost ? ` · <span class="impact">${e(cost)}</span>` : ''}</div>${inner}</li>`;
}

/** One event, one entry: incidents that are part of a listed multi-platform incident go under it. */
function nested(list: readonly Incident[], now: number): string {
  const ids = new Set(list.map((i) => i.id));
  const parts = new Map<string, Incident[]>();
  for (const i of list) if (i.partOf && ids.has(i.partOf)) parts.set(i.partOf, [...(parts.get(i.partOf) ?? []), i]);
  return sortIncidents(list.filter((i) => !(i.partOf && ids.has(i.partOf))))
    .map((i) => incidentItem(i, now, parts.get(i.id)))
    .join('\n');
}

const RECENT_SHOWN = 5;

function incidentsSection(incidents: { open: Incident[]; recent: Incident[] }, now: number): string {
  const open = incidents.open.length ? nested(incidents.open, now) : '<li class="none">No open incidents.</li>';
  const events = incidents.open.filter((i) => !(i.partOf && incidents.open.some((p) => p.id === i.partOf))).length;
  const recent = incidents.recent
    .filter((i) => i.status === 'resolved')
    .sort((a, b) => (b.resolvedAt ?? 0) - (a.resolvedAt ?? 0))
    .slice(0, RECENT_SHOWN);
  return `<section class="incidents" aria-labelledby="open-incidents">
<h2 id="open-incidents">Open incidents (${events})</h2>
<ul>${open}</ul>
${recent.length ? `<h2>Recently resolved</h2>\n<ul class="recent">${recent.map((i) => incidentItem(i, now)).join('\n')}</ul>` : ''}
</section>`;
}

const STYLE = `
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1f2328;line-height:1.4}
header{padding:16px 20px;color:#fff}
header h1{margin:0;font-size:1.35rem}header p{margin:4px 0 0;opacity:.95;font-size:.9rem}
main{max-width:980px;margin:0 auto;padding:8px 12px}
section{background:#fff;border-radius:8px;padding:12px 16px;margin:12px 0;box-shadow:0 1px 2px #0002}
.group{border-left:6px solid #6b7280}
h2{font-size:1.1rem;margin:4px 0}
.badge{color:#fff;border-radius:4px;padding:2px 8px;font-size:.8rem;vertical-align:middle}
.reason{margin:4px 0 8px;font-weight:600}
ul{list-style:none;margin:0;padding:0}
.incident{padding:6px 0;border-top:1px solid #eee}.incident:first-child{border-top:0}
.parts{margin:4px 0 0 12px;padding-left:10px;border-left:3px solid #d0d7de}.parts ul{list-style:none;margin:0;padding:0}
.meta{color:#555;font-size:.85rem}.none{color:#555}
.check{display:grid;grid-template-columns:minmax(150px,1fr) 2fr auto;gap:4px 12px;align-items:start;padding:8px 0;border-top:1px solid #eee}
.name small{color:#777}
.dot{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:6px}
.why{color:#444;font-size:.85rem}.err{color:#8a1c1c;font-size:.8rem;word-break:break-word}.since{color:#666;font-size:.85rem}
.strip{display:flex;gap:1px;align-self:center}.tick{display:block;width:5px;height:18px;border-radius:1px}.ok{background:#2da44e}.bad{background:#cf222e}
code{font-size:.8rem;background:#f0f0f0;padding:0 3px;border-radius:3px}
footer{text-align:center;color:#555;font-size:.85rem;padding:16px}
@media (max-width:640px){.check{grid-template-columns:1fr}header h1{font-size:1.15rem}section{padding:10px 12px}}
`;

export function renderStatusPage(doc: StatusDoc, incidents: { open: Incident[]; recent: Incident[] }, now: number): string {
  const head = headline(doc);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${REFRESH_SECONDS}">
<title>${e(head.text)} · Outpost ${e(doc.location)}</title>
<style>${STYLE}</style>
</head>
<body>
<header style="background:${COLOURS[head.state]}" data-state="${e(head.state)}"><h1>${e(head.text)}</h1>
<p>Synthetic checks from <strong class="location">${e(doc.location)}</strong> · updated ${timeTag(Date.parse(doc.generatedAt))} · refreshes every ${REFRESH_SECONDS}s</p></header>
<main>
${incidentsSection(incidents, now)}
${doc.groups.map((g) => groupCard(g, now)).join('\n')}
</main>
<footer><a href="/metrics">Prometheus metrics (/metrics)</a> · <a href="/api/v1/status">/api/v1/status</a> · <a href="/api/v1/incidents">/api/v1/incidents</a></footer>
</body>
</html>
`;
}
