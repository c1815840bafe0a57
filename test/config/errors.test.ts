/** Every kind of configuration mistake is reported as `path.to.field: message`. */
import { describe, expect, it } from 'vitest';
import { MINIMAL, issuesOf, withChecks } from './helpers.js';

const FEED = '{ type: feed, path: /feed, items: data }';

describe('config errors name the field', () => {
  it('accepts the minimal config (the base of the other cases)', () => {
    expect(() => issuesOf(MINIMAL)).toThrow(/expected the config to be invalid/);
  });

  it('unknown field, at any depth', () => {
    expect(issuesOf(`colour: blue\n${MINIMAL}`)).toContain('(root): unknown field colour');
    expect(issuesOf(withChecks({ feed: '{ type: feed, path: /feed, items: data, itmes: x }' }))).toContain(
      'groups.facebook.endpoints.web.checks.feed: unknown field itmes',
    );
  });

  it('bad duration', () => {
    expect(issuesOf(withChecks({ feed: '{ type: feed, path: /feed, items: data, interval: 30 seconds }' }))).toContain(
      'groups.facebook.endpoints.web.checks.feed.interval: expected a duration such as 500ms, 30s, 5m, 1h or 1d',
    );
    expect(issuesOf(`defaults: { timeout: soon }\n${MINIMAL}`)[0]).toMatch(/^defaults\.timeout: expected a duration/);
  });

  it('bad URL', () => {
    const text = MINIMAL.replace('http://127.0.0.1:9470/facebook', 'ftp://example.com/x');
    expect(issuesOf(text)).toContain('groups.facebook.endpoints.web.baseUrl: expected an http:// or https:// URL');
    expect(issuesOf(MINIMAL.replace('http://127.0.0.1:9470/facebook', 'not a url'))).toContain(
      'groups.facebook.endpoints.web.baseUrl: expected an http:// or https:// URL',
    );
  });

  it('missing groups, and empty groups', () => {
    expect(issuesOf('location: x\n')[0]).toMatch(/^groups: /);
    expect(issuesOf('groups: {}\n')).toContain('groups: at least one group is needed');
  });

  it('a feed without items or path', () => {
    const lines = issuesOf(withChecks({ feed: '{ type: feed }' }));
    expect(lines).toContain('groups.facebook.endpoints.web.checks.feed.items: a feed check needs items: the JSON path of the list of items');
    expect(lines).toContain('groups.facebook.endpoints.web.checks.feed.path: a feed check needs the path of the feed');
  });

  it('login and session checks without auth', () => {
    const lines = issuesOf(withChecks({ login: '{ type: login }', me: '{ type: session, path: /me }' }, { auth: false }));
    expect(lines).toContain('groups.facebook.endpoints.web.checks.login.type: a login check needs the endpoint to have an auth block');
    expect(lines).toContain('groups.facebook.endpoints.web.checks.me.type: a session check needs the endpoint to have an auth block');
  });

  it('bad cron, in a check and in a maintenance window', () => {
    expect(issuesOf(withChecks({ login: '{ type: login, schedule: "every day" }' })).some((l) => l.startsWith('groups.facebook.endpoints.web.checks.login.schedule: '))).toBe(true);
    expect(issuesOf(withChecks({ login: '{ type: login, schedule: "0 61 * * *" }' })).some((l) => l.startsWith('groups.facebook.endpoints.web.checks.login.schedule: '))).toBe(true);
    const maint = MINIMAL.replace('    endpoints:', '    maintenance: [{ schedule: "0 0 32 * *", duration: 1h }]\n    endpoints:');
    expect(issuesOf(maint).some((l) => l.startsWith('groups.facebook.maintenance[0].schedule: '))).toBe(true);
  });

  it('interval and schedule together', () => {
    expect(issuesOf(withChecks({ login: '{ type: login, interval: 5m, schedule: "0 * * * *" }' }))).toContain(
      'groups.facebook.endpoints.web.checks.login.schedule: use either interval or schedule, not both',
    );
  });

  it('timeout longer than the interval, also through defaults', () => {
    expect(issuesOf(withChecks({ feed: '{ type: feed, path: /feed, items: data, interval: 5s, timeout: 10s }' }))).toContain(
      'groups.facebook.endpoints.web.checks.feed.timeout: timeout (10000ms) must not exceed the interval (5000ms)',
    );
    expect(issuesOf(withChecks({ feed: FEED }, { top: 'defaults: { interval: 2s }\n' }))).toContain(
      'groups.facebook.endpoints.web.checks.feed.timeout: timeout (10000ms) must not exceed the interval (2000ms)',
    );
  });

  it('an interval below 1s', () => {
    expect(issuesOf(withChecks({ feed: '{ type: feed, path: /feed, items: data, interval: 500ms, timeout: 100ms }' }))).toContain(
      'groups.facebook.endpoints.web.checks.feed.interval: the interval must be at least 1s',
    );
  });

  it('duplicate webhook names, unknown webhook groups', () => {
    const top = `webhooks:
  - { name: oncall, url: "http://127.0.0.1:1/a" }
  - { name: oncall, url: "http://127.0.0.1:1/b", groups: [nosuch] }
`;
    const lines = issuesOf(`${top}${MINIMAL}`);
    expect(lines).toContain('webhooks[1].name: duplicate webhook name oncall');
    expect(lines).toContain('webhooks[1].groups: unknown group nosuch');
  });

  it('bad regular expressions, in markers and expectations', () => {
    const markers = MINIMAL.replace('    endpoints:', '    markers: { error: ["ok", "(unclosed"] }\n    endpoints:');
    expect(issuesOf(markers)).toContain('groups.facebook.markers.error[1]: not a valid regular expression');
    expect(issuesOf(withChecks({ home: '{ type: http, path: /, expect: { bodyMatches: ["[z-a]"] } }' }))).toContain(
      'groups.facebook.endpoints.web.checks.home.expect.bodyMatches[0]: not a valid regular expression',
    );
  });

  it('bad listen', () => {
    for (const listen of ['9464', 'localhost:99999', 'host:port', ':9464']) {
      expect(issuesOf(`listen: "${listen}"\n${MINIMAL}`)).toContain('listen: expected host:port, e.g. 0.0.0.0:9464 or [::1]:9464');
    }
  });

  it('bad names, enums and numbers', () => {
    expect(issuesOf(MINIMAL.replace('  facebook:', '  Facebook:'))).toContain('groups.Facebook: group name must match [a-z0-9_-]+');
    expect(issuesOf(`logLevel: verbose\n${MINIMAL}`)[0]).toMatch(/^logLevel: /);
    expect(issuesOf(`scheduler: { concurrency: 0 }\n${MINIMAL}`)[0]).toMatch(/^scheduler\.concurrency: /);
    expect(issuesOf(withChecks({ login: '{ type: logon }' }))[0]).toMatch(/^groups\.facebook\.endpoints\.web\.checks\.login\.type: /);
  });

  it('steps: two bodies, bad JSON paths, bad extract', () => {
    const lines = issuesOf(
      withChecks({
        j: '{ type: http, steps: [{ path: /a, json: { a: 1 }, form: { b: "2" } }, { path: /b, expect: { json: [{ path: "a[x", exists: true }] } }] }',
      }),
    );
    expect(lines).toContain('groups.facebook.endpoints.web.checks.j.steps[0]: use only one of json, form and body');
    expect(lines).toContain('groups.facebook.endpoints.web.checks.j.steps[1].expect.json[0].path: not a JSON path such as data.items[0].id');
    expect(issuesOf(withChecks({ j: '{ type: http, steps: [{ path: /a, extract: { "1x": { json: a } } }] }' })).some((l) => l.startsWith('groups.facebook.endpoints.web.checks.j.steps[0].extract'))).toBe(true);
  });

  it('invalid YAML, with its line number', () => {
    const lines = issuesOf('location: x\ngroups:\n  facebook: [unclosed\n');
    expect(lines[0]).toMatch(/^\(yaml line \d+, column \d+\): /);
    const dup = issuesOf('location: a\nlocation: b\n');
    expect(dup[0]).toMatch(/^\(yaml line 2, column 1\): .*unique/i);
  });

  it('an environment variable that is not set', () => {
    const text = MINIMAL.replace('pw-secret', '"${FB_PASSWORD}"');
    expect(issuesOf(text, {})).toContain('groups.facebook.endpoints.web.account.password: environment variable FB_PASSWORD is not set');
  });

  it('a ${file:} that does not exist', () => {
    const text = MINIMAL.replace('pw-secret', '"${file:/nonexistent/outpost/secret}"');
    expect(issuesOf(text)).toContain('groups.facebook.endpoints.web.account.password: cannot read /nonexistent/outpost/secret: ENOENT');
  });

  it('reports every problem at once, not just the first', () => {
    const text = withChecks({ a: '{ type: feed }', b: '{ type: login, schedule: "nope" }' }, { top: 'listen: nope\n' });
    const lines = issuesOf(text);
    // Schema errors come first; once the schema passes, every semantic error is listed.
    expect(lines).toEqual(['listen: expected host:port, e.g. 0.0.0.0:9464 or [::1]:9464']);
    const semantic = issuesOf(withChecks({ a: '{ type: feed }', b: '{ type: login, schedule: "nope" }' }));
    expect(semantic.length).toBeGreaterThanOrEqual(3);
    for (const l of semantic) expect(l).toMatch(/^groups\.facebook\.endpoints\.web\.checks\.[ab]\.[a-z]+: \S/);
  });
});
