/** Runs promtool on a temporary file; tests skip when it is not installed. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

export const HAS_PROMTOOL = spawnSync('promtool', ['--version']).status === 0;
if (!HAS_PROMTOOL) console.warn('promtool not found: skipping the promtool checks of the dashboard queries (apt-get install prometheus)');

export function promtool(command: string[], fileName: string, content: unknown): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-dashboards-'));
  try {
    const file = join(dir, fileName);
    writeFileSync(file, stringify(content));
    const r = spawnSync('promtool', [...command, file], { encoding: 'utf8', timeout: 20_000 });
    return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
