import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMetrics, type Metrics } from '../../src/metrics/registry.js';
import { createStateStore } from '../../src/persist/state-file.js';
import { captureLogger } from '../notify/fixtures.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'outpost-store-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const failures = async (m: Metrics): Promise<number> => (await m.stateWriteFailures.get()).values[0]?.value ?? 0;

describe('state store', () => {
  it('writes the versioned format atomically, creating the directory, and loads it back', async () => {
    const dir = join(root, 'nested', 'state');
    const store = createStateStore({ dir });
    expect(await store.load()).toBeNull();
    const data = { checks: { 'facebook/web/session': { state: 'down' } }, outbox: [{ deliveryId: 'x' }] };
    expect(await store.save(data)).toBe(true);
    const doc = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as Record<string, unknown>;
    expect(doc.version).toBe(1);
    expect(new Date(doc.savedAt as string).toISOString()).toBe(doc.savedAt);
    expect(doc.data).toEqual(data);
    expect(await readdir(dir)).toEqual(['state.json']);
    expect(await createStateStore({ dir }).load()).toEqual(data);
  });

  it('never exposes a half-written file: a reader always finds a whole one', async () => {
    const store = createStateStore({ dir: root });
    await store.save({ n: -1, pad: 'x'.repeat(200_000) });
    const writes = Array.from({ length: 30 }, (_, n) => store.save({ n, pad: 'x'.repeat(200_000) }));
    let reads = 0;
    let done = false;
    const all = Promise.all(writes).then(() => (done = true));
    while (!done && reads < 500) {
      const doc = JSON.parse(await readFile(join(root, 'state.json'), 'utf8')) as { data: { n: number } };
      expect(doc.data.n).toBeGreaterThanOrEqual(-1);
      reads++;
    }
    await all;
    expect(((await store.load()) as { n: number }).n).toBe(29);
    expect((await readdir(root)).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('ignores a leftover temporary file from a crash', async () => {
    const store = createStateStore({ dir: root });
    await store.save({ ok: true });
    await writeFile(join(root, `state.json.tmp-${process.pid}-99`), '{"version":1,"da');
    expect(await store.load()).toEqual({ ok: true });
  });

  it('moves a corrupt file aside, logs it, and starts empty', async () => {
    const logger = captureLogger();
    await writeFile(join(root, 'state.json'), '{"version":1,"data":{"trunc');
    const store = createStateStore({ dir: root, logger });
    expect(await store.load()).toBeNull();
    const files = await readdir(root);
    const aside = files.filter((f) => /^state\.json\.corrupt-\d{4}-\d\d-\d\dT[\d-]+Z$/.test(f));
    expect(aside.length).toBe(1);
    expect(await readFile(join(root, aside[0]!), 'utf8')).toBe('{"version":1,"data":{"trunc');
    expect(files).not.toContain('state.json');
    expect(logger.lines.some((l) => l.level === 'error')).toBe(true);
    // A fresh save works afterwards.
    await store.save({ again: 1 });
    expect(await store.load()).toEqual({ again: 1 });
  });

  it('treats a file of another version or shape as unreadable', async () => {
    for (const text of ['{"version":2,"data":{}}', '[1,2]', 'null', '{"version":1}']) {
      await writeFile(join(root, 'state.json'), text);
      expect(await createStateStore({ dir: root }).load()).toBeNull();
    }
    expect((await readdir(root)).filter((f) => f.includes('.corrupt-')).length).toBeGreaterThanOrEqual(1);
  });

  it('counts a write that fails (directory under a regular file: ENOTDIR even as root) and tries again next time', async () => {
    const metrics = createMetrics({ version: 'test' });
    const logger = captureLogger();
    const blocker = join(root, 'blocker');
    await writeFile(blocker, 'I am a file');
    const dir = join(blocker, 'state');
    const store = createStateStore({ dir, logger, metrics });
    await expect(store.save({ a: 1 })).resolves.toBe(false);
    store.saveSoon(() => ({ a: 2 }));
    await expect(store.flush()).resolves.toBeUndefined();
    expect(await failures(metrics)).toBe(2);
    expect(logger.lines.filter((l) => l.level === 'error').length).toBe(2);
    expect(await store.load()).toBeNull();

    await rm(blocker);
    await mkdir(blocker);
    expect(await store.save({ a: 3 })).toBe(true);
    expect(await store.load()).toEqual({ a: 3 });
    expect(await failures(metrics)).toBe(2);
  });

  it('counts data that cannot be serialised without throwing', async () => {
    const metrics = createMetrics({ version: 'test' });
    const store = createStateStore({ dir: root, metrics });
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(await store.save(loop)).toBe(false);
    store.saveSoon(() => {
      throw new Error('snapshot bug');
    });
    await store.flush();
    expect(await failures(metrics)).toBe(2);
    expect(await readdir(root)).toEqual([]);
  });

  it('coalesces saveSoon calls into one write of the latest state', async () => {
    const store = createStateStore({ dir: root, coalesceMs: 50 });
    let snapshots = 0;
    for (let i = 0; i < 100; i++) {
      store.saveSoon(() => {
        snapshots++;
        return { i };
      });
    }
    await store.flush();
    expect(snapshots).toBe(1);
    expect(await store.load()).toEqual({ i: 99 });
    // After a flush nothing is pending: another flush writes nothing new.
    await store.flush();
    expect(snapshots).toBe(1);
  });

  it('writes a coalesced save by itself after the window', async () => {
    const store = createStateStore({ dir: root, coalesceMs: 20 });
    store.saveSoon(() => ({ late: true }));
    store.saveSoon(() => ({ late: 'yes' }));
    const until = Date.now() + 5000;
    let got: unknown = null;
    while (got === null && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 10));
      got = await readFile(join(root, 'state.json'), 'utf8').then(JSON.parse, () => null);
    }
    expect((got as { data: unknown }).data).toEqual({ late: 'yes' });
  });

  it('uses the file name given', async () => {
    const store = createStateStore({ dir: root, fileName: 'outpost-state.json' });
    await store.save([1]);
    expect(await readdir(root)).toEqual(['outpost-state.json']);
    expect(store.path).toBe(join(root, 'outpost-state.json'));
  });
});
