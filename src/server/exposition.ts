/**
 * Writing the /metrics exposition to the socket: batch by batch, each batch one writev of views
 * (nothing copied into one large buffer), waiting for the socket to drain, gzipped through a
 * zlib stream when the scraper asked for it. zlib compresses on the thread pool, so neither the
 * rendering (which yields between slices) nor the compression blocks the event loop for long.
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
 * How much uncompressed text may wait for zlib before a write waits for 'drain': two of the
 * exposition's 512 KB batches (src/metrics/check-series.ts), so zlib always has the next one
 * queued while the event loop copies the one after; each wait is one round trip to the pool.
 */
const GZIP_WRITE_HIGH_WATER = 1024 * 1024;

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
  const z: Gzip = createGzip({ level: GZIP_LEVEL, flush: constants.Z_NO_FLUSH, chunkSize: GZIP_CHUNK, writableHighWaterMark: GZIP_WRITE_HIGH_WATER } as ZlibOptions & TransformOptions);
  z.pipe(res);
  const abort = () => z.destroy();
  res.once('close', abort);
  try {
    for await (const batch of body) {
      if (res.destroyed || z.destroyed) return;
      if (!z.write(batch.length === 1 ? batch[0]! : Buffer.concat(batch))) await drained(z);
    }
    z.end();
    await finished(res).catch(() => undefined);
  } finally {
    res.off('close', abort);
  }
}

/** Until the stream takes more; a client that went away (close) ends the wait too. */
function drained(s: ServerResponse | Gzip): Promise<void> {
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
