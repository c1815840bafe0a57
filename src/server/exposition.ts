/**
 * Writing the /metrics exposition to the socket. As text: batch by batch, each batch one writev
 * of views (nothing copied into one large buffer), waiting for the socket to drain. Gzipped: one
 * gzip member joined from parts deflated on their own (src/metrics/gzip-parts.ts), a few at once
 * on the thread pool, and written in order; parts that did not change since the last scrape come
 * compressed already. Neither the rendering (a batch at a time) nor the compression blocks the
 * event loop for long.
 */
import type { ServerResponse } from 'node:http';
import { gzipMember, type GzipPart } from '../metrics/gzip-parts.js';

export interface Exposition {
  /** The text as batches of bytes. */
  text(): AsyncIterable<Buffer[]>;
  /** The same text as parts to gzip. */
  gzip(): AsyncIterable<GzipPart>;
}

export async function writeExposition(res: ServerResponse, body: Exposition, gzip: boolean): Promise<void> {
  for await (const batch of gzip ? gzipMember(body.gzip()) : body.text()) {
    if (res.destroyed) return;
    if (batch.length === 1) res.write(batch[0]);
    else {
      res.cork();
      for (const b of batch) res.write(b);
      res.uncork();
    }
    if (res.writableNeedDrain) await drained(res);
  }
  res.end();
}

/** Until the stream takes more; a client that went away (close) ends the wait too. */
function drained(s: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      s.off('drain', done);
      s.off('close', done);
      resolve();
    };
    s.on('drain', done);
    s.on('close', done);
  });
}
