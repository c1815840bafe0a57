/**
 * Every ```yaml example in README.md and docs/*.md parses, and every one that is a whole
 * configuration (a top-level `groups:` key) is also valid for Outpost's loader, so that a user who
 * copies an example gets no parse error. `${NAME}` is given a value through the loader's env and
 * `${file:…}` reads a temporary file instead of a mounted secret.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { formatIssues, parseConfigText } from '../../src/config/load.js';
import { docFiles, fencedBlocks, readDoc } from './markdown.js';

const dir = mkdtempSync(join(tmpdir(), 'outpost-docs-'));
const secretFile = join(dir, 'secret');
writeFileSync(secretFile, 'example-secret-value-0123456789\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Example {
  where: string;
  text: string;
}

const examples: Example[] = docFiles().flatMap((file) =>
  fencedBlocks(readDoc(file))
    .filter((b) => b.lang === 'yaml' || b.lang === 'yml')
    .map((b, i) => ({ where: `${file} yaml block #${i + 1} (line ${b.line})`, text: b.text })),
);

/** The config with every `${file:…}` reading the temporary secret, and an env for every `${NAME}`. */
function forLoader(text: string): { text: string; env: NodeJS.ProcessEnv } {
  const env: NodeJS.ProcessEnv = {};
  for (const m of text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\}/g)) env[m[1]!] = 'example-value-0123456789';
  return { text: text.replace(/\$\{file:[^}]*\}/g, `\${file:${secretFile}}`), env };
}

describe('YAML examples in the docs', () => {
  it('finds examples, among them whole configurations', () => {
    expect(examples.length).toBeGreaterThan(5);
  });

  it.each(examples.map((e) => [e.where, e] as const))('%s parses', (_where, example) => {
    const doc = parseDocument(example.text);
    const errors = doc.errors.map((e) => e.message.split('\n')[0]).join('; ');
    expect(errors, `${example.where}: ${errors}`).toBe('');
  });

  const whole = examples.filter((e) => {
    const data: unknown = parseDocument(e.text).toJS();
    return data !== null && typeof data === 'object' && !Array.isArray(data) && 'groups' in data;
  });

  it.each(whole.map((e) => [e.where, e] as const))('%s is a valid configuration', (_where, example) => {
    const { text, env } = forLoader(example.text);
    const result = parseConfigText(text, env);
    const issues = result.ok ? '' : formatIssues(result.issues);
    expect(issues, `${example.where}:\n${issues}`).toBe('');
  });
});
