/**
 * The moving parts every check type runs with: a run context (deadline, trace, variables), the
 * login journey (one or more login steps on a fresh session, with a second-factor code when the
 * account has `totp`), and the request steps, each retried for transient failures only (p-retry,
 * exponential backoff with jitter, inside the check's timeout). The check types in src/checks/
 * put them together; what becomes of the endpoint's shared session is the outcome's `session`.
 */
import { performance } from 'node:perf_hooks';
import pRetry from 'p-retry';
import { Secret, TOTP } from 'otpauth';
import type { CompiledCheck, CompiledStep } from '../config/types.js';
import { TRANSIENT_REASONS, type Reason } from '../reasons.js';
import { newTrace, type ProbeTrace } from '../probe/http.js';
import { runStep, type StepContext, type StepResult } from './step.js';
import { isIssued, newSession, type Session } from './session.js';

/** What becomes of the endpoint's shared session after a run. */
export type SessionChange =
  | { kind: 'keep' }
  /** A login issued it because there was none (or the old one was rejected earlier in the run). */
  | { kind: 'set'; session: Session }
  /** It was rejected: the next run logs in again. */
  | { kind: 'drop' }
  /** A login check's own session: becomes the shared one only when there is none. */
  | { kind: 'seed'; session: Session };

export interface RunOutcome {
  ok: boolean;
  reason: Reason | null;
  message: string | null;
  httpStatus: number;
  durationMs: number;
  trace: ProbeTrace;
  session: SessionChange;
  /** Sessions this run created, kept or not: their values are secrets to redact. */
  issued: Session[];
  /** The run logged in (and the login worked). */
  loggedIn: boolean;
  /** A request carrying the shared session was rejected (forced_logout): how old that session was. */
  sessionRejected?: { ageMs: number; preset: boolean };
  /** A 429's Retry-After, in ms (uncapped). */
  retryAfterMs?: number;
}

export interface RunEnv {
  now: () => number;
  userAgent: string;
  /** Backoff between attempts; tests shorten it. */
  retryMinMs?: number;
}

export interface Run {
  check: CompiledCheck;
  env: RunEnv;
  ctx: StepContext;
  issued: Session[];
  loggedIn: boolean;
  finish(r: StepResult | undefined, session: SessionChange, extra?: Partial<RunOutcome>): RunOutcome;
}

export function startRun(check: CompiledCheck, env: RunEnv): Run {
  const started = performance.now();
  const trace = newTrace();
  const ctx: StepContext = {
    check,
    session: undefined,
    vars: { ...check.endpointRef.variables },
    jar: new Map(),
    deadline: started + check.timeoutMs,
    trace,
    now: env.now,
    userAgent: env.userAgent,
  };
  const run: Run = {
    check,
    env,
    ctx,
    issued: [],
    loggedIn: false,
    finish: (r, session, extra) => ({
      ok: !r?.reason,
      reason: r?.reason ?? null,
      message: r?.reason ? (r.message ?? null) : null,
      httpStatus: r?.status ?? 0,
      durationMs: performance.now() - started,
      trace,
      session,
      issued: run.issued,
      loggedIn: run.loggedIn,
      ...(r?.retryAfterMs !== undefined ? { retryAfterMs: r.retryAfterMs } : {}),
      ...extra,
    }),
  };
  return run;
}

/**
 * The login journey on a fresh session. A step before the second-factor step may be answered
 * with the challenge (expected) or without it (the platform did not ask this time: the login is
 * complete when the session is already issued).
 */
export async function logIn(run: Run): Promise<{ result: StepResult; session?: Session }> {
  const endpoint = run.check.endpointRef;
  const steps = endpoint.login ?? [];
  const session = newSession(run.env.now());
  run.issued.push(session);
  const outer = run.ctx.session;
  run.ctx.session = session;
  if (endpoint.totp) run.ctx.vars.totp = totpCode(endpoint.totp, run.env.now());
  try {
    let last: StepResult = { status: 0 };
    for (const step of steps) {
      last = await attempt(step, run);
      if (last.reason) return { result: last };
      if (step.challengeExpected && !last.challenged) {
        // No second factor asked for: done if the session is there already.
        const final = steps.at(-1)!;
        if (final.issues && isIssued(final.issues, session)) break;
      }
    }
    run.loggedIn = true;
    return { result: last, session };
  } finally {
    run.ctx.session = outer;
  }
}

/** Each request step in turn, carrying `run.ctx.session`; stops at the first failure. */
async function runSteps(run: Run, steps: readonly CompiledStep[]): Promise<StepResult | undefined> {
  let last: StepResult | undefined;
  for (const step of steps) {
    last = await attempt(step, run);
    if (last.reason) return last;
  }
  return last;
}

/**
 * The journey of a check that carries the endpoint's shared session: log in first when there is
 * none, then the steps. A rejection of the session drops it (the next run logs in again), except
 * a preset one, which only a new config replaces.
 */
export async function runWithSession(check: CompiledCheck, shared: Session | undefined, env: RunEnv): Promise<RunOutcome> {
  const run = startRun(check, env);
  let change: SessionChange = { kind: 'keep' };
  let session = check.usesSession ? shared : undefined;
  if (check.usesSession && !session && check.endpointRef.login) {
    const { result, session: s } = await logIn(run);
    if (result.reason || !s) return run.finish(result, change);
    session = s;
    change = { kind: 'set', session: s };
  }
  run.ctx.session = session;
  const r = await runSteps(run, check.steps);
  if (r?.reason === 'forced_logout' && session) {
    const preset = session.preset === true;
    const rejected = { ageMs: Math.max(0, env.now() - session.createdAt), preset };
    if (preset) {
      return run.finish({ ...r, message: `${r.message ?? 'session rejected'} (the preset token or cookies were rejected: replace them in the config; no login is attempted)` }, change, { sessionRejected: rejected });
    }
    return run.finish(r, { kind: 'drop' }, { sessionRejected: rejected });
  }
  return run.finish(r, change);
}

class TransientFailure extends Error {
  constructor(readonly result: StepResult) {
    super(result.message ?? result.reason);
  }
}

/**
 * A step with retries for transient reasons only; every request is counted in the trace. The
 * first attempt runs directly: most runs need no retry, and p-retry's machinery (abort signal,
 * promise chain, an error per transient result) costs ~15 µs a run. Only a transient first
 * result enters p-retry, which is handed that result as its first (already made) attempt, so the
 * retries keep p-retry's schedule exactly.
 */
async function attempt(step: CompiledStep, run: Run): Promise<StepResult> {
  const { ctx, check, env } = run;
  const first = await runStep(step, ctx);
  if (check.retries === 0 || !first.reason || !TRANSIENT_REASONS.has(first.reason)) return first;
  let made = 0;
  try {
    return await pRetry(
      async () => {
        const r = made++ === 0 ? first : await runStep(step, ctx);
        if (r.reason && TRANSIENT_REASONS.has(r.reason)) throw new TransientFailure(r);
        return r;
      },
      {
        retries: check.retries,
        minTimeout: env.retryMinMs ?? 200,
        factor: 2,
        randomize: true,
        maxRetryTime: Math.max(0, ctx.deadline - performance.now()),
        shouldRetry: ({ error }) => error instanceof TransientFailure && ctx.deadline - performance.now() > (env.retryMinMs ?? 200),
      },
    );
  } catch (err) {
    if (err instanceof TransientFailure) return err.result;
    throw err;
  }
}

/** The current RFC 6238 code (SHA-1, 6 digits, 30 s: what authenticator apps and the platforms use). */
export function totpCode(secretBase32: string, now: number): string {
  return new TOTP({ secret: Secret.fromBase32(secretBase32), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: now });
}
