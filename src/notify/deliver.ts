/**
 * Delivering one notification to one webhook, retries included (p-retry drives the attempts; the
 * wait between them is ours: full jitter, or the receiver's Retry-After).
 */
import pRetry, { AbortError } from 'p-retry';
import type { Dispatcher } from 'undici';
import type { CompiledWebhook } from '../config/types.js';
import type { OutboxEntry } from './outbox.js';
import { sign } from './payload.js';
import { formatRequest } from './render.js';
import { standardWebhookHeaders } from './standard-webhooks.js';
import { retryDelayMs, type AttemptOutcome, type BackoffOptions } from './retry.js';
import { attempt, splitUserinfo, StoppedError } from './send.js';

export type Logger = Record<'debug' | 'info' | 'warn' | 'error', (obj: object, msg?: string) => void>;
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;
export type DeliveryResult = 'success' | 'failure' | 'stopped';

export interface DeliveryContext {
  /** The webhook's current configuration (read at every attempt: a reload may change it). */
  hook: () => CompiledWebhook;
  dispatcher: Dispatcher;
  userAgent: string;
  backoff: BackoffOptions;
  now: () => number;
  random: () => number;
  sleep: Sleep;
  logger: Logger;
  /** Aborts an attempt in flight: the notifier stops. */
  stop: AbortSignal;
  /** Aborts a wait between attempts, and no new wait begins: the notifier drains. */
  drain: AbortSignal;
  /** An attempt was made (entry.attempts changed): persist. */
  onAttempt: () => void;
}

class AttemptFailed extends Error {
  constructor(readonly outcome: AttemptOutcome) {
    super(outcome.kind === 'retry' && outcome.code ? outcome.code : `HTTP ${outcome.status}`);
    this.name = 'AttemptFailed';
  }
}

/**
 * The request headers: configured ones first, then the format's (e.g. Opsgenie's Authorization),
 * then the contract's, which win. The signature is the Standard Webhooks one with `signing: standard`.
 */
function requestHeaders(
  hook: CompiledWebhook,
  entry: OutboxEntry,
  body: string,
  userAgent: string,
  authorization: string | null,
  formatHeaders: Record<string, string> = {},
  now: number = Date.now(),
): Record<string, string> {
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries(hook.headers)) h[k.toLowerCase()] = v;
  if (authorization && !h.authorization) h.authorization = authorization;
  for (const [k, v] of Object.entries(formatHeaders)) h[k.toLowerCase()] = v;
  h['user-agent'] ??= userAgent;
  h['content-type'] = 'application/json';
  h['x-outpost-event'] = entry.event.event;
  h['x-outpost-delivery'] = entry.deliveryId;
  if (hook.secret && hook.signing === 'standard') Object.assign(h, standardWebhookHeaders(hook.secret, entry.deliveryId, now, body));
  else if (hook.secret) h['x-outpost-signature-256'] = sign(hook.secret, body);
  return h;
}

function outcomeFields(o: AttemptOutcome): object {
  return o.kind === 'retry' ? { status: o.status, error: o.code, retryAfterMs: o.retryAfterMs } : { status: o.status };
}

/** Deliver `entry`; mutates `entry.attempts`. Never throws. */
export async function deliver(entry: OutboxEntry, ctx: DeliveryContext): Promise<DeliveryResult> {
  const first = ctx.hook();
  const log = { webhook: first.name, deliveryId: entry.deliveryId, event: entry.event.event, incident: entry.event.incident.id };
  const once = async (): Promise<AttemptOutcome> => {
    const hook = ctx.hook();
    const now = ctx.now();
    const req = formatRequest(hook, entry, new Date(now));
    const body = JSON.stringify(req.body);
    const { target, authorization } = splitUserinfo(req.url);
    let outcome: AttemptOutcome;
    try {
      outcome = await attempt({
        url: target,
        headers: requestHeaders(hook, entry, body, ctx.userAgent, authorization, req.headers, now),
        body,
        timeoutMs: hook.timeoutMs,
        stop: ctx.stop,
        dispatcher: ctx.dispatcher,
        now: ctx.now,
      });
    } catch (err) {
      throw new AbortError(err instanceof Error ? err : new StoppedError());
    }
    entry.attempts++;
    ctx.onAttempt();
    if (outcome.kind === 'delivered') return outcome;
    if (outcome.kind === 'final') throw new AbortError(new AttemptFailed(outcome));
    throw new AttemptFailed(outcome);
  };
  try {
    const ok = await pRetry(once, {
      retries: Math.max(0, first.retries - entry.attempts),
      // The wait is ours (onFailedAttempt), so p-retry's own is zero.
      minTimeout: 0,
      factor: 1,
      onFailedAttempt: async ({ error, retriesLeft, retriesConsumed }) => {
        const outcome = (error as AttemptFailed).outcome;
        ctx.logger.debug({ ...log, attempt: entry.attempts, retriesLeft, ...outcomeFields(outcome) }, 'webhook attempt failed');
        if (retriesLeft <= 0) return;
        if (ctx.drain.aborted) throw new StoppedError();
        const wait = retryDelayMs(outcome, retriesConsumed + 1, ctx.backoff, ctx.random);
        await ctx.sleep(wait, AbortSignal.any([ctx.stop, ctx.drain])).catch(() => {
          throw new StoppedError();
        });
      },
    });
    ctx.logger.info({ ...log, attempts: entry.attempts, status: ok.status }, 'webhook delivered');
    return 'success';
  } catch (err) {
    if (err instanceof StoppedError) {
      ctx.logger.debug({ ...log, attempts: entry.attempts }, 'webhook delivery paused: notifier stopping');
      return 'stopped';
    }
    if (err instanceof AttemptFailed) {
      ctx.logger.warn({ ...log, attempts: entry.attempts, ...outcomeFields(err.outcome) }, 'webhook delivery failed');
      return 'failure';
    }
    ctx.logger.error({ ...log, attempts: entry.attempts, error: err instanceof Error ? err.name : 'unknown' }, 'webhook delivery failed: internal error');
    return 'failure';
  }
}

/** setTimeout that an AbortSignal cuts short (rejecting with StoppedError) and that keeps no process alive. */
export const sleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(new StoppedError());
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new StoppedError());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    timer.unref();
    signal.addEventListener('abort', onAbort, { once: true });
  });
