/** `node dist/cli.js`: validate, check (against a running simulator), unknown commands, --help. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { assertBuilt, cleanEnv, runCli, simulatorConfig } from './helpers.js';

let dir: string;
let sim: Simulator;
let config: string;

beforeAll(async () => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'outpost-cli-'));
  sim = await startSimulator({ port: 0, seed: 7, latencyMs: [0, 0] });
  config = join(dir, 'outpost.yaml');
  writeFileSync(config, simulatorConfig(sim.url, { stateDir: join(dir, 'data') }));
});
afterAll(async () => {
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => sim.clearFaults());

const write = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('validate', () => {
  it('exit 0 and a summary for a valid file', async () => {
    const r = await runCli(['validate', '--config', config]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${config}: valid (3 groups, 3 endpoints, 9 checks, 0 webhooks)\n`);
  });

  it('exit 2 with every error as `path: message` on stderr', async () => {
    const bad = write(
      'bad.yaml',
      simulatorConfig(sim.url)
        .replace('listen: 127.0.0.1:0', 'listen: nowhere')
        .replace('interval: 30s', 'interval: often')
        .replace('location: test', 'location: test\ncolour: blue'),
    );
    const r = await runCli(['validate', '--config', bad]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toBe(`${bad}: invalid configuration`);
    expect(lines.slice(1).sort()).toEqual(
      [
        '(root): unknown field colour',
        'listen: expected host:port, e.g. 0.0.0.0:9464 or [::1]:9464',
        'defaults.interval: expected a duration such as 500ms, 30s, 5m, 1h or 1d',
      ].sort(),
    );
  });

  it('semantic errors, each on its own line', async () => {
    const bad = write('semantic.yaml', simulatorConfig(sim.url).replace('items: data, ', '').replace('login: { type: login }', 'login: { type: login, schedule: "61 * * * *" }'));
    const r = await runCli(['validate', '--config', bad]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n').slice(1);
    expect(lines).toContain('groups.facebook.endpoints.web.checks.feed.items: a feed check needs items: the JSON path of the list of items');
    expect(lines.some((l) => l.startsWith('groups.facebook.endpoints.web.checks.login.schedule: '))).toBe(true);
    for (const l of lines) expect(l).toMatch(/^[\w.[\]()-]+: \S/);
  });

  it('--json', async () => {
    const ok = await runCli(['validate', '--json', '--config', config]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ valid: true, checks: 9 });
    const bad = await runCli(['validate', '--json', '--config', write('j.yaml', 'groups: {}\n')]);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout)).toEqual({ valid: false, errors: [{ path: 'groups', message: 'at least one group is needed' }] });
  });

  it('reads OUTPOST_CONFIG, and reports a missing file', async () => {
    const r = await runCli(['validate'], { env: cleanEnv({ OUTPOST_CONFIG: config }) });
    expect(r.code).toBe(0);
    const missing = await runCli(['validate', '--config', join(dir, 'nope.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`(file): cannot read ${join(dir, 'nope.yaml')}: ENOENT`);
  });

  it('validates the shipped configs with no environment set', async () => {
    for (const file of ['config/outpost.example.yaml', 'config/outpost.yaml', 'config/demo.yaml']) {
      const r = await runCli(['validate', '--config', file], { env: { PATH: process.env.PATH } });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
  });
});

interface JsonReport {
  location: string;
  passed: number;
  failed: number;
  checks: { id: string; type: string; ok: boolean; reason: string | null; httpStatus: number; durationMs: number; attempts: number; error: string | null }[];
}

describe('check', () => {
  it('all pass: a table of every check, exit 0', async () => {
    const r = await runCli(['check', '--config', config]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^CHECK\s+RESULT\s+REASON\s+HTTP\s+TIME\s+DETAIL$/);
    for (const id of ['facebook/web/login', 'facebook/web/session', 'facebook/web/feed', 'instagram/mobile-api/feed', 'threads/web/session']) {
      expect(lines.find((l) => l.startsWith(id + ' '))).toMatch(id.endsWith('/login') ? /\sok\s+-\s+(200|302)\s+\d+ms$/ : /\sok\s+-\s+200\s+\d+ms$/);
    }
    expect(lines.at(-1)).toBe('9 passed, 0 failed');
  });

  it('names the reason of each failure, exit 1', async () => {
    sim.setFaults('facebook', [{ type: 'login_refused' }]);
    sim.setFaults('instagram', [{ type: 'feed_empty' }]);
    sim.setFaults('threads', [{ type: 'http_5xx', status: 503, routes: ['feed'] }]);
    const r = await runCli(['check', '--config', config]);
    expect(r.code).toBe(1);
    const row = (id: string) => r.stdout.split('\n').find((l) => l.startsWith(id + ' ')) ?? '';
    expect(row('facebook/web/login')).toMatch(/\sFAIL\s+login_rejected\s/);
    expect(row('facebook/web/feed')).toMatch(/\sFAIL\s+login_rejected\s/);
    expect(row('instagram/mobile-api/login')).toMatch(/\sok\s/);
    expect(row('instagram/mobile-api/feed')).toMatch(/\sFAIL\s+feed_empty\s/);
    expect(row('threads/web/feed')).toMatch(/\sFAIL\s+http_5xx\s+503\s/);
    expect(row('threads/web/session')).toMatch(/\sok\s/);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('4 passed, 5 failed');
    // No secret of the accounts in the output.
    expect(r.stdout).not.toContain('fb-pass-1');
  });

  it('forced logout: the session is rejected after a good login', async () => {
    sim.setFaults('facebook', [{ type: 'forced_logout' }]);
    sim.setFaults('threads', [{ type: 'login_challenge' }]);
    const r = await runCli(['check', '--json', '--config', config]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as JsonReport;
    const by = Object.fromEntries(report.checks.map((c) => [c.id, c]));
    expect(by['facebook/web/login']).toMatchObject({ ok: true, reason: null });
    expect(by['facebook/web/session']).toMatchObject({ ok: false, reason: 'forced_logout' });
    expect(by['facebook/web/feed']).toMatchObject({ ok: false, reason: 'forced_logout' });
    expect(by['threads/web/login']).toMatchObject({ ok: false, reason: 'login_challenge' });
  });

  it('--json: the report shape, exit 0', async () => {
    const r = await runCli(['check', '--json', '--config', config]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as JsonReport;
    expect(report).toMatchObject({ location: 'test', passed: 9, failed: 0 });
    expect(report.checks).toHaveLength(9);
    for (const c of report.checks) {
      expect(Object.keys(c).sort()).toEqual(['attempts', 'durationMs', 'error', 'httpStatus', 'id', 'ok', 'reason', 'type'].sort());
      expect(c).toMatchObject({ ok: true, reason: null, error: null });
      expect(c.httpStatus).toBe(c.id === 'facebook/web/login' ? 302 : 200);
      expect(c.attempts).toBeGreaterThanOrEqual(1);
    }
  });

  it('a bad config: exit 2, no checks run', async () => {
    const r = await runCli(['check', '--config', write('bad-check.yaml', 'groups: {}\n')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('groups: at least one group is needed');
  });

  it('an unreachable platform: connect_refused, exit 1', async () => {
    const cfg = write('refused.yaml', simulatorConfig('http://127.0.0.1:1'));
    const r = await runCli(['check', '--json', '--config', cfg]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as JsonReport;
    expect(new Set(report.checks.map((c) => c.reason))).toEqual(new Set(['connect_refused']));
  });
});

describe('the command line', () => {
  it('unknown command: exit 2 with the usage on stderr', async () => {
    const r = await runCli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown command frobnicate');
    expect(r.stderr).toContain('Usage: outpost <command>');
  });

  it('unknown flag: exit 2', async () => {
    const r = await runCli(['validate', '--colour']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Unknown option '--colour'/);
  });

  it('--help and -h: the usage, exit 0', async () => {
    for (const args of [['--help'], ['-h'], ['check', '--help']]) {
      const r = await runCli(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Usage: outpost <command>');
      for (const cmd of ['run', 'check', 'validate', 'simulate', 'demo']) expect(r.stdout).toMatch(new RegExp(`^  ${cmd}\\s`, 'm'));
    }
  });

  it('no command: the usage, exit 2', async () => {
    const r = await runCli([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Usage: outpost <command>');
  });
});
