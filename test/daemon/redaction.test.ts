/**
 * Secrets never leave the process: a spawned daemon at logLevel debug, whose checks succeed and
 * fail, never shows an account password, a session cookie or a token in its log lines, /metrics,
 * /api/v1/status, /api/v1/incidents or the status page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { assertBuilt } from '../cli/helpers.js';
import { startRecordingProxy, type RecordingProxy } from '../support/recording-proxy.js';
import { waitFor } from '../support/wait.js';
import { simulatorConfig } from '../cli/helpers.js';
import { spawnRun, type Spawned } from '../support/daemon.js';

const PASSWORDS = ['fb-pass-1', 'ig-pass-1', 'th-pass-1'];

interface Stack {
  dir: string;
  sim: Simulator;
  proxy: RecordingProxy;
  s: Spawned;
  url: string;
  close(): Promise<void>;
}

async function stack(leakToken: boolean, edit: (config: string) => string = (c) => c): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-redact-'));
  const sim = await startSimulator({ port: 0, seed: 11, latencyMs: [0, 0] });
  const proxy = await startRecordingProxy(sim.url, { leakToken });
  const path = join(dir, 'outpost.yaml');
  writeFileSync(path, edit(simulatorConfig(proxy.url, { stateDir: join(dir, 'data'), logLevel: 'debug', interval: '1s' }).replace('timeout: 3s', 'timeout: 900ms')));
  const s = spawnRun(path);
  const url = await s.url();
  return {
    dir,
    sim,
    proxy,
    s,
    url,
    async close() {
      s.kill();
      await proxy.close();
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const runs = (s: Spawned) => s.logs().filter((l) => l.msg === 'check run');

/** Every place a secret could show, and which secret shows where. */
async function leaks(st: Stack): Promise<string[]> {
  const outputs: Record<string, string> = { stdout: st.s.stdout(), stderr: st.s.stderr() };
  for (const path of ['/metrics', '/api/v1/status', '/api/v1/incidents', '/']) outputs[path] = await (await fetch(`${st.url}${path}`)).text();
  const out: string[] = [];
  for (const [where, text] of Object.entries(outputs)) {
    for (const secret of [...PASSWORDS, ...st.proxy.secrets]) if (text.includes(secret)) out.push(`${where} contains ${secret.slice(0, 4)}…`);
  }
  return out;
}

describe('secret redaction', () => {
  let st: Stack;
  beforeAll(async () => {
    assertBuilt();
    st = await stack(false);
    // Sessions issued and used, then failures: sessions revoked (forced_logout) and logins refused.
    await waitFor(() => runs(st.s).filter((l) => l.ok === true).length >= 6, 'successful runs');
    st.sim.setFaults('facebook', [{ type: 'forced_logout' }]);
    st.sim.setFaults('instagram', [{ type: 'login_refused' }, { type: 'forced_logout' }]);
    st.sim.setFaults('threads', [{ type: 'error_page' }]);
    await waitFor(() => runs(st.s).some((l) => l.reason === 'forced_logout' && String(l.check).startsWith('facebook/')), 'a forced logout on facebook');
    await waitFor(() => runs(st.s).some((l) => l.reason === 'login_rejected'), 'a refused login');
    await waitFor(() => runs(st.s).some((l) => l.reason === 'error_page'), 'an error page');
  }, 60_000);
  afterAll(() => st?.close());

  it('the proxy saw the session secrets (so the test can fail)', () => {
    expect(st.proxy.secrets.size).toBeGreaterThanOrEqual(3);
    expect(runs(st.s).length).toBeGreaterThan(10);
  });

  it('nothing secret in stdout, /metrics, /api/v1/status, /api/v1/incidents or /', async () => {
    expect(await leaks(st)).toEqual([]);
    expect(await (await fetch(`${st.url}/api/v1/status`)).text()).toContain('forced_logout');
  });
});

describe('secret redaction: a session created and rejected within one run', () => {
  let st: Stack;
  beforeAll(async () => {
    assertBuilt();
    // The threads feed, sent with its bearer token, is redirected to /threads/login/<token> (a
    // session id in a URL): the failure message holds the path, so the token must be redacted.
    // Only the feed check on threads: every run logs in itself, then its session is rejected.
    st = await stack(true, (c) => c.replace('          login: { type: login }\n          session: { type: session, path: /api/me }\n          feed: { type: feed, path: /api/feed', '          feed: { type: feed, path: /api/feed'));
    await waitFor(() => runs(st.s).some((l) => l.check === 'threads/web/feed' && l.reason === 'forced_logout'), 'the threads feed redirected with its token');
    await waitFor(() => runs(st.s).filter((l) => l.check === 'threads/web/feed').length >= 3, 'more threads feed runs');
  }, 60_000);
  afterAll(() => st?.close());

  // The run logs in itself and its session is rejected in the same run: that session's token
  // must be known to the redactor too (RunOutcome.issued), or the message would show it.
  it('the token in the redirect URL is redacted', async () => {
    const failed = runs(st.s).filter((l) => l.check === 'threads/web/feed' && l.ok === false);
    expect(failed.length).toBeGreaterThan(0);
    for (const l of failed) expect(String(l.error)).toContain('[REDACTED]');
    expect(await leaks(st)).toEqual([]);
  });
});
