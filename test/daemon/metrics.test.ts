/** /metrics of a running daemon: every check-level SPEC metric with its labels; promtool is happy. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import type { Daemon } from '../../src/daemon.js';
import { startTestDaemon } from '../support/daemon.js';
import { REASONS } from '../../src/reasons.js';

import { getMetrics, type Sample } from '../support/metrics.js';
import { simulatorConfig } from '../cli/helpers.js';

let dir: string;
let sim: Simulator;
let d: Daemon;
let samples: Sample[];
let text: string;

const CHECK_LABELS = ['check', 'endpoint', 'group', 'location'];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'outpost-metrics-'));
  sim = await startSimulator({ port: 0, seed: 3, latencyMs: [0, 0] });
  const config = join(dir, 'outpost.yaml');
  writeFileSync(
    config,
    simulatorConfig(sim.url, {
      stateDir: join(dir, 'data'),
      extraTop: 'webhooks: [{ name: oncall, url: "http://127.0.0.1:1/hook", retries: 0 }]\n',
    }).replace('groups:\n  facebook:', 'groups:\n  facebook:\n    metrics: { detail: full }\n    maintenance: [{ schedule: "0 0 1 1 *", duration: 1m }]'),
  );
  d = (await startTestDaemon({ configPath: config }, { defaultMetrics: true })).daemon;
  sim.setFaults('instagram', [{ type: 'feed_empty' }]);
  for (const c of d.config().checks) await d.runCheck(c);
  samples = await getMetrics(d.server.url);
  text = await (await fetch(`${d.server.url}/metrics`)).text();
});
afterAll(async () => {
  await d?.stop();
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

const of = (name: string) => samples.filter((s) => s.name === name);
const keys = (s: Sample) => Object.keys(s.labels).sort();
const ids = () => d.config().checks.map((c) => `${c.group}/${c.endpoint}/${c.name}`).sort();
/** facebook opts into `metrics: { detail: full }`; the other groups keep the default detail. */
const fullIds = () => ids().filter((id) => id.startsWith('facebook/'));
const idOf = (s: Sample) => `${s.labels.group}/${s.labels.endpoint}/${s.labels.check}`;

describe('check-level metrics', () => {
  it('outpost_check_info: one per check, with type and interval_seconds', () => {
    const info = of('outpost_check_info');
    expect(info.map(idOf).sort()).toEqual(ids());
    for (const s of info) {
      expect(keys(s)).toEqual([...CHECK_LABELS, 'interval_seconds', 'type'].sort());
      expect(s.value).toBe(1);
      expect(s.labels.location).toBe('test');
    }
    expect(info.find((s) => idOf(s) === 'facebook/web/login')!.labels).toMatchObject({ type: 'login', interval_seconds: '30' });
  });

  for (const name of ['outpost_check_up', 'outpost_check_http_status_code', 'outpost_check_last_duration_seconds']) {
    it(`${name}: one series per check, check labels only`, () => {
      const xs = of(name);
      expect(xs.map(idOf).sort()).toEqual(ids());
      for (const s of xs) expect(keys(s)).toEqual(CHECK_LABELS);
    });
  }

  for (const name of ['outpost_check_consecutive_failures', 'outpost_check_attempts_total', 'outpost_check_last_run_timestamp_seconds', 'outpost_check_duration_seconds_count', 'outpost_check_duration_seconds_sum']) {
    it(`${name}: one series per check at metrics.detail full, none at the default detail`, () => {
      const xs = of(name);
      expect(xs.map(idOf).sort()).toEqual(fullIds());
      for (const s of xs) expect(keys(s)).toEqual(CHECK_LABELS);
    });
  }

  it('series budget: 11 per check at the default detail, plus one per failure reason seen; 31 at full', () => {
    const perCheck = new Map<string, number>();
    for (const s of samples) if (s.name.startsWith('outpost_check_')) perCheck.set(idOf(s), (perCheck.get(idOf(s)) ?? 0) + 1);
    for (const id of ids()) {
      const reasons = of('outpost_check_failures_total').filter((s) => idOf(s) === id).length;
      // Until a check succeeds it has no last-success timestamp.
      const succeeded = of('outpost_check_last_success_timestamp_seconds').some((s) => idOf(s) === id) ? 0 : 1;
      expect(perCheck.get(id), id).toBe((id.startsWith('facebook/') ? 31 : 11) + reasons - succeeded);
    }
  });

  it('outpost_check_duration_seconds is a histogram', () => {
    const buckets = of('outpost_check_duration_seconds_bucket').filter((s) => idOf(s) === 'facebook/web/feed');
    expect(buckets.map((b) => b.labels.le)).toContain('+Inf');
    expect(buckets.find((b) => b.labels.le === '+Inf')!.value).toBe(1);
  });

  it('outpost_check_up and http status reflect the last run', () => {
    const up = Object.fromEntries(of('outpost_check_up').map((s) => [idOf(s), s.value]));
    expect(up['facebook/web/feed']).toBe(1);
    expect(up['instagram/mobile-api/feed']).toBe(0);
    const status = Object.fromEntries(of('outpost_check_http_status_code').map((s) => [idOf(s), s.value]));
    expect(status['threads/web/session']).toBe(200);
  });

  it('outpost_check_state: four series per check, exactly one at 1', () => {
    for (const id of ids()) {
      const xs = of('outpost_check_state').filter((s) => idOf(s) === id);
      expect(xs.map((s) => s.labels.state).sort()).toEqual(['degraded', 'down', 'unknown', 'up']);
      expect(xs.filter((s) => s.value === 1)).toHaveLength(1);
      for (const s of xs) expect(keys(s)).toEqual([...CHECK_LABELS, 'state'].sort());
    }
    const fbFeed = of('outpost_check_state').find((s) => idOf(s) === 'instagram/mobile-api/feed' && s.value === 1);
    expect(fbFeed!.labels.state).toBe('down');
  });

  it('outpost_check_runs_total{result}: success and failure for every check', () => {
    for (const id of ids()) {
      const xs = of('outpost_check_runs_total').filter((s) => idOf(s) === id);
      expect(xs.map((s) => s.labels.result).sort()).toEqual(['failure', 'success']);
      // One run each from the test; the running scheduler may have added one before the scrape.
      expect(xs.reduce((a, s) => a + s.value, 0)).toBe(d.monitor.record(id)!.history.length);
    }
  });

  it('outpost_check_failures_total{reason}: the reason of the failure, from the closed set', () => {
    const xs = of('outpost_check_failures_total');
    expect(xs.map((s) => [idOf(s), s.labels.reason, s.value])).toEqual([['instagram/mobile-api/feed', 'feed_empty', 1]]);
    for (const s of xs) {
      expect(keys(s)).toEqual([...CHECK_LABELS, 'reason'].sort());
      expect(REASONS).toContain(s.labels.reason);
    }
  });

  it('outpost_check_last_success_timestamp_seconds: only for checks that succeeded', () => {
    const xs = of('outpost_check_last_success_timestamp_seconds');
    expect(xs.map(idOf)).not.toContain('instagram/mobile-api/feed');
    expect(xs.map(idOf)).toContain('facebook/web/feed');
    for (const s of xs) expect(s.value).toBeGreaterThan(Date.now() / 1000 - 300);
  });

  it('outpost_check_phase_duration_seconds{phase}: the five blackbox phases, at full detail only', () => {
    expect(of('outpost_check_phase_duration_seconds').map(idOf).filter((id) => !id.startsWith('facebook/'))).toEqual([]);
    const xs = of('outpost_check_phase_duration_seconds').filter((s) => idOf(s) === 'facebook/web/feed');
    expect(xs.map((s) => s.labels.phase).sort()).toEqual(['connect', 'processing', 'resolve', 'tls', 'transfer']);
    for (const s of xs) expect(s.value).toBeGreaterThanOrEqual(0);
  });

  it('endpoint and group metrics', () => {
    const age = of('outpost_session_age_seconds');
    expect(age.map((s) => `${s.labels.group}/${s.labels.endpoint}`).sort()).toEqual(['facebook/web', 'instagram/mobile-api', 'threads/web']);
    for (const s of age) expect(keys(s)).toEqual(['endpoint', 'group', 'location']);
    expect(of('outpost_group_up').map((s) => s.labels.group).sort()).toEqual(['facebook', 'instagram', 'threads']);
    expect(of('outpost_group_state').filter((s) => s.labels.group === 'facebook').map((s) => s.labels.state).sort()).toEqual(['degraded', 'down', 'unknown', 'up']);
    expect(of('outpost_maintenance_active').find((s) => s.labels.group === 'facebook')).toMatchObject({ labels: { location: 'test' }, value: 0 });
  });

  it('process-level metrics', () => {
    expect(of('outpost_incidents_open').map((s) => s.labels.scope).sort()).toEqual(['check', 'group', 'multi_platform']);
    expect(of('outpost_webhook_queue_depth').map((s) => s.labels.webhook)).toEqual(['oncall']);
    expect(of('outpost_scheduler_lag_seconds_count')).toHaveLength(1);
    expect(of('outpost_checks_in_flight')).toHaveLength(1);
    expect(of('outpost_config_last_reload_successful')[0]!.value).toBe(1);
    expect(of('outpost_config_last_reload_success_timestamp_seconds')[0]!.value).toBeGreaterThan(0);
    expect(of('outpost_build_info')[0]!.labels).toEqual({ version: expect.any(String), node_version: process.version });
    expect(of('process_cpu_user_seconds_total')).toHaveLength(1);
  });

  it('no label holds a URL', () => {
    for (const s of samples) for (const v of Object.values(s.labels)) expect(v).not.toMatch(/^https?:|127\.0\.0\.1/);
  });
});

describe('promtool check metrics', () => {
  const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
  const available = !promtool.error && promtool.status === 0;
  if (!available) console.warn('promtool not found (Debian package prometheus): skipping the promtool lint of /metrics');

  it.skipIf(!available)('reports nothing about any outpost_ metric', () => {
    const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 20_000 });
    const problems = `${r.stdout}\n${r.stderr}`
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !/^nodejs_active_\w+_total\b/.test(l));
    expect(problems.filter((l) => l.includes('outpost_'))).toEqual([]);
    // Whatever remains is prom-client's own naming; nothing of ours.
    for (const l of problems) expect(l).not.toMatch(/outpost/);
  });
});
