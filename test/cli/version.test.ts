/** `outpost --version` / `-v`, and `version` in /api/v1/status: package.json's version. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { startTestDaemon } from '../support/daemon.js';
import { assertBuilt, ROOT, runCli } from './helpers.js';

const pkg = JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')) as { version: string };

describe('version', () => {
  it('--version and -v print package.json\'s version and exit 0, from any directory', async () => {
    assertBuilt();
    expect(pkg.version).toMatch(/^\d+\.\d+\.\d+/);
    for (const args of [['--version'], ['-v'], ['run', '--version']]) {
      const r = await runCli(args, { cwd: tmpdir() });
      expect([r.code, r.stdout, r.stderr]).toEqual([0, `outpost ${pkg.version}\n`, '']);
    }
  });

  it('/api/v1/status carries it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outpost-version-'));
    const d = await startTestDaemon({ listen: '127.0.0.1:0', stateDir: join(dir, 'state'), groups: { g: { endpoints: { e: { baseUrl: 'http://127.0.0.1:9/', checks: { c: { type: 'http', path: '/', interval: '1h' } } } } } } }, { dir });
    try {
      const status = (await (await fetch(`${d.url}/api/v1/status`)).json()) as { version?: string };
      expect(status.version).toBe(pkg.version);
    } finally {
      await d.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
