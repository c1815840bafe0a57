/**
 * `outpost report` on a state directory with known history: 5 March 2024, Facebook down for two
 * hours (forced logouts, then refused logins) and Instagram's feed stale for 90 minutes, in a week
 * otherwise healthy. The table, --json and --format html (opened in headless Chromium).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/incidents/types.js';
import type { Report } from '../../src/report/build.js';
import { openHistory } from '../../src/persist/history-file.js';
import type { Metrics } from '../../src/metrics/registry.js';
import { view } from '../incidents/fixtures.js';
import { assertBuilt, cleanEnv, runCli } from '../cli/helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const T = (iso: string) => Date.parse(iso);
const START = T('2024-03-05T15:20:00Z');
const FB_END = T('2024-03-05T17:20:00Z');
const IG_END = T('2024-03-05T16:50:00Z');
const IDS = ['facebook/web/session', 'facebook/web/feed', 'instagram/api/feed'];

function incident(over: Partial<Incident>): Incident {
  return {
    id: 'a1',
    scope: 'check',
    status: 'resolved',
    group: 'facebook',
    endpoint: 'web',
    check: 'session',
    groups: ['facebook'],
    reason: 'login_rejected',
    reasons: ['forced_logout', 'login_rejected'],
    summary: 'facebook/web: users are logged out and cannot log back in',
    location: 'eu-west',
    startedAt: START,
    resolvedAt: FB_END,
    lastResult: null,
    timeline: [],
    ...over,
  };
}

const noop = (): void => undefined;
const quiet = { debug: noop, info: noop, warn: noop, error: noop };
const metrics = { stateWriteFailures: { inc: noop } } as unknown as Pick<Metrics, 'stateWriteFailures'>;

/** A week of history, written by the daemon's own code: everything up, then the outage, then up again. */
async function history(dir: string): Promise<void> {
  const files = await openHistory(dir, quiet, metrics);
  const h = files.recorder;
  const states = (down: Record<string, 'forced_logout' | 'feed_stale'>) =>
    IDS.map((id) => (down[id] ? view(id, 'down', down[id]) : view(id, 'up')));
  h.advance(T('2024-03-01T00:00:00Z'));
  h.observe(states({}), new Set(), []);
  h.advance(START);
  h.observe(states({ 'facebook/web/session': 'forced_logout', 'facebook/web/feed': 'forced_logout', 'instagram/api/feed': 'feed_stale' }), new Set(), []);
  h.advance(IG_END);
  h.addImpact('facebook', 'USD', 108_000, IG_END);
  h.addImpact('instagram', 'USD', 54_000, IG_END);
  h.observe(states({ 'facebook/web/session': 'forced_logout', 'facebook/web/feed': 'forced_logout' }), new Set(), [
    { event: 'incident.resolved', at: IG_END, incident: incident({ id: 'b2', group: 'instagram', endpoint: 'api', check: 'feed', groups: ['instagram'], reason: 'feed_stale', reasons: ['feed_stale'], summary: 'instagram/api: feed loads but returns nothing new', resolvedAt: IG_END }) },
  ]);
  h.advance(FB_END);
  h.addImpact('facebook', 'USD', 36_000, FB_END);
  h.observe(states({}), new Set(), [
    { event: 'incident.resolved', at: FB_END, incident: incident({}) },
    { event: 'incident.resolved', at: FB_END, incident: incident({ id: 'c3', check: 'feed' }) },
    { event: 'incident.resolved', at: FB_END, incident: incident({ id: 'd4', scope: 'multi_platform', group: null, endpoint: null, check: null, groups: ['facebook', 'instagram'], summary: '2 platforms down at once', impact: { unit: 'USD', perMinute: 1800, estimated: 198_000 } }) },
  ]);
  h.advance(T('2024-03-08T00:00:00Z'));
  await files.save();
}

describe('outpost report', () => {
  let dir: string;
  let config: string;
  const run = (...args: string[]) => runCli(['report', '--config', config, '--since', '2024-03-01', '--until', '2024-03-08', ...args], { env: cleanEnv() });

  beforeAll(async () => {
    assertBuilt();
    dir = await mkdtemp(join(tmpdir(), 'outpost-report-'));
    await history(dir);
    config = join(dir, 'outpost.yaml');
    await writeFile(
      config,
      `stateDir: ${dir}\ngroups:\n  facebook:\n    impact: { perMinute: 1200, unit: USD }\n    endpoints:\n      web:\n        baseUrl: http://127.0.0.1:9\n        checks:\n          feed: { type: feed, path: /feed, items: data }\n`,
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('--json: availability, incidents as one event per platform, time down by reason, longest, impact', async () => {
    const r = await run('--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.since).toBe('2024-03-01T00:00:00.000Z');
    const fb = report.groups.find((g) => g.name === 'facebook')!;
    // 2 h down of 7 days = 168 h.
    expect(fb.availability).toBe(98.81);
    expect(fb.incidents).toBe(1);
    expect(fb.downSeconds).toBe(7200);
    expect(fb.downByReason).toEqual({ forced_logout: 7200 });
    expect(fb.longestIncident).toEqual({ seconds: 7200, startedAt: '2024-03-05T15:20:00.000Z', summary: '2 platforms down at once' });
    expect(fb.impact).toEqual([{ unit: 'USD', estimated: 144_000 }]);
    expect(fb.checks.map((c) => [c.id, c.availability, c.incidents, c.downByReason])).toEqual([
      ['facebook/web/feed', 98.81, 1, { forced_logout: 7200 }],
      ['facebook/web/session', 98.81, 1, { forced_logout: 7200 }],
    ]);
    const ig = report.groups.find((g) => g.name === 'instagram')!;
    // Its own check was down 90 min; the event it was part of lasted 2 h.
    expect([ig.incidents, ig.downSeconds, ig.downByReason, ig.longestIncident?.seconds]).toEqual([1, 5400, { feed_stale: 5400 }, 7200]);
    expect(report.totalImpact).toEqual([{ unit: 'USD', estimated: 198_000 }]);
    expect(fb.daily.find((d) => d.date === '2024-03-05')!.downSeconds).toBe(7200);
  });

  it('the table: one line per platform and check', async () => {
    const r = await run();
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Outpost report 2024-03-01 00:00 → 2024-03-08 00:00 UTC');
    expect(r.stdout).toMatch(/^facebook +98\.81% +1 +2h +2h +≈ \$144,000 +forced_logout 2h$/m);
    expect(r.stdout).toMatch(/^ {2}web\/session +98\.81% +1 +2h +2h +forced_logout 2h$/m);
    expect(r.stdout).toMatch(/^ {2}api\/feed +99\.107% +1 +1h 30m +1h 30m +feed_stale 1h 30m$/m);
    expect(r.stdout).toContain('Estimated impact in the period: ≈ $198,000');
  });

  it('reads only the day files of its period, one per UTC day', async () => {
    expect((await readdir(join(dir, 'history'))).sort()).toEqual(['2024-03-01.json', '2024-03-02.json', '2024-03-03.json', '2024-03-04.json', '2024-03-05.json', '2024-03-06.json', '2024-03-07.json', 'incidents.jsonl']);
    const r = await runCli(['report', '--config', config, '--since', '2024-03-05', '--until', '2024-03-06', '--json'], { env: cleanEnv() });
    const fb = (JSON.parse(r.stdout) as Report).groups.find((g) => g.name === 'facebook')!;
    expect(fb.daily.map((d) => d.date)).toEqual(['2024-03-05']);
    // 2 h down of 24 h.
    expect(fb.availability).toBe(91.667);
  });

  it('skips an unreadable day file with a warning (exit 0) and reports the other days', async () => {
    const file = join(dir, 'history', '2024-03-02.json');
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.slice(0, 40));
    try {
      const r = await run('--json');
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/^outpost report: warning: skipping .*2024-03-02\.json: /);
      const fb = (JSON.parse(r.stdout) as Report).groups.find((g) => g.name === 'facebook')!;
      // 2 h down of 6 days = 144 h.
      expect(fb.availability).toBe(98.611);
      expect(fb.daily.find((d) => d.date === '2024-03-02')!.availability).toBeNull();
    } finally {
      await writeFile(file, text);
    }
  });

  it('refuses a bad period with exit 2', async () => {
    const r = await runCli(['report', '--config', config, '--since', 'yesterday'], { env: cleanEnv() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--since: expected a date');
  });

  it.skipIf(!existsSync(CHROMIUM))('--format html: one page with the figures and a chart, in headless Chromium', async () => {
    const r = await run('--format', 'html');
    expect(r.code).toBe(0);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'], timeout: 20_000 });
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      await page.setContent(r.stdout, { waitUntil: 'load', timeout: 10_000 });
      expect(await page.locator('h1').innerText()).toBe('Availability and impact');
      expect(await page.locator('.total').innerText()).toBe('Estimated impact in the period: ≈ $198,000');
      const fb = page.locator('tr.group[data-group="facebook"] td');
      expect(await fb.allInnerTexts()).toEqual(['98.81%', '1', '2h', '2h', '≈ $144,000', 'forced_logout 2h']);
      expect(await page.locator('tr.check').count()).toBe(3);
      // The chart: one bar per platform on 5 March, with its day in a tooltip.
      const bars = page.locator('svg rect.down');
      expect(await bars.count()).toBe(2);
      expect(await page.locator('svg rect.down[data-group="facebook"]').getAttribute('data-date')).toBe('2024-03-05');
      const box = await page.locator('svg').boundingBox();
      expect(box!.width).toBeGreaterThan(200);
    } finally {
      await browser.close();
    }
  }, 30_000);
});
