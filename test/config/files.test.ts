/** The shipped configs validate, the example documents every option, the JSON Schema is in sync. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { loadConfigFile, formatIssues } from '../../src/config/load.js';
import { configJsonSchema, configJsonSchemaText } from '../../src/config/json-schema.js';

const EMPTY_ENV: NodeJS.ProcessEnv = {};

describe('shipped configs', () => {
  for (const file of ['config/outpost.example.yaml', 'config/outpost.yaml', 'config/demo.yaml']) {
    it(`${file} validates with no environment set`, async () => {
      const r = await loadConfigFile(file, EMPTY_ENV);
      if (!r.ok) throw new Error(formatIssues(r.issues));
      expect(r.config.checks.length).toBeGreaterThan(0);
    });
  }

  it('the default config watches the simulator on 127.0.0.1:9470 like the demo, at production intervals', async () => {
    const def = await loadConfigFile('config/outpost.yaml', EMPTY_ENV);
    const demo = await loadConfigFile('config/demo.yaml', EMPTY_ENV);
    if (!def.ok || !demo.ok) throw new Error('invalid');
    expect(def.config.checks.map((c) => c.id)).toEqual(demo.config.checks.map((c) => c.id));
    expect(def.config.server).toMatchObject({ host: '0.0.0.0', port: 9464 });
    for (const c of def.config.checks) {
      expect(c.endpointRef.baseUrl.href.startsWith('http://127.0.0.1:9470/')).toBe(true);
      expect(c.intervalMs).toBe(c.type === 'login' ? 300_000 : 20_000);
    }
  });

  it('the example config uses every kind of check, substitution and the options it should show', async () => {
    const r = await loadConfigFile('config/outpost.example.yaml', EMPTY_ENV);
    if (!r.ok) throw new Error(formatIssues(r.issues));
    const c = r.config;
    expect(new Set(c.checks.map((k) => k.type))).toEqual(new Set(['login', 'feed', 'session', 'http']));
    expect(c.groups.map((g) => g.name)).toEqual(['facebook', 'instagram', 'threads']);
    expect(c.webhooks.length).toBeGreaterThan(0);
    expect(c.maintenance.length).toBeGreaterThan(0);
    expect(c.checks.some((k) => k.steps.length > 1 && k.steps.some((s) => s.extract.length > 0))).toBe(true);
    const text = readFileSync('config/outpost.example.yaml', 'utf8');
    expect(text).toMatch(/\$\{[A-Z_]+:-/);
    expect(text).toMatch(/\$\{file:/);
  });

  it('the example config names every option of the schema, each with a comment', () => {
    const text = readFileSync('config/outpost.example.yaml', 'utf8');
    const missing = [...schemaKeys(configJsonSchema())].filter((k) => !new RegExp(`(^|[\\s{,#-])${k}:`, 'm').test(text));
    expect(missing).toEqual([]);
    // A comment for (nearly) every option: at least one comment line per distinct option.
    const comments = text.split('\n').filter((l) => /^\s*#/.test(l) || /\s#\s/.test(l)).length;
    expect(comments).toBeGreaterThanOrEqual(schemaKeys(configJsonSchema()).size);
  });

  for (const file of ['config/outpost.example.yaml', 'config/outpost.yaml']) {
    it(`${file} points editors at the JSON Schema`, () => {
      expect(readFileSync(file, 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=./outpost.schema.json');
    });
  }
});

describe('JSON Schema', () => {
  it('config/outpost.schema.json is in sync with src/config/schema.ts (run `npm run schema`)', () => {
    expect(readFileSync('config/outpost.schema.json', 'utf8')).toBe(configJsonSchemaText());
  });

  it('describes the input shape: defaults optional, unknown fields refused', () => {
    const s = configJsonSchema() as { required?: string[]; additionalProperties?: unknown; properties: Record<string, unknown> };
    expect(s.required).toEqual(['groups']);
    expect(s.additionalProperties).toBe(false);
    expect(Object.keys(s.properties)).toEqual(
      expect.arrayContaining(['location', 'listen', 'stateDir', 'logLevel', 'server', 'scheduler', 'defaults', 'incidents', 'webhooks', 'groups']),
    );
  });
});

/** Every property name anywhere in a JSON Schema. */
function schemaKeys(schema: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) for (const s of schema) schemaKeys(s, out);
  else if (schema && typeof schema === 'object') {
    for (const [k, v] of Object.entries(schema)) {
      if (k === 'properties' && v && typeof v === 'object') for (const name of Object.keys(v)) out.add(name);
      schemaKeys(v, out);
    }
  }
  return out;
}
