/**
 * The shipped rules and configs against the real Debian tools: promtool and amtool.
 * Skipped, with the reason in the suite name, where a tool is not installed; CI installs both.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { AMTOOL_BIN, PROMTOOL_BIN } from '../support/promstack.js';
import {
  ALERTMANAGER_CONFIG,
  MAINTENANCE_CLAUSE,
  PROMETHEUS_CONFIG,
  RULES_FILE,
  allRules,
  loadRuleGroups,
  unitTestFiles,
} from './rules-file.js';

const run = promisify(execFile);

/** Runs a tool and returns its exit code and combined output, never throwing on exit != 0. */
async function tool(bin: string, args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(bin, args, { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

const skipNote = (name: string, pkg: string): string => ` (SKIPPED: ${name} not on PATH; apt-get install ${pkg})`;

describe.skipIf(!PROMTOOL_BIN)(`promtool${PROMTOOL_BIN ? '' : skipNote('promtool', 'prometheus')}`, () => {
  const promtool = PROMTOOL_BIN ?? 'promtool';

  it('accepts the rules file', async () => {
    const { code, out } = await tool(promtool, ['check', 'rules', RULES_FILE]);
    expect(out).toContain('SUCCESS');
    expect(code, out).toBe(0);
  });

  it('accepts the example Prometheus config and the rules it loads', async () => {
    const { code, out } = await tool(promtool, ['check', 'config', PROMETHEUS_CONFIG]);
    expect(out).toContain('1 rule files found');
    expect(code, out).toBe(0);
  });

  it('passes every unit test in test/alerting/*.test.yml', async () => {
    const files = unitTestFiles();
    expect(files.length).toBeGreaterThanOrEqual(4);
    const { code, out } = await tool(promtool, ['test', 'rules', ...files]);
    expect(out).not.toContain('FAILED');
    expect(out.match(/SUCCESS/g)?.length, out).toBe(files.length);
    expect(code, out).toBe(0);
  });

  it('fails the unit tests of every platform alert when maintenance no longer silences it', async () => {
    // Mutate a copy of the rules (drop every maintenance clause) and rerun the unit tests on it:
    // each platform alert must have a maintenance case that now catches the change.
    const dir = await mkdtemp(path.join(tmpdir(), 'outpost-rules-'));
    try {
      const original = await readFile(RULES_FILE, 'utf8');
      const mutated = original.split(MAINTENANCE_CLAUSE).join('');
      expect(mutated).not.toBe(original);
      const rulesCopy = path.join(dir, 'outpost.rules.yml');
      await writeFile(rulesCopy, mutated);
      const tests: string[] = [];
      for (const file of unitTestFiles()) {
        const copy = path.join(dir, path.basename(file));
        const text = await readFile(file, 'utf8');
        await writeFile(copy, text.replace('../../config/prometheus/outpost.rules.yml', rulesCopy));
        tests.push(copy);
      }
      const { code, out } = await tool(promtool, ['test', 'rules', ...tests]);
      expect(code).not.toBe(0);
      const silenced = allRules(loadRuleGroups())
        .filter((r) => r.alert && r.expr.includes(MAINTENANCE_CLAUSE))
        .map((r) => r.alert as string);
      expect(silenced.length).toBeGreaterThanOrEqual(10);
      for (const name of new Set(silenced)) expect(out, name).toContain(`alertname: ${name},`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!AMTOOL_BIN)(`amtool${AMTOOL_BIN ? '' : skipNote('amtool', 'prometheus-alertmanager')}`, () => {
  it('accepts the example Alertmanager config', async () => {
    const { code, out } = await tool(AMTOOL_BIN ?? 'amtool', ['check-config', ALERTMANAGER_CONFIG]);
    expect(out).toContain('SUCCESS');
    expect(out).toContain('6 inhibit rules');
    expect(code, out).toBe(0);
  });
});
