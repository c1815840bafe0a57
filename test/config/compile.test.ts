/** Defaults per check type and the compiled values the hot path uses. */
import { describe, expect, it } from 'vitest';
import { compiled, MINIMAL, withChecks } from './helpers.js';
import { DEFAULT_MARKERS } from '../../src/config/compile.js';

const byName = (text: string, env: NodeJS.ProcessEnv = {}) => Object.fromEntries(compiled(text, env).checks.map((c) => [c.name, c]));

describe('defaults', () => {
  it('top-level defaults', () => {
    const c = compiled(MINIMAL);
    expect(c.location).toBe('default');
    expect(c.server).toMatchObject({ host: '0.0.0.0', port: 9464, reload: false, api: false, authStatusPage: false });
    expect(c.server.auth).toBeUndefined();
    expect(c.stateDir).toBe('./data');
    expect(c.logLevel).toBe('info');
    expect(c.concurrency).toBe(64);
    expect(c.incidents).toEqual({ groupDownRatio: 0.5, multiPlatformMinGroups: 2, groupWaitMs: 10_000, remindEveryMs: undefined, keepResolved: 100 });
    expect(c.webhooks).toEqual([]);
    expect(c.maintenance).toEqual([]);
  });

  it('per type: login every 5m, the others every 20s; the other run options alike', () => {
    const k = byName(withChecks({ login: '{ type: login }', session: '{ type: session, path: /me }', feed: '{ type: feed, path: /f, items: data }', home: '{ type: http, path: / }' }));
    expect(k.login!.intervalMs).toBe(300_000);
    for (const n of ['session', 'feed', 'home']) expect(k[n]!.intervalMs).toBe(20_000);
    for (const c of Object.values(k)) {
      expect(c).toMatchObject({ timeoutMs: 10_000, retries: 2, failureThreshold: 2, successThreshold: 1, degradedAfterMs: 3000, maxBodyBytes: 5 * 1024 * 1024, maxRedirects: 5, freshConnection: true });
    }
    expect(k.login!.info).toEqual({ type: 'login', interval_seconds: '300' });
    expect(k.feed!.info).toEqual({ type: 'feed', interval_seconds: '20' });
    // feed: at least one item by default, a JSON answer, the session of the endpoint.
    expect(k.feed!.steps[0]!.expect.items).toMatchObject({ pathText: 'data', minItems: 1, maxAgeMs: undefined });
    expect(k.feed!.steps[0]!).toMatchObject({ method: 'GET', expectJson: true, sendSession: true });
    expect(k.feed!.usesSession).toBe(true);
    expect(k.home!.usesSession).toBe(true);
    expect(k.login!.steps).toEqual([]);
  });

  it('defaults: applies to every check; a check overrides it', () => {
    const k = byName(
      withChecks(
        { login: '{ type: login }', feed: '{ type: feed, path: /f, items: data, timeout: 3s, retries: 0, freshConnection: true }' },
        { top: 'defaults: { interval: 1m, timeout: 20s, retries: 4, failureThreshold: 3, successThreshold: 2, degradedAfter: 1500ms, maxBodyBytes: 64KiB, maxRedirects: 0, freshConnection: false }\n' },
      ),
    );
    expect(k.login).toMatchObject({ intervalMs: 60_000, timeoutMs: 20_000, retries: 4, failureThreshold: 3, successThreshold: 2, degradedAfterMs: 1500, maxBodyBytes: 65536, maxRedirects: 0, freshConnection: false });
    expect(k.feed).toMatchObject({ intervalMs: 60_000, timeoutMs: 3000, retries: 0, freshConnection: true });
  });

  it('markers: built-in defaults, a group list replaces its default only', () => {
    const c = compiled(MINIMAL.replace('    endpoints:', '    markers: { error: ["oops"] }\n    endpoints:'));
    const m = c.endpoints[0]!.markers;
    expect(m.error.map((r) => r.source)).toEqual(['oops']);
    expect(m.error[0]!.flags).toContain('i');
    expect(m.logout.map((r) => r.source)).toEqual(DEFAULT_MARKERS.logout);
    // Tested against the pathname of a redirect's target.
    expect(['/login', '/accounts/login/', '/signin'].map((p) => m.loginUrl.test(p))).toEqual([true, true, true]);
    expect(['/loginx', '/feed'].map((p) => m.loginUrl.test(p))).toEqual([false, false]);
  });

  it('webhook defaults', () => {
    const c = compiled(`webhooks: [{ name: oncall, url: "https://user:hook-pass@hooks.example.com/x" }]\n${MINIMAL}`);
    expect(c.webhooks[0]).toMatchObject({ name: 'oncall', format: 'json', timeoutMs: 10_000, retries: 12, queueSize: 1000, headers: {}, events: undefined, groups: undefined, scopes: undefined });
    expect(c.secrets).toContain('hook-pass');
  });
});

describe('compiled values', () => {
  it('listen, location and stateDir (env overrides), incidents, server', () => {
    const text = `location: eu-west\nlisten: "[::1]:9100"\nstateDir: /var/lib/outpost\nlogLevel: debug\nserver: { reload: true, api: true, auth: { bearer: "0123456789abcdef-token" } }\nincidents: { groupWait: 1m, remindEvery: 2h }\n${MINIMAL}`;
    const c = compiled(text);
    expect(c).toMatchObject({ location: 'eu-west', stateDir: '/var/lib/outpost', logLevel: 'debug' });
    expect(c.server).toMatchObject({ host: '::1', port: 9100, reload: true, api: true, auth: { bearer: '0123456789abcdef-token' } });
    expect(c.incidents).toMatchObject({ groupWaitMs: 60_000, remindEveryMs: 7_200_000 });
    expect(c.secrets).toContain('0123456789abcdef-token');
    expect(compiled(text, { OUTPOST_LOCATION: 'us-east', OUTPOST_STATE_DIR: '/tmp/x' })).toMatchObject({ location: 'us-east', stateDir: '/tmp/x' });
  });

  it('ids, labels, variables and secrets', () => {
    const c = compiled(MINIMAL.replace('        auth:', '        variables: { apiKey: "k-123456", locale: en }\n        auth:'));
    const feed = c.checks.find((k) => k.name === 'feed')!;
    expect(feed.id).toBe('facebook/web/feed');
    expect(feed.labels).toEqual({ group: 'facebook', endpoint: 'web', check: 'feed', location: 'default' });
    expect(c.endpoints[0]!.variables).toEqual({ apiKey: 'k-123456', locale: 'en', username: 'u@example.test', password: 'pw-secret' });
    expect(c.secrets).toEqual(expect.arrayContaining(['pw-secret', 'k-123456']));
    expect(c.secrets).not.toContain('en');
    expect(c.groups).toEqual([{ name: 'facebook', endpoints: [c.endpoints[0]], checkIds: ['facebook/web/login', 'facebook/web/feed'] }]);
  });

  it('login step from auth: form body, method, session cookie, statuses', () => {
    const login = compiled(MINIMAL).endpoints[0]!.login![0]!;
    expect(login).toMatchObject({ role: 'login', method: 'POST', sendSession: false, expectJson: false, issues: { token: undefined, cookie: 'fb_session' } });
    expect(login.body?.kind).toBe('form');
    expect(login.headers).toContainEqual(['content-type', expect.anything()]);
    expect(login.expect.status(302)).toBe(true);
    expect(login.expect.status(401)).toBe(false);
  });

  it('http steps: methods, bodies, extractors, statuses, durations, cron', () => {
    const k = byName(
      withChecks({
        j: `{ type: http, schedule: "*/10 * * * * *", steps: [
              { name: a, path: "/u/{{username}}", extract: { id: { json: data.id }, rid: { header: X-Request-Id }, c: { cookie: sid }, u: { url: true }, r: { regex: "id=(\\\\d+)" } }, expect: { status: [200, "3xx"], maxDuration: 2s } },
              { path: /p, form: { q: "{{id}}" }, session: false },
              { path: /j, json: { id: "{{id}}", n: 1 } },
              { path: /r, method: PUT, body: raw, expectJson: false } ] }`,
      }),
    );
    const j = k.j!;
    expect(j.schedule).toBe('*/10 * * * * *');
    expect(j.intervalMs).toBeUndefined();
    expect(j.info.interval_seconds).toBe('0');
    expect(j.steps.map((s) => [s.name, s.method, s.body?.kind, s.sendSession])).toEqual([
      ['a', 'GET', undefined, true],
      ['step2', 'POST', 'form', false],
      ['step3', 'POST', 'json', true],
      ['step4', 'PUT', 'raw', true],
    ]);
    expect(j.steps[0]!.extract.map((x) => x.from)).toEqual(['json', 'header', 'cookie', 'url', 'regex']);
    expect(j.steps[0]!.extract[1]).toMatchObject({ header: 'x-request-id' });
    expect(j.steps[0]!.expectJson).toBe(true);
    expect(j.steps[0]!.expect.maxDurationMs).toBe(2000);
    expect([200, 301, 399, 201].map(j.steps[0]!.expect.status)).toEqual([true, true, true, false]);
    expect(j.steps[3]!.expectJson).toBe(false);
  });

  it('maintenance windows', () => {
    const c = compiled(MINIMAL.replace('    endpoints:', '    maintenance: [{ schedule: "0 3 * * 2", duration: 1h30m }]\n    endpoints:'));
    expect(c.maintenance).toEqual([{ group: 'facebook', schedule: '0 3 * * 2', durationMs: 5_400_000 }]);
  });
});
