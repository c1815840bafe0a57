/**
 * Writing the /metrics exposition to the socket: batch by batch, each batch one writev of views
 * (nothing copied into one large buffer), waiting for the socket to drain. Gzipped, the batches
 * are the pieces of one gzip member (src/metrics/gzip-parts.ts), each compressed on its own or
 * reused from an earlier scrape. Neither the rendering nor the compression holds the event loop
 * for long: a turn is given back every 256 KB.
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
