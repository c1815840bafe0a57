/**
 * Writing the /metrics exposition to the socket: batch by batch, each batch one writev of views
 * (nothing copied into one large buffer), waiting for the socket to drain, gzipped through a
 * zlib stream when the scraper asked for it. zlib compresses on the thread pool, so neither the
 * rendering (which yields between slices) nor the compression blocks the event loop for long.
 */
import type { ServerResponse } from 'node:http';
import { finished } from 'node:stream/promises';
import { constants, createGzip, type Gzip } from 'node:zlib';

/** Speed over ratio: metrics text compresses ~20× even at level 1, and the scrape stays fast. */
const GZIP_LEVEL = 1;

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
  const z: Gzip = createGzip({ level: GZIP_LEVEL, flush: constants.Z_NO_FLUSH });
  z.pipe(res);
  const abort = () => z.destroy();
  res.once('close', abort);
  try {
    for await (const batch of body) {
      if (res.destroyed || z.destroyed) return;
      let full = false;
      for (const b of batch) full = !z.write(b) || full;
      if (full) await drained(z);
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
