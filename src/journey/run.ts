/**
 * One run of a check: log in first when the check needs a session and there is none, then each
 * step in turn, retrying transient failures (p-retry, exponential backoff with jitter) inside the
 * check's timeout. Session in, session out: a rejected session is dropped so the next run logs in.
 */
import { performance } from 'node:perf_hooks';
import pRetry from 'p-retry';
import type { CompiledCheck, CompiledStep } from '../config/types.js';
import { TRANSIENT_REASONS, type Reason } from '../reasons.js';
import { newTrace, type ProbeTrace } from '../probe/http.js';
import { runStep, type StepContext, type StepResult } from './step.js';
import type { Session } from './session.js';

export interface RunOutcome {
  ok: boolean;
  reason: Reason | null;
  message: string | null;
  httpStatus: number;
  durationMs: number;
  trace: ProbeTrace;
  /** The endpoint's session after the run (undefined: none). */
  session: Session | undefined;
  /** Sessions this run created, kept or not: their values are secrets to redact. */
  issued: Session[];
}

export interface RunEnv {
  now: () => number;
  userAgent: string;
  /** Backoff between attempts; tests shorten it. */
  retryMinMs?: number;
}

class TransientFailure extends Error {
  constructor(readonly result: StepResult) {
    super(result.message ?? result.reason);
  }
}

export async function runCheck(check: CompiledCheck, session: Session | undefined, env: RunEnv): Promise<RunOutcome> {
  const started = performance.now();
  const deadline = started + check.timeoutMs;
  const trace = newTrace();
  const issued: Session[] = [];
  const ctx: StepContext = {
    check,
    session,
    vars: { ...check.endpointRef.variables },
    jar: new Map(),
    deadline,
    trace,
    now: env.now,
    userAgent: env.userAgent,
  };
  const finish = (r: StepResult | undefined): RunOutcome => ({
    ok: !r?.reason,
    reason: r?.reason ?? null,
    message: r?.reason ? (r.message ?? null) : null,
    httpStatus: r?.status ?? 0,
    durationMs: performance.now() - started,
    trace,
    session: ctx.session,
    issued,
  });

  const login = check.endpointRef.login;
  if (check.type === 'login' || (check.usesSession && !ctx.session && login)) {
    const r = await attempt(login!, ctx, check, env);
    if (r.reason) {
      // A failed login check leaves the session it was given: that one may still work, and the
      // checks that use it tell when it does not (forced_logout). Others had none to keep.
      ctx.session = check.type === 'login' ? session : undefined;
      return finish(r);
    }
    ctx.session = r.session;
    if (r.session) issued.push(r.session);
    if (check.type === 'login') {
      ctx.session!.worked = true;
      return finish(r);
    }
  }

  let last: StepResult | undefined;
  for (const step of check.steps) {
    last = await attempt(step, ctx, check, env);
    if (last.reason) {
      if (last.reason === 'forced_logout') ctx.session = undefined;
      return finish(last);
    }
    if (step.sendSession && ctx.session) ctx.session.worked = true;
  }
  return finish(last);
}

/** A step with retries for transient reasons only; every request is counted in the trace. */
async function attempt(step: CompiledStep, ctx: StepContext, check: CompiledCheck, env: RunEnv): Promise<StepResult> {
  try {
    return await pRetry(
      async () => {
        const r = await runStep(step, ctx);
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
