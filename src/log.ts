/**
 * pino JSON lines on stdout. Fields that can hold credentials are censored by path, and every
 * message and error text goes through the redactor so no known secret value is ever written.
 */
import pino, { type Logger, type DestinationStream } from 'pino';
import type { Redactor } from './redact.js';

export type { Logger };

const REDACT_PATHS = [
  'password',
  'token',
  'secret',
  'cookie',
  'authorization',
  '*.password',
  '*.token',
  '*.secret',
  '*.cookie',
  '*.authorization',
  'headers.authorization',
  'headers.cookie',
  'headers["set-cookie"]',
];

export function createLogger(opts: { level: string; redactor: Redactor; destination?: DestinationStream }): Logger {
  const { redactor } = opts;
  return pino(
    {
      name: 'outpost',
      level: opts.level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      formatters: { level: (label) => ({ level: label }) },
      hooks: {
        logMethod(args, method) {
          // Scrub strings (the message and string fields) of known secret values.
          const scrubbed = args.map((a) => scrub(a, redactor, 0)) as typeof args;
          method.apply(this, scrubbed);
        },
      },
      serializers: { err: (e: unknown) => serializeError(e, redactor) },
    },
    opts.destination ?? pino.destination({ fd: 1, sync: false }),
  );
}

function scrub(v: unknown, r: Redactor, depth: number): unknown {
  if (typeof v === 'string') return r.text(v);
  if (depth > 3 || v === null || typeof v !== 'object') return v;
  if (v instanceof Error) return serializeError(v, r);
  if (Array.isArray(v)) return v.map((x) => scrub(x, r, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = scrub(x, r, depth + 1);
  return out;
}

function serializeError(e: unknown, r: Redactor): unknown {
  if (!(e instanceof Error)) return typeof e === 'string' ? r.text(e) : e;
  const code = (e as NodeJS.ErrnoException).code;
  return { type: e.name, message: r.text(e.message), code, stack: e.stack ? r.text(e.stack) : undefined };
}
