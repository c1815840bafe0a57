/** Faults that replace or damage the answer itself: error pages, 5xx, 429, corrupt, cut or endless bodies. */
import type { ServerResponse } from 'node:http';
import { errorPage } from './pages.js';
import { html, json, type Reply } from './reply.js';
import type { Platform } from './types.js';

export function errorPageReply(platform: Platform): Reply {
  return html(200, errorPage(platform));
}

export function serverErrorReply(status: number): Reply {
  return json(status, { error: 'server_error', message: 'Service temporarily unavailable' });
}

export function rateLimitedReply(): Reply {
  return json(429, { error: 'rate_limited', message: 'Please wait a few minutes before you try again.' }, { 'retry-after': '1' });
}

const FALLBACK_BODY = JSON.stringify({
  status: 'ok',
  items: Array.from({ length: 5 }, (_, i) => ({ id: String(i + 1), text: 'placeholder item for a damaged answer' })),
});

/** A JSON body worth damaging: the handler's own when it has one, else a stand-in. */
function damageableBody(reply: Reply): string {
  return reply.body.length >= 16 ? reply.body : FALLBACK_BODY;
}

/** `invalid_json`: a 200 `application/json` answer whose body stops half way. */
export function truncatedJsonReply(reply: Reply): Reply {
  const body = damageableBody(reply);
  return {
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: body.slice(0, Math.floor(body.length / 2)),
  };
}

/** `reset`: announce the full length, send the headers and half of the body, then destroy the socket. */
export function sendThenReset(res: ServerResponse, reply: Reply): void {
  const body = Buffer.from(damageableBody(reply));
  const contentType = reply.body.length >= 16 ? reply.headers['content-type'] : undefined;
  res.writeHead(200, {
    'content-type': contentType ?? 'application/json; charset=utf-8',
    'content-length': String(body.length),
  });
  res.flushHeaders();
  res.write(body.subarray(0, Math.floor(body.length / 2)), () => {
    setImmediate(() => res.destroy());
  });
}

const CHUNK = 64 * 1024;

export interface StreamOutcome {
  written: number;
  complete: boolean;
}

/**
 * `huge_body`: streams exactly `bytes` bytes of a JSON-looking body (chunked, no length announced),
 * honouring back-pressure and stopping as soon as the client goes away.
 */
export function streamHugeBody(res: ServerResponse, bytes: number): Promise<StreamOutcome> {
  const prefix = '{"items":["';
  const suffix = '"]}';
  const filler = Buffer.alloc(CHUNK, 'a');
  let written = 0;
  let gone = false;
  res.once('close', () => {
    gone = true;
  });
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });

  const piece = (): Buffer => {
    const left = bytes - written;
    if (bytes >= prefix.length + suffix.length) {
      if (written === 0) return Buffer.from(prefix);
      if (left === suffix.length) return Buffer.from(suffix);
      return filler.subarray(0, Math.min(CHUNK, left - suffix.length));
    }
    return filler.subarray(0, Math.min(CHUNK, left));
  };

  return new Promise((resolve) => {
    const pump = (): void => {
      while (!gone && !res.destroyed && written < bytes) {
        const chunk = piece();
        written += chunk.length;
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
      if (written >= bytes && !gone && !res.destroyed) {
        res.end(() => resolve({ written, complete: true }));
      } else {
        resolve({ written, complete: false });
      }
    };
    res.once('close', () => {
      if (written < bytes) resolve({ written, complete: false });
    });
    pump();
  });
}
