/**
 * The status page renderer as a unit: states and reasons in words, incidents with start time and
 * duration, the history strip, the location and /metrics link, and escaping of every string that
 * comes from the config or a run.
 */
import { describe, expect, it } from 'vitest';
import { escapeHtml, formatDuration, formatTime, renderStatusPage } from '../../src/server/status-page.js';
import type { StatusDoc } from '../../src/server/status.js';
import type { Incident } from '../../src/incidents/types.js';
import { incident as baseIncident } from '../support/incidents.js';
import type { CheckState } from '../../src/check-state.js';
import type { Reason } from '../../src/reasons.js';
import { REASON_TEXT } from '../../src/reasons.js';

const NOW = Date.UTC(2024, 2, 5, 15, 30, 0);
const iso = (ms: number) => new Date(ms).toISOString();
type Check = StatusDoc['groups'][number]['endpoints'][number]['checks'][number];

function check(name: string, state: CheckState, reason: Reason | null = null, error: string | null = null): Check {
  const failing = state === 'down';
  return {
    id: `g/e/${name}`,
    name,
    type: 'session',
    state,
    since: iso(NOW - 10 * 60_000),
    reason,
    reasons: reason && state !== 'up' ? [reason] : [],
    reasonText: reason ? REASON_TEXT[reason] : null,
    consecutiveFailures: failing ? 3 : 0,
    lastResult: state === 'unknown' ? null : { ok: !failing, reason, httpStatus: failing ? 401 : 200, durationMs: 84, error, at: iso(NOW - 2_000), attempts: 1 },
    lastSuccessAt: null,
    history: state === 'unknown' ? [] : [
      { at: iso(NOW - 3_000), ok: true, reason: null },
      { at: iso(NOW - 2_000), ok: !failing, reason: failing ? reason : null },
    ],
  };
}

function doc(groups: StatusDoc['groups'], location = 'eu-west'): StatusDoc {
  return { location, generatedAt: iso(NOW), groups };
}

const incident = (over: Partial<Incident> = {}): Incident =>
  baseIncident({ id: 'abc', reasons: [over.reason ?? 'forced_logout'], lastResult: null, timeline: [], ...over });

const outage = doc([
  { name: 'facebook', state: 'down', maintenance: false, endpoints: [{ name: 'web', sessionAgeSeconds: null, rateLimitedUntil: null, checks: [check('session', 'down', 'forced_logout', '401 on /me'), check('login', 'down', 'login_rejected')] }] },
  { name: 'instagram', state: 'up', maintenance: false, endpoints: [{ name: 'mobile-api', sessionAgeSeconds: 40, rateLimitedUntil: null, checks: [check('feed', 'up')] }] },
  { name: 'threads', state: 'degraded', maintenance: false, endpoints: [{ name: 'web', sessionAgeSeconds: 5, rateLimitedUntil: null, checks: [check('feed', 'down', 'error_page')] }] },
]);

/** The text of the `data-group="name"` section. */
function section(html: string, group: string): string {
  const start = html.indexOf(`<section class="group" data-group="${group}"`);
  expect(start, `section for ${group}`).toBeGreaterThanOrEqual(0);
  return html.slice(start, html.indexOf('</section>', start));
}

describe('status page', () => {
  it('names the broken platforms in the headline, with each platform state and the reason in words', () => {
    const html = renderStatusPage(outage, { open: [], recent: [] }, NOW);
    expect(html).toMatch(/<h1>Outage: facebook is down<\/h1>/);
    expect(html).toContain('<title>Outage: facebook is down · Outpost eu-west</title>');
    const fb = section(html, 'facebook');
    expect(fb).toContain('data-state="down"');
    expect(fb).toContain('>Down</span> facebook');
    expect(fb).toContain(`<p class="reason">${REASON_TEXT.forced_logout}; ${REASON_TEXT.login_rejected}</p>`);
    expect(fb).toContain('401 on /me');
    expect(fb).toContain('for 10m 0s');
    const ig = section(html, 'instagram');
    expect(ig).toContain('>Operational</span> instagram');
    expect(ig).not.toContain('class="reason"');
    const th = section(html, 'threads');
    expect(th).toContain('>Degraded</span> threads');
    expect(th).toContain(REASON_TEXT.error_page);
  });

  it('one event, one entry: the check and platform incidents of a multi-platform event are listed under it, with the story and its reasons', () => {
    const multi = incident({ id: 'aa', scope: 'multi_platform', group: null, endpoint: null, check: null, groups: ['facebook', 'instagram'], reason: 'login_rejected', reasons: ['forced_logout', 'login_rejected', 'feed_stale'], summary: '2 platforms down at once: facebook (users are logged out and cannot log back in), instagram (feed loads but returns nothing new)' });
    const parts = [
      incident({ id: 'bb', partOf: 'aa', reason: 'login_rejected', reasons: ['forced_logout', 'login_rejected'], summary: 'facebook/web: users are logged out and cannot log back in' }),
      incident({ id: 'cc', scope: 'group', partOf: 'aa', group: 'instagram', groups: ['instagram'], endpoint: null, check: null, reason: 'feed_stale', reasons: ['feed_stale'], summary: 'instagram: feed loads but returns nothing new (1 of 1 check down)' }),
    ];
    const html = renderStatusPage(outage, { open: [...parts, multi], recent: [] }, NOW);
    expect(html).toContain('Open incidents (1)');
    const open = html.slice(html.indexOf('id="open-incidents"'));
    const top = open.slice(0, open.indexOf('<div class="parts"'));
    expect(top).toContain('facebook (users are logged out and cannot log back in)');
    expect(top).toContain('forced_logout → login_rejected → feed_stale');
    const under = open.slice(open.indexOf('<div class="parts"'));
    expect(under).toContain('2 parts of this event');
    expect(under).toContain('facebook/web: users are logged out and cannot log back in');
    expect(under).toContain('instagram: feed loads but returns nothing new');
  });

  it('says when a rate-limited endpoint runs again', () => {
    const limited = doc([{ ...outage.groups[1]!, endpoints: [{ ...outage.groups[1]!.endpoints[0]!, rateLimitedUntil: iso(NOW + 120_000) }] }]);
    expect(section(renderStatusPage(limited, { open: [], recent: [] }, NOW), 'instagram')).toContain('mobile-api: rate limited by the platform; runs resume at');
  });

  it('colours each platform by its state and shows maintenance instead of the state', () => {
    const html = renderStatusPage(
      doc([{ ...outage.groups[0]!, maintenance: true }, outage.groups[1]!]),
      { open: [], recent: [] },
      NOW,
    );
    expect(section(html, 'facebook')).toContain('>Maintenance</span> facebook');
    expect(section(html, 'facebook')).toContain('border-left-color:#1f6feb');
    expect(section(html, 'instagram')).toContain('border-left-color:#1a7f37');
    // A platform in maintenance does not make an outage headline.
    expect(html).toContain('<h1>All platforms operational</h1>');
    const all = renderStatusPage(doc([{ ...outage.groups[0]!, maintenance: true }]), { open: [], recent: [] }, NOW);
    expect(all).toContain('<h1>Every platform is in maintenance</h1>');
    expect(renderStatusPage(doc([]), { open: [], recent: [] }, NOW)).toContain('<h1>No checks configured</h1>');
  });

  it('says it is waiting when nothing has run yet', () => {
    const html = renderStatusPage(
      doc([{ name: 'facebook', state: 'unknown', maintenance: false, endpoints: [{ name: 'web', sessionAgeSeconds: null, rateLimitedUntil: null, checks: [check('login', 'unknown')] }] }]),
      { open: [], recent: [] },
      NOW,
    );
    expect(html).toContain('<h1>Waiting for the first checks</h1>');
    expect(html).toContain('not run yet');
    expect(html).toContain('aria-label="no runs yet"');
  });

  it('lists open incidents with start time and duration, and recently resolved ones', () => {
    const open = incident();
    const resolved = incident({ id: 'old', status: 'resolved', summary: 'threads/web: answers 200 with an error page', reason: 'error_page', startedAt: NOW - 3 * 3600_000, resolvedAt: NOW - 3 * 3600_000 + 125_000 });
    const html = renderStatusPage(outage, { open: [open], recent: [resolved] }, NOW);
    expect(html).toContain('Open incidents (1)');
    expect(html).toContain('<strong>facebook/web: session rejected, users are being logged out</strong>');
    expect(html).toContain('since <time datetime="2024-03-05T15:20:07.000Z">2024-03-05 15:20:07 UTC</time> · open for 9m 53s');
    expect(html).toContain('Recently resolved');
    expect(html).toContain('lasted 2m 5s');
    expect(html).toContain('check facebook/web/session');
    const none = renderStatusPage(outage, { open: [], recent: [] }, NOW);
    expect(none).toContain('No open incidents.');
    expect(none).not.toContain('Recently resolved');
  });

  it('puts the widest incidents first: multi-platform, then platform, then check', () => {
    const multi = incident({ id: 'm', scope: 'multi_platform', group: null, endpoint: null, check: null, groups: ['facebook', 'threads'], summary: 'MULTI', startedAt: NOW - 1000 });
    const group = incident({ id: 'g', scope: 'group', endpoint: null, check: null, summary: 'GROUP', startedAt: NOW - 2000 });
    const check1 = incident({ id: 'c1', summary: 'CHECK-OLD', startedAt: NOW - 9000 });
    const check2 = incident({ id: 'c2', summary: 'CHECK-NEW', startedAt: NOW - 3000 });
    const html = renderStatusPage(outage, { open: [check2, group, check1, multi], recent: [] }, NOW);
    const order = ['MULTI', 'GROUP', 'CHECK-OLD', 'CHECK-NEW'].map((s) => html.indexOf(`<strong>${s}</strong>`));
    expect(order.every((p) => p > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(html).toContain('multi-platform incident (facebook, threads)');
    expect(html).toContain('platform incident (facebook)');
  });

  it('draws one history mark per recent run, failures apart, with a text equivalent', () => {
    const html = section(renderStatusPage(outage, { open: [], recent: [] }, NOW), 'facebook');
    const session = html.slice(html.indexOf('data-check="web/session"'));
    expect(session).toContain('aria-label="last 2 runs: 1 succeeded, 1 failed"');
    expect(session).toMatch(/<i class="tick ok"[^>]*><\/i><i class="tick bad" title="2024-03-05 15:29:58 UTC: session rejected/);
  });

  it('shows the location, refreshes itself, fits a phone and links to /metrics', () => {
    const html = renderStatusPage(outage, { open: [], recent: [] }, NOW);
    expect(html).toContain('<strong class="location">eu-west</strong>');
    expect(html).toMatch(/<meta http-equiv="refresh" content="\d+">/);
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain('<a href="/metrics">');
    expect(html).not.toMatch(/<script/i);
  });

  it('escapes every name, error text, summary and location', () => {
    const evil = '<script>alert(1)</script>';
    const img = '"><img src=x onerror=alert(2)>';
    const hostile = doc(
      [
        {
          name: `g${evil}`,
          state: 'down',
          maintenance: false,
          endpoints: [{ name: `ep${img}`, sessionAgeSeconds: null, rateLimitedUntil: null, checks: [{ ...check(`c${evil}`, 'down', 'assertion_failed', `body does not match /${evil}/`), type: `t${img}` }] }],
        },
      ],
      `loc${evil}`,
    );
    const html = renderStatusPage(hostile, { open: [incident({ summary: `sum ${evil}`, scope: 'check' })], recent: [] }, NOW);
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).not.toMatch(/"><img/);
    expect(html).toContain('g&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('ep&quot;&gt;&lt;img src=x onerror=alert(2)&gt;');
    expect(html).toContain('c&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('body does not match /&lt;script&gt;alert(1)&lt;/script&gt;/');
    expect(html).toContain('sum &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('loc&lt;script&gt;alert(1)&lt;/script&gt;');
    // Attribute values too: data-group cannot be broken out of.
    expect(html).toContain('data-group="g&lt;script&gt;alert(1)&lt;/script&gt;"');
  });
});

describe('helpers', () => {
  it('escapeHtml covers the five HTML metacharacters and non-strings', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
    expect(escapeHtml(null)).toBe('');
    expect(escapeHtml(42)).toBe('42');
  });

  it('formatDuration and formatTime read well', () => {
    expect(formatDuration(59_400)).toBe('59s');
    expect(formatDuration(61_000)).toBe('1m 1s');
    expect(formatDuration(2 * 3600_000 + 5 * 60_000)).toBe('2h 5m');
    expect(formatDuration(50 * 3600_000)).toBe('2d 2h');
    expect(formatDuration(-5)).toBe('0s');
    expect(formatTime(Date.UTC(2024, 2, 5, 15, 20, 7))).toBe('2024-03-05 15:20:07 UTC');
    expect(formatTime(Number.NaN)).toBe('unknown');
  });
});
