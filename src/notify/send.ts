/**
 * One delivery attempt: a POST with undici under a per-attempt timeout, turned into an
 * AttemptOutcome. Never throws, except `StoppedError` when the notifier is stopping.
 */
import { request, type Dispatcher } from 'undici';
import { classifyStatus, type AttemptOutcome } from './retry.js';

export class StoppedError extends Error {
  constructor() {
    super('notifier stopped');
    this.name = 'StoppedError';
  }
}

export interface Attempt {
  url: URL;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** Aborted when the notifier stops. */
  stop: AbortSignal;
  dispatcher: Dispatcher;
  now: () => number;
}

/** The URL to request and the header its userinfo stands for (undici would silently drop it). */
export function splitUserinfo(url: URL): { target: URL; authorization: string | null } {
  if (!url.username && !url.password) return { target: url, authorization: null };
  const target = new URL(url.href);
  const user = decodeURIComponent(url.username);
  const pass = decodeURIComponent(url.password);
  target.username = '';
  target.password = '';
  return { target, authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` };
}

/** A stable, secret-free name for a network failure (no URL, no message text). */
function errorCode(err: unknown, timedOut: boolean): string {
  if (timedOut) return 'timeout';
  const e = err as { code?: unknown; name?: unknown; cause?: { code?: unknown } } | null;
  const code = e?.code ?? e?.cause?.code;
  if (typeof code === 'string' && /^[A-Z0-9_]+$/.test(code)) return code;
  return typeof e?.name === 'string' && /^\w+$/.test(e.name) ? e.name : 'network_error';
}

export async function attempt(a: Attempt): Promise<AttemptOutcome> {
  if (a.stop.aborted) throw new StoppedError();
  const timeout = AbortSignal.timeout(a.timeoutMs);
  const signal = AbortSignal.any([a.stop, timeout]);
  try {
    const res = await request(a.url, {
      method: 'POST',
      headers: a.headers,
      body: a.body,
      signal,
      dispatcher: a.dispatcher,
      headersTimeout: a.timeoutMs,
      bodyTimeout: a.timeoutMs,
    });
    // Read (and discard) a bounded answer so the connection can be reused.
    await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
    return classifyStatus(res.statusCode, res.headers['retry-after'], a.now());
  } catch (err) {
    if (a.stop.aborted) throw new StoppedError();
    return { kind: 'retry', status: null, code: errorCode(err, timeout.aborted), retryAfterMs: null };
  }
}
