/**
 * A gzip member joined from pieces deflated on their own: what any gzip reader makes of it must
 * be the text of the pieces in order, with a right CRC-32 and length (gzip -t checks both; Python's
 * gzip module is a second reader), whether a piece was compressed now, stored, or reused.
 */
import { spawnSync } from 'node:child_process';
import { crc32, gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32Combine, deflatePiece, gzipMember, storedPiece, type GzipPart } from '../../src/metrics/gzip-parts.js';

async function join(parts: GzipPart[]): Promise<Buffer> {
  async function* gen() {
    yield* parts;
  }
  const out: Buffer[] = [];
  for await (const b of gzipMember(gen())) out.push(...b);
  return Buffer.concat(out);
}

const hasGzip = spawnSync('gzip', ['--version']).status === 0;
const PYTHON = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import gzip']).status === 0);

describe('crc32Combine', () => {
  it('gives the CRC-32 of the two texts end to end', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000, size: 'max' }), fc.uint8Array({ maxLength: 3000, size: 'max' }), (a, b) => {
        expect(crc32Combine(crc32(a), crc32(b), b.length)).toBe(crc32(Buffer.concat([a, b])));
      }),
    );
  });

  it('is associative for lengths past 2^32 too (A·B·C either way), as long texts need', () => {
    // Any CRC value is some text's: CRC(A·B·C) must not depend on which two are combined first.
    fc.assert(
      fc.property(fc.nat({ max: 2 ** 32 - 1 }), fc.nat({ max: 2 ** 32 - 1 }), fc.nat({ max: 2 ** 32 - 1 }), fc.nat({ max: 2 ** 40 }), fc.nat({ max: 2 ** 40 }), (a, b, c, lb, lc) => {
        expect(crc32Combine(crc32Combine(a, b, lb), c, lc)).toBe(crc32Combine(a, crc32Combine(b, c, lc), lb + lc));
      }),
    );
  });
});

describe('gzipMember', () => {
  it('any split of a text, each piece compressed, stored or reused, gunzips to the text', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.string({ unit: 'grapheme', maxLength: 6000, size: 'large' }), fc.constantFrom('text', 'stored', 'deflated')), { maxLength: 12 }), async (pieces) => {
        const parts: GzipPart[] = pieces.map(([s, how]) => {
          const text = Buffer.from(s, 'utf8');
          if (how === 'text') return { text };
          return { deflated: how === 'stored' ? storedPiece(text) : deflatePiece(text) };
        });
        const gz = await join(parts);
        expect(gunzipSync(gz).toString('utf8')).toBe(pieces.map(([s]) => s).join(''));
      }),
      { numRuns: 60 },
    );
  });

  it('keeps what it compressed for the caller to reuse, and the reused pieces give the same text', async () => {
    const text = Buffer.from('outpost_check_up{check="a"} 1\n'.repeat(5000));
    const kept: Parameters<NonNullable<Extract<GzipPart, { text: Buffer }>['keep']>>[0][] = [];
    const first = await join([{ text, keep: (d) => kept.push(d) }, { text: Buffer.from('# EOF\n'), keep: (d) => kept.push(d) }]);
    expect(kept).toHaveLength(2);
    const second = await join(kept.map((deflated) => ({ deflated })));
    expect(second.equals(first)).toBe(true);
    expect(gunzipSync(second).toString()).toBe(`${text.toString()}# EOF\n`);
  });

  it('a stored block holds at most 65,535 bytes', () => {
    expect(() => storedPiece(Buffer.alloc(65_536))).toThrow(RangeError);
    expect(storedPiece(Buffer.alloc(65_535)).data.length).toBe(65_540);
  });

  it.skipIf(!hasGzip)('gzip -t finds the CRC and length right (a multi-megabyte member of many pieces)', async () => {
    const parts: GzipPart[] = [];
    for (let i = 0; i < 40; i++) {
      const text = Buffer.from(`outpost_check_state{check="c${i}",state="up"} ${i % 2}\n`.repeat(2000 + i * 37));
      parts.push(i % 3 === 0 ? { deflated: deflatePiece(text) } : i % 3 === 1 ? { text } : { deflated: storedPiece(text.subarray(0, 60_000)) });
    }
    const gz = await join(parts);
    const t = spawnSync('gzip', ['-t'], { input: gz });
    expect(t.status, String(t.stderr)).toBe(0);
    const expected = Buffer.concat(parts.map((p) => ('text' in p ? p.text : null)).filter((b): b is Buffer => b !== null));
    expect(expected.length).toBeGreaterThan(0);
    const d = spawnSync('gzip', ['-dc'], { input: gz, maxBuffer: 64 * 1024 * 1024 });
    expect(d.status).toBe(0);
    expect(d.stdout.length).toBe(gunzipSync(gz).length);
  });

  it.skipIf(!PYTHON)("Python's gzip module reads it", async () => {
    const text = 'outpost_check_info{check="é"} 1\n'.repeat(3000);
    const gz = await join([{ text: Buffer.from(text.slice(0, 40_000)) }, { deflated: storedPiece(Buffer.from('# HELP x y\n')) }, { text: Buffer.from(text.slice(40_000)) }]);
    const r = spawnSync(PYTHON!, ['-c', 'import gzip,sys; sys.stdout.write(str(len(gzip.decompress(sys.stdin.buffer.read()))))'], { input: gz, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(Number(r.stdout)).toBe(Buffer.byteLength(text) + '# HELP x y\n'.length);
  });
});
