/**
 * Config file → compiled config, or every problem as `path.to.field: message`.
 * YAML → ${ENV}/${file:} substitution → schema → compile.
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { configSchema } from './schema.js';
import { compileConfig, type ConfigIssue } from './compile.js';
import { formatPath, substitute, type SubstitutionError } from './substitute.js';
import { parseYamlInChunks } from './yaml-chunks.js';
import type { CompiledConfig } from './types.js';

export type LoadResult = { ok: true; config: CompiledConfig } | { ok: false; issues: ConfigIssue[] };

/**
 * Which endpoints to compile (a shard's): the others are validated against the schema but not
 * compiled, so a shard holds only its own part of a large config in memory.
 */
export type EndpointFilter = (group: string, endpoint: string) => boolean;

const DEFAULT_CONFIG_PATH = 'config/outpost.yaml';

export function configPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag || env.OUTPOST_CONFIG || DEFAULT_CONFIG_PATH;
}

export async function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env, only?: EndpointFilter): Promise<LoadResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    return { ok: false, issues: [{ path: '(file)', message: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` }] };
  }
  return parseConfigText(text, env, only);
}

/** Never throws: any input gives a config or a list of issues. */
export function parseConfigText(text: string, env: NodeJS.ProcessEnv = process.env, only?: EndpointFilter): LoadResult {
  try {
    return parse(text, env, only);
  } catch (err) {
    // A bug, not the user's mistake; still an answer rather than a crash of the daemon or a reload.
    return { ok: false, issues: [{ path: '(config)', message: `cannot load: ${(err as Error).message.split('\n')[0]}` }] };
  }
}

function parse(text: string, env: NodeJS.ProcessEnv, only?: EndpointFilter): LoadResult {
  // A large config piece by piece (a low memory high-water mark), else the whole document.
  const chunked = parseYamlInChunks(text);
  const whole = chunked ? { ok: true as const, data: chunked as unknown } : parseWhole(text);
  if (!whole.ok) return whole;
  return validate(whole.data, env, only);
}

function parseWhole(text: string): { ok: true; data: unknown } | { ok: false; issues: ConfigIssue[] } {
  // prettyErrors: false leaves linePos unset: a LineCounter gives the line of each error.
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter });
  if (doc.errors.length) {
    return {
      ok: false,
      issues: doc.errors.map((e) => {
        const pos = e.linePos?.[0] ?? (e.pos ? lineCounter.linePos(e.pos[0]) : undefined);
        return { path: pos ? `(yaml line ${pos.line}, column ${pos.col})` : '(yaml)', message: e.message.split('\n')[0]! };
      }),
    };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    return { ok: false, issues: [{ path: '(yaml)', message: (err as Error).message.split('\n')[0]! }] };
  }
  return { ok: true, data };
}

function validate(data: unknown, env: NodeJS.ProcessEnv, only?: EndpointFilter): LoadResult {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return { ok: false, issues: [{ path: '(root)', message: 'expected a mapping with at least `groups`' }] };
  }
  const subErrors: SubstitutionError[] = [];
  const substituted = substitute(data, env, subErrors);
  if (subErrors.length) return { ok: false, issues: subErrors };
  const parsed = configSchema.safeParse(substituted);
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: issueMessage(i) })),
    };
  }
  if (only) {
    for (const [g, group] of Object.entries(parsed.data.groups)) {
      for (const e of Object.keys(group.endpoints)) if (!only(g, e)) delete group.endpoints[e];
    }
  }
  const { config, issues } = compileConfig(parsed.data, env);
  return config ? { ok: true, config } : { ok: false, issues };
}

function issueMessage(i: { code: string; message: string; keys?: readonly string[]; issues?: readonly { message: string }[] }): string {
  if (i.code === 'unrecognized_keys' && i.keys) return `unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.join(', ')}`;
  // A bad record key (a group, endpoint or check name): zod says "Invalid key in record"; say why.
  if (i.code === 'invalid_key' && i.issues?.length) return i.issues.map((x) => x.message).join('; ');
  return i.message;
}

export function formatIssues(issues: readonly ConfigIssue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join('\n');
}
