/**
 * Writing the /metrics exposition to the socket: batch by batch, each batch one writev of views
 * (nothing copied into one large buffer), waiting for the socket to drain, gzipped through a
 * zlib stream when the scraper asked for it. zlib compresses on the thread pool, so neither the
 * rendering (a batch at a time) nor the compression blocks the event loop for long.
 */
import type { ServerResponse } from 'node:http';
import { finished } from 'node:stream/promises';
import type { TransformOptions } from 'node:stream';
import { constants, createGzip, type Gzip, type ZlibOptions } from 'node:zlib';

/** Speed over ratio: metrics text compresses ~15× even at level 1, and the scrape stays fast. */
const GZIP_LEVEL = 1;
/**
 * zlib works on the thread pool one output chunk at a time, and a write is acknowledged when its
 * input is consumed: a batch goes in as one buffer and comes out in 64 KB chunks, so a 12 MB
 * exposition costs a few dozen round trips to the pool, not one per 16 KB written.
 */
const GZIP_CHUNK = 64 * 1024;
/**
 * Batches handed to zlib and not yet compressed: two, so that zlib always has the next one queued
 * when it finishes one (its completion starts the next at once, on the thread pool), while the
 * event loop renders the one after. Waiting for 'drain' instead let zlib run dry on every cycle:
 * 'drain' comes only once everything written is consumed, and the next batch was rendered after.
 */
const GZIP_AHEAD = 2;

export async function writeExposition(res: ServerResponse, body: AsyncIterable<Buffer[]>, gzip: boolean): Promise<void> {
  if (!gzip) {
    for await (const batch of body) {
      if (res.destroyed) return;
      res.cork();
      for (const b of batch) res.write(b);
      res.uncork();
      if (res.writableNeedDrain) await drained(res);
    }
    res.end();
    return;
  }
  const z: Gzip = createGzip({ level: GZIP_LEVEL, flush: constants.Z_NO_FLUSH, chunkSize: GZIP_CHUNK } as ZlibOptions & TransformOptions);
  z.pipe(res);
  let ahead = 0;
  let wake: (() => void) | undefined;
  const consumed = (): void => {
    ahead--;
    wake?.();
  };
  const abort = () => {
    z.destroy();
    wake?.();
  };
  res.once('close', abort);
  try {
    for await (const batch of body) {
      if (res.destroyed || z.destroyed) return;
      ahead++;
      z.write(batch.length === 1 ? batch[0]! : Buffer.concat(batch), consumed);
      while (ahead >= GZIP_AHEAD && !z.destroyed && !res.destroyed) await new Promise<void>((r) => (wake = r));
      wake = undefined;
    }
    z.end();
    await finished(res).catch(() => undefined);
  } finally {
    res.off('close', abort);
  }
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
