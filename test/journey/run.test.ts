/**
 * runCheck against loopback targets, without the daemon: the session a run hands back
 * (src/journey/run.ts). What one request does is in step.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runCheckType as runCheck } from '../../src/checks/index.js';
import type { RunOutcome } from '../../src/journey/run.js';
import type { Session } from '../../src/journey/session.js';
import { closeTargets, reply, startTarget } from '../support/targets.js';
import { compileChecks, RUN_ENV } from './compile.js';

afterEach(closeTargets);

const ACCOUNT = { username: 'seller', password: 'pw-secret-1' };

describe('the session a run hands back', () => {
  const platform = () =>
    startTarget({
      routes: {
        'POST /login': reply.json(200, { ok: true }, { 'set-cookie': 'sid=s1; Path=/' }),
        '/me': reply.json(200, { id: 1 }),
      },
    });

  /** The shared session after a run, as src/run-check.ts applies the outcome. */
  const after = (out: RunOutcome, before: Session | undefined): Session | undefined => {
    const c = out.session;
    if (c.kind === 'keep') return before;
    if (c.kind === 'drop') return undefined;
    if (c.kind === 'seed') return before ?? c.session;
    return c.session;
  };

  it('a login check seeds the shared session when there is none, and never replaces one (failing or not)', async () => {
    const t = await platform();
    const checks = compileChecks({ baseUrl: t.url, account: ACCOUNT, auth: { path: '/login', cookie: 'sid' }, checks: { login: { type: 'login' }, me: { type: 'session', path: '/me' } } });
    const first = await runCheck(checks.login!, undefined, RUN_ENV);
    expect(first.ok).toBe(true);
    expect(first.session.kind).toBe('seed');
    const shared = after(first, undefined);
    expect(shared?.cookies.get('sid')).toBe('s1');
    const again = await runCheck(checks.login!, shared, RUN_ENV);
    expect(again.ok).toBe(true);
    expect(after(again, shared)).toBe(shared);
    t.route('POST /login', reply.status(503));
    const failed = await runCheck(checks.login!, shared, RUN_ENV);
    expect(failed.reason).toBe('http_5xx');
    expect(after(failed, shared)).toBe(shared);
    const me = await runCheck(checks.me!, shared, RUN_ENV);
    expect(me.ok).toBe(true);
    expect(me.loggedIn).toBe(false);
    expect(t.hits('/login').length).toBeGreaterThanOrEqual(3);
  });

  it('a forced logout drops the session and says how old it was', async () => {
    const t = await platform();
    const checks = compileChecks({ baseUrl: t.url, account: ACCOUNT, auth: { path: '/login', cookie: 'sid' }, checks: { me: { type: 'session', path: '/me' } } });
    const first = await runCheck(checks.me!, undefined, RUN_ENV);
    expect(first.loggedIn).toBe(true);
    const shared = after(first, undefined);
    expect(shared?.cookies.get('sid')).toBe('s1');
    t.route('/me', reply.json(403, {}));
    const second = await runCheck(checks.me!, shared, RUN_ENV);
    expect(second.reason).toBe('forced_logout');
    expect(second.session.kind).toBe('drop');
    expect(second.sessionRejected?.preset).toBe(false);
    expect(after(second, shared)).toBeUndefined();
  });
});


describe('retries', () => {
  const check = async (retries: number, handlers: Parameters<typeof startTarget>[0]) => {
    const t = await startTarget(handlers);
    return { t, c: compileChecks({ baseUrl: t.url, checks: { feed: { type: 'http', path: '/feed' } } }, { retries }).feed! };
  };

  it('a transient failure is retried until an attempt works; every attempt is counted', async () => {
    const { t, c } = await check(3, { routes: { '/feed': [reply.status(503), reply.status(503), reply.json(200, { ok: true })] } });
    const out = await runCheck(c, undefined, RUN_ENV);
    expect(out.ok).toBe(true);
    expect(out.trace.attempts).toBe(3);
    expect(t.hits('/feed')).toHaveLength(3);
  });

  it('retries run out: the last transient result is the run’s', async () => {
    const { t, c } = await check(2, { routes: { '/feed': reply.status(503) } });
    const out = await runCheck(c, undefined, RUN_ENV);
    expect(out.reason).toBe('http_5xx');
    expect(out.trace.attempts).toBe(3);
    expect(t.hits('/feed')).toHaveLength(3);
  });

  it('no retries: one attempt; and a failure that is not transient is never retried', async () => {
    const none = await check(0, { routes: { '/feed': reply.status(503) } });
    expect((await runCheck(none.c, undefined, RUN_ENV)).trace.attempts).toBe(1);
    const notTransient = await check(3, { routes: { '/feed': reply.status(404) } });
    const out = await runCheck(notTransient.c, undefined, RUN_ENV);
    expect(out.reason).not.toBeNull();
    expect(out.trace.attempts).toBe(1);
    expect(notTransient.t.hits('/feed')).toHaveLength(1);
  });
});
