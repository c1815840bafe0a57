/**
 * The status page in a real headless Chromium (playwright-core, /usr/bin/chromium): a daemon
 * watching the simulator during a simulated outage (threads answers error pages, facebook logs
 * users out and refuses logins) shows the broken platforms and the reason in words; a screenshot
 * goes to test-artifacts/status-page.png (and docs/status-page.png with OUTPOST_UPDATE_SCREENSHOT=1);
 * hostile strings from the config and from runs are shown as text and no script runs.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderStatusPage } from '../../src/server/status-page.js';
import type { StatusDoc } from '../../src/server/status.js';
import { startSimDaemon, type SimDaemon } from '../server/sim-daemon.js';

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
const skipNote = available ? '' : ` (SKIPPED: ${CHROMIUM} not found; apt-get install chromium)`;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ARTIFACT = `${ROOT}test-artifacts/status-page.png`;
const DOCS_SCREENSHOT = `${ROOT}docs/status-page.png`;

const EVIL_SCRIPT = '<script>alert("outpost-xss")</script>';
const EVIL_IMG = '<img src=x onerror=alert(document.domain)>';

/** Opens `url` (or sets `html`) in a fresh page; collects any dialog (alert) a script would open. */
async function open(browser: Browser, target: { url: string } | { html: string }, width = 1100): Promise<{ page: Page; dialogs: string[] }> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  if ('url' in target) await page.goto(target.url, { waitUntil: 'load', timeout: 10_000 });
  else await page.setContent(target.html, { waitUntil: 'load', timeout: 10_000 });
  return { page, dialogs };
}

describe.skipIf(!available)(`status page in headless Chromium${skipNote}`, () => {
  let browser: Browser;
  const cleanups: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      timeout: 20_000,
    });
  });
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await browser?.close();
  });

  it('shows the broken platforms and the reason in words during a simulated outage', async () => {
    // The scheduler's interval is long: the test drives the runs, so the page is the same every time.
    const s: SimDaemon = await startSimDaemon({ location: 'eu-west', interval: '5m', timeout: '5s' });
    cleanups.push(s.stop);
    // A little healthy history first, so the strip shows the outage starting.
    for (let i = 0; i < 4; i += 1) await s.runAll();
    await s.waitForGroupState('instagram', 'up');

    s.sim.setFaults('threads', [{ type: 'error_page' }]);
    s.sim.setFaults('facebook', [{ type: 'forced_logout' }, { type: 'login_refused' }]);
    for (let i = 0; i < 3; i += 1) await s.runAll();
    await s.waitForGroupState('facebook', 'down');
    await s.waitForGroupState('threads', 'down');

    const { page, dialogs } = await open(browser, { url: `${s.url}/` });
    const text = await page.locator('body').innerText();
    expect(await page.locator('h1').innerText()).toBe('Outage: facebook, threads are down');
    // Each platform: state and the reason in plain words.
    const card = (g: string) => page.locator(`section.group[data-group="${g}"]`);
    expect(await card('facebook').locator('.badge').innerText()).toBe('Down');
    expect(await card('facebook').locator('.reason').innerText()).toContain('login refused');
    expect(await card('threads').locator('.badge').innerText()).toBe('Down');
    expect(await card('threads').locator('.reason').innerText()).toContain('answers 200 with an error page');
    expect(await card('instagram').locator('.badge').innerText()).toBe('Operational');
    // Open incidents, the location, the history strip and the link to /metrics.
    expect(text).toMatch(/Open incidents \([1-9]\d*\)/);
    expect(text).toContain('threads/web: answers 200 with an error page');
    expect(text).toContain('multi-platform incident (facebook, threads)');
    // The cause is kept: Facebook's users were logged out first, then their logins refused.
    expect(text).toContain('facebook (users are logged out and cannot log back in)');
    expect(text).toMatch(/forced_logout → login_rejected/);
    // One event, one entry: the platforms' own incidents are listed under it.
    expect(await page.locator('li.incident[data-scope="multi_platform"] .parts li.incident').count()).toBeGreaterThan(0);
    expect(await page.locator('li.incident').first().getAttribute('data-scope')).toBe('multi_platform');
    expect(text).toMatch(/since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC · open for \d+s/);
    expect(await page.locator('.location').innerText()).toBe('eu-west');
    expect(await card('facebook').locator('.tick.bad').count()).toBeGreaterThan(0);
    expect(await card('facebook').locator('.tick.ok').count()).toBeGreaterThan(0);
    expect(await page.locator('a[href="/metrics"]').count()).toBe(1);
    // The header colour is the "down" colour, computed by the browser.
    expect(await page.evaluate("getComputedStyle(document.querySelector('header')).backgroundColor")).toBe('rgb(198, 40, 40)');
    expect(dialogs).toEqual([]);

    await mkdir(`${ROOT}test-artifacts`, { recursive: true });
    await page.screenshot({ path: ARTIFACT, fullPage: true });
    if (process.env.OUTPOST_UPDATE_SCREENSHOT === '1') await page.screenshot({ path: DOCS_SCREENSHOT, fullPage: true });
    expect(existsSync(ARTIFACT)).toBe(true);

    // Readable on a phone: nothing wider than the viewport.
    const phone = await open(browser, { url: `${s.url}/` }, 375);
    const overflow = await phone.page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    expect(await phone.page.locator('section.group[data-group="facebook"] .reason').isVisible()).toBe(true);
  }, 60_000);

  it('shows a config string with <script> from a failing check as text, and runs no script', async () => {
    // A plain upstream answering {"status":"ok"}: the check's expectations (config strings with
    // markup) fail, and the failure messages that echo them reach the page.
    const upstream: Server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}'));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => upstream.close(() => r())));
    const base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    const s = await startSimDaemon({
      groups: () => ({
        canary: {
          endpoints: {
            web: {
              baseUrl: base,
              checks: {
                markup: { type: 'http', steps: [{ path: '/', expect: { bodyMatches: [EVIL_SCRIPT] } }] },
                echo: { type: 'http', steps: [{ path: '/', expect: { json: [{ path: 'status', equals: EVIL_IMG }] } }] },
              },
            },
          },
        },
      }),
    });
    cleanups.push(s.stop);
    await s.runAll();
    await s.waitForGroupState('canary', 'down');

    const { page, dialogs } = await open(browser, { url: `${s.url}/` });
    const text = await page.locator('body').innerText();
    expect(text).toContain('<script>alert("outpost-xss")');
    expect(text).toContain(EVIL_IMG);
    expect(await page.locator('script').count()).toBe(0);
    expect(await page.locator('main img').count()).toBe(0);
    expect(dialogs).toEqual([]);
  }, 30_000);

  it('renders hostile names from the API document as text even without the server CSP', async () => {
    // Names are [a-z0-9_-]+ in a config, so feed the renderer directly; setContent has no CSP,
    // so a missed escape would run the script and open a dialog here.
    const now = Date.now();
    const at = new Date(now).toISOString();
    const doc: StatusDoc = {
      location: `lab${EVIL_SCRIPT}`,
      generatedAt: at,
      groups: [
        {
          name: `fb${EVIL_SCRIPT}`,
          state: 'down',
          maintenance: false,
          endpoints: [
            {
              name: `web${EVIL_IMG}`,
              sessionAgeSeconds: null,
              rateLimitedUntil: null,
              checks: [
                {
                  id: 'x',
                  name: `session"><svg onload=alert("outpost-svg")>`,
                  type: 'session',
                  state: 'down',
                  since: at,
                  reason: 'forced_logout',
                  reasons: ['forced_logout'],
                  reasonText: 'session rejected, users are being logged out',
                  consecutiveFailures: 1,
                  lastResult: { ok: false, reason: 'forced_logout', httpStatus: 401, durationMs: 5, error: `401 on /me${EVIL_SCRIPT}`, at, attempts: 1 },
                  lastSuccessAt: null,
                  history: [{ at, ok: false, reason: 'forced_logout' }],
                },
              ],
            },
          ],
        },
      ],
    };
    const html = renderStatusPage(doc, { open: [], recent: [] }, now);
    const { page, dialogs } = await open(browser, { html });
    const text = await page.locator('body').innerText();
    expect(text).toContain(`fb${EVIL_SCRIPT}`);
    expect(text).toContain(`web${EVIL_IMG} / session"><svg onload=alert("outpost-svg")>`);
    expect(text).toContain(`401 on /me${EVIL_SCRIPT}`);
    expect(await page.locator('script, img, svg').count()).toBe(0);
    expect(dialogs).toEqual([]);
    // The harness itself can see a dialog: the same page with an unescaped script opens one.
    const control = await open(browser, { html: '<body><script>alert("control")</script></body>' });
    expect(control.dialogs).toEqual(['control']);
  }, 30_000);
});
