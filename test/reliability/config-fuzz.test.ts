/**
 * The config loader under random and mutated input (fast-check): always a config or issues that
 * each carry a path and a message — never a throw, never a hang — and a daemon that is handed a
 * bad file on reload keeps its old configuration.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { parseConfigText, type LoadResult } from '../../src/config/load.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { tempDir } from './support.js';
import { simulatorPlatforms } from '../support/platforms.js';
import { waitFor } from '../support/wait.js';
import { metricValue, scrape } from '../support/metrics.js';
import { startTestDaemon } from '../support/daemon.js';

const DEMO_TEXT = readFileSync(new URL('../../config/demo.yaml', import.meta.url), 'utf8');
const DEMO = parse(DEMO_TEXT) as Record<string, unknown>;
/** A hang detector, not a benchmark: one parse taking this long is a bug. */
const HANG_MS = 3000;
const SEED = 20240305;

function load(text: string): LoadResult {
  const t0 = performance.now();
  let r: LoadResult;
  try {
    r = parseConfigText(text, {});
  } catch (err) {
    throw new Error(`parseConfigText threw on ${JSON.stringify(text.slice(0, 200))}: ${String(err)}`);
  }
  expect(performance.now() - t0, `parse of ${JSON.stringify(text.slice(0, 120))}`).toBeLessThan(HANG_MS);
  return r;
}

function expectWellFormed(r: LoadResult): void {
  if (r.ok) {
    expect(Array.isArray(r.config.checks)).toBe(true);
    return;
  }
  expect(r.issues.length).toBeGreaterThan(0);
  for (const i of r.issues) {
    expect(typeof i.path).toBe('string');
    expect(i.path.length).toBeGreaterThan(0);
    expect(typeof i.message).toBe('string');
    expect(i.message.trim().length).toBeGreaterThan(0);
  }
}

// ---- structural mutations of the demo config -------------------------------------------------

type Path = (string | number)[];

function paths(v: unknown, at: Path = [], out: Path[] = []): Path[] {
  if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      const p = [...at, Array.isArray(v) ? Number(k) : k];
      out.push(p);
      paths(x, p, out);
    }
  }
  return out;
}
const DEMO_PATHS = paths(DEMO);

const junk = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('', '0s', '-5s', '1e9h', '${UNSET}', '${file:/nonexistent}', '${file:/dev/zero}', '${bad ref}', '$${literal}', 'http://', 'ftp://x', '[a-', '(?<', '9999999999999999999', '1MiB', '0'),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
  fc.integer({ min: 1, max: 60 }).map((d) => nest(d)),
);

function nest(depth: number): unknown {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { n: v };
  return v;
}

type Mutation = { kind: 'delete' | 'retype' | 'duplicate' | 'rename'; path: Path; value: unknown; name: string };

const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('delete', 'retype', 'duplicate', 'rename'),
  path: fc.constantFrom(...DEMO_PATHS),
  value: junk,
  name: fc.string({ minLength: 1, maxLength: 12 }),
});

function mutate(doc: unknown, muts: Mutation[]): unknown {
  const copy = structuredClone(doc) as Record<string, unknown>;
  for (const m of muts) {
    let parent: unknown = copy;
    for (const k of m.path.slice(0, -1)) parent = parent !== null && typeof parent === 'object' ? (parent as Record<string | number, unknown>)[k] : undefined;
    if (parent === null || typeof parent !== 'object') continue;
    const p = parent as Record<string | number, unknown>;
    const key = m.path.at(-1)!;
    if (!(key in p)) continue;
    if (m.kind === 'delete') {
      if (Array.isArray(p)) p.splice(Number(key), 1);
      else delete p[key];
    } else if (m.kind === 'retype') p[key] = m.value;
    else if (m.kind === 'duplicate') {
      if (Array.isArray(p)) p.push(structuredClone(p[key]));
      else p[`${String(key)}${m.name}`] = structuredClone(p[key]);
    } else if (!Array.isArray(p)) {
      p[m.name] = p[key];
      delete p[key];
    }
  }
  return copy;
}

// ---- text mutations -----------------------------------------------------------------------------

const DEMO_LINES = DEMO_TEXT.split('\n');
const lineEdit = fc.record({
  kind: fc.constantFrom('drop', 'dup', 'swap', 'insert', 'indent', 'truncate'),
  at: fc.nat({ max: DEMO_LINES.length - 1 }),
  other: fc.nat({ max: DEMO_LINES.length - 1 }),
  text: fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom(': :', '- - -', '&a', '*a', '<<: *x', '!!binary x', '!!js/function f', '? ', '"', "'", '\t', '{', '[', '%YAML 9.9', '---', '...')),
});

function editLines(edits: { kind: string; at: number; other: number; text: string }[]): string {
  const lines = [...DEMO_LINES];
  for (const e of edits) {
    const at = Math.min(e.at, lines.length - 1);
    if (at < 0) break;
    if (e.kind === 'drop') lines.splice(at, 1);
    else if (e.kind === 'dup') lines.splice(at, 0, lines[at]!);
    else if (e.kind === 'swap') [lines[at], lines[e.other % lines.length]] = [lines[e.other % lines.length]!, lines[at]!];
    else if (e.kind === 'insert') lines[at] = lines[at]!.slice(0, e.other % (lines[at]!.length + 1)) + e.text + lines[at]!.slice(e.other % (lines[at]!.length + 1));
    else if (e.kind === 'indent') lines[at] = ' '.repeat(1 + (e.other % 5)) + lines[at];
    else lines.splice(at);
  }
  return lines.join('\n');
}

describe('parseConfigText under fuzzing', () => {
  it('accepts the unmutated demo config (the control)', () => {
    const r = load(DEMO_TEXT);
    expect(r.ok).toBe(true);
  });

  it('random text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ unit: fc.constantFrom(...'{}[]:-?&*!|>%@`\'" \n\t#,ab1$') , maxLength: 300 })), (text) => {
        expectWellFormed(load(text));
      }),
      { numRuns: 300, seed: SEED },
    );
  });

  it('random JSON-like documents', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (v) => {
        expectWellFormed(load(stringify(v)));
      }),
      { numRuns: 200, seed: SEED },
    );
  });

  it('the demo config with fields deleted, retyped, duplicated or renamed', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (muts) => {
        expectWellFormed(load(stringify(mutate(DEMO, muts))));
      }),
      { numRuns: 300, seed: SEED },
    );
  });

  it('the demo config text with lines dropped, duplicated, swapped, indented or spliced', () => {
    fc.assert(
      fc.property(fc.array(lineEdit, { minLength: 1, maxLength: 4 }), (edits) => {
        expectWellFormed(load(editLines(edits)));
      }),
      { numRuns: 300, seed: SEED },
    );
  });

  it('reports a deleted required field at its path', () => {
    const r = load(stringify(mutate(DEMO, [{ kind: 'delete', path: ['groups', 'facebook', 'endpoints', 'web', 'baseUrl'], value: null, name: '' }])));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.map((i) => i.path)).toContain('groups.facebook.endpoints.web.baseUrl');
  });
});

describe('hostile YAML', () => {
  const cases: [string, string][] = [
    ['billion laughs (aliases of aliases)', laughs()],
    ['alias to an undefined anchor', 'groups: *nowhere\n'],
    ['merge key loop', 'a: &a\n  <<: *a\ngroups: *a\n'],
    ['10,000 nested flow sequences', 'groups: ' + '['.repeat(10_000) + ']'.repeat(10_000)],
    ['10,000 nested flow mappings', 'groups: ' + '{a: '.repeat(10_000) + '1' + '}'.repeat(10_000)],
    ['2,000 nested block mappings', 'groups:\n' + Array.from({ length: 2000 }, (_, i) => ' '.repeat(i + 2) + 'a:').join('\n')],
    ['a 1 MB scalar', `location: ${'x'.repeat(1_000_000)}\ngroups: {}\n`],
    ['many documents', '---\na: 1\n'.repeat(1000)],
    ['duplicate keys', 'groups: {}\ngroups: {}\n'],
    ['custom tags', 'groups: !!js/function "function(){}"\n'],
    ['a file reference to a device that never ends', 'groups:\n  g:\n    endpoints:\n      e:\n        baseUrl: "${file:/dev/zero}"\n        checks: { c: { type: http, path: / } }\n'],
    ['a file reference to a directory', 'groups:\n  g:\n    endpoints:\n      e:\n        baseUrl: "${file:/tmp}"\n        checks: { c: { type: http, path: / } }\n'],
    ['a catastrophic-backtracking marker is only a pattern', 'groups:\n  g:\n    markers: { error: ["(a+)+$"] }\n    endpoints:\n      e:\n        baseUrl: http://127.0.0.1:1\n        checks: { c: { type: http, path: / } }\n'],
    ['NUL bytes and BOM', '\ufeffgroups:\u0000 {}\n'],
  ];
  for (const [name, text] of cases) {
    it(name, () => {
      const r = load(text);
      expectWellFormed(r);
      if (!name.startsWith('a catastrophic')) expect(r.ok).toBe(false);
    });
  }

  it('refuses ${file:} references to non-regular files with a clear message', () => {
    const r = load(cases.find(([n]) => n.includes('never ends'))![1]);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues).toContainEqual({ path: 'groups.g.endpoints.e.baseUrl', message: 'cannot read /dev/zero: not a regular file' });
  });
});

function laughs(): string {
  let s = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
  let prev = 'a';
  for (const k of 'bcdefghi') {
    s += `${k}: &${k} [${Array(9).fill(`*${prev}`).join(', ')}]\n`;
    prev = k;
  }
  return `${s}groups: *i\n`;
}

describe('a reload with a bad file', () => {
  let sim: Simulator;
  const tmp = tempDir();
  beforeAll(async () => {
    sim = await startSimulator({ port: 0, seed: 3, latencyMs: [0, 0] });
  });
  afterAll(async () => {
    await sim.close();
    tmp.cleanup();
  });

  it('is refused every time, and the old config keeps running', async () => {
    const good = { location: 'test', listen: '127.0.0.1:0', stateDir: `${tmp.dir}/state`, defaults: { interval: '1s', timeout: '800ms' }, groups: simulatorPlatforms(sim.url, { checks: { session: {} } }) };
    const d = (await startTestDaemon(good, { dir: tmp.dir, env: {}, graceMs: 3000 })).daemon;
    try {
      const ids = d.config().checks.map((c) => c.id);
      const bad = fc.sample(fc.array(mutation, { minLength: 1, maxLength: 3 }), { numRuns: 40, seed: SEED })
        .map((m) => stringify(mutate(good, m)))
        .filter((text) => !parseConfigText(text, {}).ok)
        .slice(0, 10);
      bad.push('groups: [', '', 'groups: *x', laughs());
      for (const text of bad) {
        tmp.file('outpost.yaml', text);
        const r = await d.reload();
        expect(r.ok).toBe(false);
        expect(d.config().checks.map((c) => c.id)).toEqual(ids);
        expect(metricValue(await scrape(d.server.url), 'outpost_config_last_reload_successful')).toBe(0);
      }
      // Still running the old checks.
      const runs = metricValue(await scrape(d.server.url), 'outpost_check_runs_total');
      await waitFor(async () => metricValue(await scrape(d.server.url), 'outpost_check_runs_total') >= runs + 3, 'runs after refused reloads');
      // A good file is taken again.
      tmp.file('outpost.yaml', stringify(good));
      expect((await d.reload()).ok).toBe(true);
      expect(metricValue(await scrape(d.server.url), 'outpost_config_last_reload_successful')).toBe(1);
    } finally {
      await d.stop();
    }
  });
});
