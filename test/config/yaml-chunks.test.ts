/**
 * The piecewise YAML parse of large configs (src/config/yaml-chunks.ts) gives exactly what the
 * whole-document parse gives, and declines (undefined: the caller parses the whole text) whenever
 * a piece alone could mean something else.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseYamlInChunks } from '../../src/config/yaml-chunks.js';
import { parseConfigText } from '../../src/config/load.js';

/** A large config using the YAML a person writes: comments, flow and block maps, lists, block scalars, quotes, anchors within one piece. */
function bigConfig(endpoints: number, checksPer: number, extra = ''): string {
  const out = [
    '# a large config',
    'location: eu-west   # where we probe from',
    'listen: "127.0.0.1:0"',
    'defaults: { interval: 30s, timeout: 10s, retries: 0 }',
    'webhooks:',
    '  - name: oncall',
    '    url: http://127.0.0.1:1/hook',
    'groups:',
    '  facebook:',
    '    markers:',
    '      errorPage: ["something went wrong", \'sorry: "x"\']',
    '    endpoints:',
  ];
  for (let e = 0; e < endpoints; e++) {
    out.push(`      "e${e}":   # endpoint ${e}`, `        baseUrl: http://127.0.0.1:${1000 + e}`, '        headers:', '          x-note: &note |', '            line one', '', '            # not a comment: block scalar text', '          x-again: *note', '        checks:');
    for (let c = 0; c < checksPer; c++) {
      out.push(
        c % 3 === 0
          ? `          c${c}: { type: http, path: "/data?x=${c}", expect: { status: [200], json: [{ path: status, equals: ok }] } }`
          : `          c${c}:\n            type: http\n            path: '/p/${c}'\n            # a comment between fields\n            expect:\n              body: [".*ok.*"]`,
      );
    }
  }
  return out.join('\n') + '\n' + extra;
}

describe('parseYamlInChunks', () => {
  it('the same data as the whole-document parse, for a large config', () => {
    const text = bigConfig(40, 20);
    expect(text.length).toBeGreaterThan(100_000);
    const chunked = parseYamlInChunks(text);
    expect(chunked).toBeDefined();
    expect(chunked).toEqual(parse(text));
  });

  it('small texts are left to the whole-document parse', () => {
    expect(parseYamlInChunks('groups: {}\n')).toBeUndefined();
  });

  it.each([
    ['an alias to an anchor of another piece', (t: string) => t.replace('x-again: *note', 'x-again: *nowhere').replace('location: eu-west', 'location: &nowhere eu-west')],
    ['a key repeated across pieces', (t: string) => `${t}location: us-east\n`],
    ['a tab', (t: string) => t.replace('# a large config', '#\ta large config')],
    ['a document marker', (t: string) => `---\n${t}`],
    ['a flow map continued at the indentation of keys', (t: string) => t.replace('      "e0":   # endpoint 0\n', '      "e0":   # endpoint 0\n        flow: { a: 1,\n        b: 2 }\n')],
    ['a root that is not a mapping', (t: string) => `- ${t.split('\n').join('\n  ')}`],
  ])('declines %s', (_what, edit) => {
    expect(parseYamlInChunks(edit(bigConfig(40, 20)))).toBeUndefined();
  });

  it('a large config loads to the same compiled config either way', () => {
    const text = `location: lab\ngroups:\n  g:\n    endpoints:\n${Array.from({ length: 150 }, (_, e) => `      e${e}:\n        baseUrl: http://127.0.0.1:1\n        checks:\n${Array.from({ length: 10 }, (_, c) => `          c${c}: { type: http, path: /x }`).join('\n')}`).join('\n')}\n`;
    expect(parseYamlInChunks(text)).toBeDefined();
    const a = parseConfigText(text, {});
    // The same text behind a document marker takes the whole-document path.
    const b = parseConfigText(`---\n${text}`, {});
    expect(a.ok && b.ok).toBe(true);
    if (a.ok && b.ok) expect(a.config.checks.map((c) => [c.id, c.intervalMs, c.steps.length])).toEqual(b.config.checks.map((c) => [c.id, c.intervalMs, c.steps.length]));
  });
});
