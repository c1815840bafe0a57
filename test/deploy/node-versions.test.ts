/**
 * One Node.js story: the image's base (Dockerfile), .nvmrc and package.json's engines agree, and
 * the LICENSE file is the license package.json and the image label name.
 */
import { describe, expect, it } from 'vitest';
import { readRepoFile } from './helpers.js';

const pkg = JSON.parse(readRepoFile('package.json')) as { license: string; engines: { node: string } };
const dockerfile = readRepoFile('Dockerfile');

describe('Node.js versions', () => {
  const images = [...dockerfile.matchAll(/^FROM\s+(?:docker\.io\/)?(?:library\/)?node:(\d+)\.(\d+)\.(\d+)/gm)].map((m) => m.slice(1, 4).map(Number) as [number, number, number]);

  it('.nvmrc names the image\'s Node major', () => {
    expect(images.length).toBeGreaterThan(0);
    const nvmrc = readRepoFile('.nvmrc').trim().replace(/^v/, '');
    expect(nvmrc).toMatch(/^\d+(\.\d+){0,2}$/);
    for (const [major] of images) expect(Number(nvmrc.split('.')[0])).toBe(major);
  });

  it('engines (>=X.Y) includes the image\'s Node and the one running the tests', () => {
    const m = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(pkg.engines.node);
    expect(m, `engines.node "${pkg.engines.node}" is a >= range`).not.toBeNull();
    const min = [Number(m![1]), Number(m![2] ?? 0), Number(m![3] ?? 0)];
    const atLeast = (v: number[]) => v[0]! > min[0]! || (v[0] === min[0] && (v[1]! > min[1]! || (v[1] === min[1] && v[2]! >= min[2]!)));
    for (const image of images) expect(atLeast(image), `node ${image.join('.')}`).toBe(true);
    expect(atLeast(process.versions.node.split('.').map(Number)), `this Node ${process.version}`).toBe(true);
  });
});

describe('LICENSE', () => {
  it('is the license package.json and the image label name', () => {
    expect(pkg.license).toBe('Apache-2.0');
    const text = readRepoFile('LICENSE');
    expect(text).toContain('Apache License');
    expect(text).toContain('Version 2.0, January 2004');
    expect(dockerfile).toContain(`org.opencontainers.image.licenses="${pkg.license}"`);
    expect(dockerfile).toMatch(/^COPY LICENSE /m);
  });
});
