/**
 * Writing the /metrics exposition to the socket: batch by batch (each batch one write of views,
 * nothing copied into one large buffer), waiting for the socket to drain, gzipped batch by batch
 * on the event loop when the scraper asked for it (gzip-member.ts). A batch is ~512 KB
 * (src/metrics/check-series.ts): the loop is given back after every GZIP_BATCHES_PER_TURN of
 * them, so a scrape of 10,000 checks never holds it for long.
 */
import type { ServerResponse } from 'node:http';
import { gzipMember } from './gzip-member.js';

/** ~3 ms of deflate a batch: two keep each turn of the loop ~10 ms at most. */
const GZIP_BATCHES_PER_TURN = 2;

const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

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
  const member = gzipMember();
  res.write(member.header);
  let batches = 0;
  for await (const batch of body) {
    if (res.destroyed) return;
    for (const b of batch) res.write(member.deflate(b));
    if (res.writableNeedDrain) await drained(res);
    else if (++batches % GZIP_BATCHES_PER_TURN === 0) await nextTurn();
  }
  res.end(member.trailer());
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
