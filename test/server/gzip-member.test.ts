/**
 * The gzip member /metrics writes batch by batch (src/server/gzip-member.ts), read back by Node's
 * zlib, the gzip tool and Python's gzip module: one member, the text byte for byte.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { gzipMember } from '../../src/server/gzip-member.js';

function zipped(batches: Buffer[]): Buffer {
  const m = gzipMember();
  return Buffer.concat([m.header, ...batches.map((b) => m.deflate(b)), m.trailer()]);
}

const lines = (n: number, seed: string) =>
  Buffer.from(Array.from({ length: n }, (_, i) => `outpost_check_up{group="${seed}",endpoint="e${i % 97}",check="c${i}",location="münchen-東京"} ${i % 2}\n`).join(''));

const batches = [lines(5_000, 'a'), Buffer.alloc(0), lines(1, 'b'), randomBytes(70_000), lines(40_000, 'c')];
const text = Buffer.concat(batches);

describe('gzip member written batch by batch', () => {
  it('Node reads back the text, byte for byte, as one member', () => {
    const z = zipped(batches);
    expect(gunzipSync(z).equals(text)).toBe(true);
    expect(z.subarray(0, 3)).toEqual(Buffer.from([0x1f, 0x8b, 0x08]));
    expect(z.length).toBeLessThan(text.length / 3);
  });

  it('the trailer is checked: a wrong CRC or size is refused', () => {
    const z = zipped(batches);
    const badCrc = Buffer.from(z);
    badCrc[badCrc.length - 8]! ^= 0xff;
    expect(() => gunzipSync(badCrc)).toThrow();
    const badSize = Buffer.from(z);
    badSize[badSize.length - 1]! ^= 0x01;
    expect(() => gunzipSync(badSize)).toThrow();
  });

  it('member after member, with empty batches among them, each checks out', () => {
    for (let i = 0; i < 3; i++) expect(gunzipSync(zipped([Buffer.alloc(0), ...batches, Buffer.alloc(0)])).equals(text)).toBe(true);
  });

  it('no batch at all is the empty text', () => {
    expect(gunzipSync(zipped([])).length).toBe(0);
  });

  /** Handed to the tools as a file: what a scraper saved, read back by another program. */
  const saved = (z: Buffer): string => {
    const path = join(mkdtempSync(join(tmpdir(), 'outpost-gzip-')), 'metrics.gz');
    writeFileSync(path, z);
    return path;
  };

  const gzipTool = spawnSync('gzip', ['--version']).status === 0;
  it.skipIf(!gzipTool)(`the gzip tool tests it and reads it back${gzipTool ? '' : ' (no gzip here)'}`, () => {
    const path = saved(zipped(batches));
    const tested = spawnSync('gzip', ['-t', path], { encoding: 'utf8' });
    expect(tested.status, tested.stderr).toBe(0);
    const out = spawnSync('gzip', ['-dc', path], { maxBuffer: 64 * 2 ** 20 });
    expect(out.status).toBe(0);
    expect(out.stdout.equals(text)).toBe(true);
  });

  const python = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import gzip']).status === 0);
  it.skipIf(!python)(`Python's gzip module reads it back${python ? '' : ' (no python3 here)'}`, () => {
    const code = 'import gzip,sys,hashlib\nprint(hashlib.sha256(gzip.open(sys.argv[1]).read()).hexdigest())';
    const r = spawnSync(python!, ['-c', code, saved(zipped(batches))], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(createHash('sha256').update(text).digest('hex'));
  });
});
