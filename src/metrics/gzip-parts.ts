/**
 * One gzip member joined from pieces deflated on their own, as pigz does it: each piece is raw
 * DEFLATE from a fresh compressor, ended by a sync flush (an empty stored block: byte-aligned, not
 * final), so it refers to nothing before it and pieces can be laid end to end; a final empty block
 * and the CRC-32 and length of the whole text close the member. A piece of text that rarely
 * changes can then be compressed once and reused by the scrapes after (check-series.ts).
 *
 * The CRC-32 of the whole is combined from the pieces' (zlib's crc32_combine: multiplying by
 * x^(8·length) modulo the CRC polynomial), so a reused piece's text is not needed again.
 */
import { constants, crc32, deflateRawSync } from 'node:zlib';

/** A piece of text as raw DEFLATE ended by a sync flush, with the text's CRC-32 and byte length. */
export interface Deflated {
  data: Buffer;
  crc: number;
  length: number;
}

/**
 * A part of an exposition to gzip: text to compress (and, with `keep`, a place to keep its
 * compressed form for the next scrape), or a piece compressed before.
 */
export type GzipPart = { text: Buffer; keep?: (d: Deflated) => void } | { deflated: Deflated };

/** Speed over ratio: metrics text compresses ~20× even at level 1. */
const LEVEL = 1;

/** A piece of text as one stored (uncompressed) DEFLATE block, not final: up to 65,535 bytes. */
export function storedPiece(text: Buffer): Deflated {
  if (text.length > 0xffff) throw new RangeError('a stored block holds at most 65535 bytes');
  const head = Buffer.alloc(5);
  head[0] = 0; // BFINAL 0, BTYPE 00, then padding to the byte boundary
  head.writeUInt16LE(text.length, 1);
  head.writeUInt16LE(~text.length & 0xffff, 3);
  return { data: Buffer.concat([head, text]), crc: crc32(text), length: text.length };
}

export function deflatePiece(text: Buffer): Deflated {
  return { data: deflateRawSync(text, { level: LEVEL, finishFlush: constants.Z_SYNC_FLUSH }), crc: crc32(text), length: text.length };
}

const NOTHING: Deflated = { data: Buffer.alloc(0), crc: 0, length: 0 };

/** ID1 ID2, CM 8 (deflate), no flags, no time, XFL 4 (fastest), OS 255 (unknown). */
export const GZIP_HEADER: Buffer = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 0xff]);

/** A final fixed-Huffman block holding nothing: BFINAL 1, BTYPE 01, end-of-block (0000000). */
const FINAL_BLOCK = [0x03, 0x00];

/** What ends the member: the final block, then the CRC-32 and the length modulo 2^32 (little-endian). */
export function gzipTrailer(crc: number, length: number): Buffer {
  const b = Buffer.alloc(10);
  b[0] = FINAL_BLOCK[0]!;
  b[1] = FINAL_BLOCK[1]!;
  b.writeUInt32LE(crc >>> 0, 2);
  b.writeUInt32LE(length % 2 ** 32, 6);
  return b;
}

const POLY = 0xedb88320;

/** a(x)·b(x) modulo the CRC-32 polynomial, in the reflected bit order of the CRC. */
function multModP(a: number, b: number): number {
  let p = 0;
  for (let m = 0x80000000; m !== 0; m >>>= 1) {
    if (a & m) p ^= b;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return p >>> 0;
}

/** x^(2^k) modulo the polynomial for k = 0..31. */
const X2N: number[] = (() => {
  const t: number[] = [];
  let p = 0x40000000; // x^1
  for (let k = 0; k < 32; k++) {
    t.push(p);
    p = multModP(p, p);
  }
  return t;
})();

/** x^(8·bytes) modulo the polynomial. */
function xPowBytes(bytes: number): number {
  let p = 0x80000000; // x^0
  let k = 3; // 8 = 2^3
  for (let n = bytes; n > 0; n = Math.floor(n / 2), k++) if (n % 2) p = multModP(X2N[k % 32]!, p);
  return p;
}

/**
 * Text rendered and compressed between two turns of the event loop, about: parts come from a
 * generator that renders them when asked, so a turn is given back every TURN_BYTES to keep each
 * hold on the loop to a few milliseconds.
 */
const TURN_BYTES = 256 * 1024;
/** Text shorter than this (a family's HELP and TYPE, `# EOF`) goes as a stored block: compressing it would not pay. */
const STORE_BELOW = 512;
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The gzip member of the parts' text, as buffers to write in order: the header, each part's raw
 * DEFLATE (compressed here, or as it came), then the final block and the trailer.
 *
 * Compressed on the event loop, a part at a time: level 1 costs ~1.5 ms a megabyte, less than the
 * round trip to the thread pool and back through a busy loop that each part costs otherwise (with
 * the parts compressed on the pool, 3 at a time, scrapes of 10,000 checks in the start window
 * took 203-369 ms in the benchmark; on the loop, 160-320 ms, before the other changes of that day).
 */
export async function* gzipMember(parts: AsyncIterable<GzipPart>): AsyncGenerator<Buffer[]> {
  yield [GZIP_HEADER];
  let crc = 0;
  let length = 0;
  let done = 0;
  for await (const part of parts) {
    let d: Deflated;
    if ('deflated' in part) d = part.deflated;
    else if (part.text.length === 0) {
      part.keep?.(NOTHING);
      continue;
    } else {
      d = part.text.length < STORE_BELOW ? storedPiece(part.text) : deflatePiece(part.text);
      part.keep?.(d);
      done += part.text.length;
    }
    crc = crc32Combine(crc, d.crc, d.length);
    length += d.length;
    if (d.data.length > 0) yield [d.data];
    if (done >= TURN_BYTES) {
      await nextTurn();
      done = 0;
    }
  }
  yield [gzipTrailer(crc, length)];
}

/** CRC-32 of A followed by B, from A's CRC, B's CRC and B's length. */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  return (multModP(xPowBytes(lengthB), crcA >>> 0) ^ crcB) >>> 0;
}
