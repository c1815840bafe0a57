/** ${ENV}, ${ENV:-default}, $${ and ${file:} substitution, after YAML parsing. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { substitute, type SubstitutionError } from '../../src/config/substitute.js';
import { compiled, issuesOf, MINIMAL } from './helpers.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'outpost-subst-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sub = (value: unknown, env: NodeJS.ProcessEnv = {}) => {
  const errors: SubstitutionError[] = [];
  return { value: substitute(value, env, errors), errors };
};

describe('substitute', () => {
  it('replaces ${VAR} and ${VAR:-default}, in nested maps and lists', () => {
    const r = sub({ a: 'x-${A}-y', b: ['${B:-fallback}', '${C:-}'], n: 3 }, { A: 'one' });
    expect(r.errors).toEqual([]);
    expect(r.value).toEqual({ a: 'x-one-y', b: ['fallback', ''], n: 3 });
  });

  it('an empty variable takes the default; an empty variable without default is an error', () => {
    expect(sub('${A:-d}', { A: '' }).value).toBe('d');
    expect(sub({ k: '${A}' }, { A: '' }).errors).toEqual([{ path: 'k', message: 'environment variable A is not set' }]);
  });

  it('$${ is a literal ${ and is not substituted', () => {
    const r = sub('price $${AMOUNT} and ${A}', { A: 'x', AMOUNT: 'no' });
    expect(r.value).toBe('price ${AMOUNT} and x');
  });

  it('does not substitute again inside substituted values', () => {
    expect(sub('${A}', { A: '${B}', B: 'leak' }).value).toBe('${B}');
  });

  it('${file:} reads the file and trims one trailing newline', () => {
    const f = join(dir, 'secret');
    writeFileSync(f, 's3cr3t\n');
    expect(sub(`\${file:${f}}`).value).toBe('s3cr3t');
    writeFileSync(f, 'two\n\n');
    expect(sub(`\${file:${f}}`).value).toBe('two\n');
    writeFileSync(f, 'crlf\r\n');
    expect(sub(`\${file:${f}}`).value).toBe('crlf');
  });

  it('a bad reference names the path', () => {
    expect(sub({ a: [{ b: '${1BAD}' }] }).errors[0]).toEqual({ path: 'a[0].b', message: 'bad reference ${1BAD}: use ${NAME}, ${NAME:-default} or ${file:/path}' });
  });
});

describe('substitution in a config file', () => {
  it('a secret with YAML special characters is used verbatim and cannot inject YAML', () => {
    const nasty = `p: "#&*!|>'%@\`{}[],\n  injected: true\n- x`;
    const f = join(dir, 'password');
    writeFileSync(f, `${nasty}\n`);
    for (const [ref, env] of [
      [`"\${file:${f}}"`, {}],
      ['${FB_PASSWORD}', { FB_PASSWORD: nasty }],
    ] as const) {
      const account = '{ username: u@example.test, password: pw-secret }';
      const c = compiled(MINIMAL.replace(account, `\n          username: u@example.test\n          password: ${ref}`), env);
      expect(c.endpoints[0]!.variables.password).toBe(nasty);
      expect(c.secrets).toContain(nasty);
      expect(c.checks.map((k) => k.name)).toEqual(['login', 'feed']);
    }
  });

  it('a substituted value is validated like a literal one', () => {
    const text = `listen: \${LISTEN:-127.0.0.1:9999}\n${MINIMAL}`;
    expect(compiled(text).server).toMatchObject({ host: '127.0.0.1', port: 9999 });
    expect(issuesOf(text, { LISTEN: 'nope' })).toEqual(['listen: expected host:port, e.g. 0.0.0.0:9464 or [::1]:9464']);
  });

  it('every unset variable is reported, each with its path', () => {
    const text = `location: \${LOC}\nstateDir: \${DIR}\n${MINIMAL}`;
    expect(issuesOf(text)).toEqual(['location: environment variable LOC is not set', 'stateDir: environment variable DIR is not set']);
  });
});
