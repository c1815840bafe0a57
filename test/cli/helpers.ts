/**
 * Running `node dist/cli.js …` (built by `npm run build` before the suite; the bundle that ships,
 * dist/bundle/outpost.cjs, with `cli: BUNDLE`) and simulator configs.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { stringify } from 'yaml';
import { simulatorPlatforms } from '../support/platforms.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CLI = resolve(ROOT, 'dist/cli.js');
/** What package.json's bin and the image run (scripts/bundle.mjs, part of `npm run build`). */
export const BUNDLE = resolve(ROOT, 'dist/bundle/outpost.cjs');

export function assertBuilt(): void {
  if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: run `npm run build` before these tests');
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI asynchronously (an in-process simulator keeps answering), killed after timeoutMs. */
export function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; cli?: string } = {}): Promise<CliResult> {
  return new Promise((resolvePromise) => {
    execFile(
      process.execPath,
      [opts.cli ?? CLI, ...args],
      { cwd: opts.cwd ?? ROOT, env: opts.env ?? cleanEnv(), timeout: opts.timeoutMs ?? 20_000, maxBuffer: 10 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : null) : 0;
        resolvePromise({ code, stdout, stderr });
      },
    );
  });
}

/** The environment without OUTPOST_* variables (a developer's shell must not change results). */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OUTPOST_') && !/_PASSWORD$/.test(k)) env[k] = v;
  return { ...env, ...extra };
}

/** The demo's platform layout against a simulator at `simUrl`, with short timeouts for tests. */
export function simulatorConfig(
  simUrl: string,
  opts: { stateDir?: string; listen?: string; logLevel?: string; extraTop?: string; interval?: string; /** A YAML flow map replacing the defaults block. */ defaults?: string } = {},
): string {
  return `location: test
listen: ${opts.listen ?? '127.0.0.1:0'}
stateDir: ${opts.stateDir ?? './data/test'}
logLevel: ${opts.logLevel ?? 'warn'}
${opts.extraTop ?? ''}
${
  opts.defaults
    ? `defaults: ${opts.defaults}`
    : `defaults:
  interval: ${opts.interval ?? '30s'}
  timeout: 3s
  retries: 0
  failureThreshold: 1`
}
${platformsYaml(simUrl)}`;
}

/** The platforms fixture as YAML, one flow map per account, auth and check (tests edit these lines). */
function platformsYaml(simUrl: string): string {
  const flow = (v: unknown) => stringify(v, { collectionStyle: 'flow', lineWidth: 1000 }).trimEnd();
  const lines = ['groups:'];
  for (const [group, g] of Object.entries(simulatorPlatforms(simUrl)) as [string, { endpoints: Record<string, Record<string, unknown>> }][]) {
    lines.push(`  ${group}:`, '    endpoints:');
    for (const [name, { checks, ...ep }] of Object.entries(g.endpoints)) {
      lines.push(`      ${name}:`);
      for (const [k, v] of Object.entries(ep)) lines.push(`        ${k}: ${flow(v)}`);
      lines.push('        checks:');
      for (const [c, spec] of Object.entries(checks as Record<string, unknown>)) lines.push(`          ${c}: ${flow(spec)}`);
    }
  }
  return lines.join('\n') + '\n';
}
