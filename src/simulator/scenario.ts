/** Scenario files: a YAML timeline of fault changes, parsed and validated, loaded by path or by name. */
import { readFile, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { parseDuration } from '../config/units.js';
import { isPlatform, unknownPlatformMessage, validateFaults } from './faults.js';
import type { Fault, Platform, Scenario, ScenarioStep } from './types.js';

/** A scenario that cannot be used; `errors` lists every problem as `path: message`. */
export class ScenarioError extends Error {
  constructor(
    readonly source: string,
    readonly errors: string[],
  ) {
    super(`${source}: invalid scenario\n  ${errors.join('\n  ')}`);
    this.name = 'ScenarioError';
  }
}

/** Built-in scenarios live in config/scenarios/ at the repository (and package) root. */
export const BUILTIN_SCENARIO_DIR = fileURLToPath(new URL('../../config/scenarios/', import.meta.url));

const DURATION_HINT = 'use e.g. 500ms, 90s, 2m, 1m30s or a number of seconds';

/** A step time: a duration string, or a plain number meaning seconds. */
function durationMs(value: unknown, path: string, errors: string[]): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return Math.round(value * 1000);
  const ms = typeof value === 'string' ? parseDuration(value) : undefined;
  if (ms === undefined) errors.push(`${path}: invalid duration ${JSON.stringify(value)} (${DURATION_HINT})`);
  return ms;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unknownKeys(obj: Record<string, unknown>, allowed: string[], path: string, errors: string[]): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) errors.push(`${path}${key}: unknown field (allowed: ${allowed.join(', ')})`);
  }
}

function parseStepFaults(value: unknown, path: string, errors: string[]): Partial<Record<Platform, Fault[]>> {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) {
    errors.push(`${path}: must map platforms to lists of faults`);
    return {};
  }
  const out: Partial<Record<Platform, Fault[]>> = {};
  for (const [platform, list] of Object.entries(value)) {
    if (!isPlatform(platform)) {
      errors.push(`${path}.${platform}: ${unknownPlatformMessage(platform)}`);
      continue;
    }
    const result = validateFaults(list ?? [], `${path}.${platform}`);
    if (result.ok) out[platform] = result.faults;
    else errors.push(...result.errors);
  }
  return out;
}

function parseStep(value: unknown, path: string, errors: string[]): ScenarioStep | undefined {
  if (!isRecord(value)) {
    errors.push(`${path}: a step must be a mapping with "at" and "faults"`);
    return undefined;
  }
  unknownKeys(value, ['at', 'note', 'faults'], `${path}.`, errors);
  if (value.at === undefined) errors.push(`${path}.at: required`);
  const at = value.at === undefined ? undefined : durationMs(value.at, `${path}.at`, errors);
  if (value.note !== undefined && typeof value.note !== 'string') errors.push(`${path}.note: must be text`);
  const faults = parseStepFaults(value.faults, `${path}.faults`, errors);
  if (at === undefined) return undefined;
  return typeof value.note === 'string' ? { at, note: value.note, faults } : { at, faults };
}

/** Validates a parsed document; throws ScenarioError listing every problem. */
function toScenario(doc: unknown, source: string, defaultName?: string): Scenario {
  const errors: string[] = [];
  if (!isRecord(doc)) throw new ScenarioError(source, ['(root): must be a mapping with "name" and "steps"']);
  unknownKeys(doc, ['name', 'description', 'duration', 'steps'], '', errors);
  const name = typeof doc.name === 'string' && doc.name !== '' ? doc.name : defaultName;
  if (name === undefined) errors.push('name: required (non-empty text)');
  if (doc.description !== undefined && typeof doc.description !== 'string') errors.push('description: must be text');
  const steps: ScenarioStep[] = [];
  if (!Array.isArray(doc.steps) || doc.steps.length === 0) {
    errors.push('steps: must be a non-empty list');
  } else {
    doc.steps.forEach((raw, i) => {
      const step = parseStep(raw, `steps.${i}`, errors);
      if (step === undefined) return;
      const previous = steps[steps.length - 1];
      if (previous !== undefined && step.at < previous.at) errors.push(`steps.${i}.at: steps must be in time order`);
      steps.push(step);
    });
  }
  const lastAt = steps[steps.length - 1]?.at ?? 0;
  let duration = lastAt;
  if (doc.duration !== undefined) {
    const ms = durationMs(doc.duration, 'duration', errors);
    if (ms !== undefined && ms < lastAt) errors.push('duration: shorter than the last step');
    duration = ms ?? lastAt;
  }
  if (errors.length > 0 || name === undefined) throw new ScenarioError(source, errors);
  const scenario: Scenario = { name, duration, steps };
  if (typeof doc.description === 'string') scenario.description = doc.description;
  return scenario;
}

/** Parses scenario YAML text. */
export function parseScenario(text: string, source = 'scenario', defaultName?: string): Scenario {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ScenarioError(source, [`(yaml): ${(err as Error).message.split('\n')[0]}`]);
  }
  return toScenario(doc, source, defaultName);
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Loads a scenario from a file path, or by name from the built-in scenarios (`march-5`). */
export async function loadScenario(nameOrPath: string): Promise<Scenario> {
  let path = nameOrPath;
  if (!(await isFile(path))) {
    if (!/^[A-Za-z0-9_.-]+$/.test(nameOrPath)) throw new Error(`scenario file not found: ${nameOrPath}`);
    path = `${BUILTIN_SCENARIO_DIR}${nameOrPath.replace(/\.ya?ml$/, '')}.yaml`;
    if (!(await isFile(path))) throw new Error(`no scenario file or built-in scenario named "${nameOrPath}"`);
  }
  return parseScenario(await readFile(path, 'utf8'), path, basename(path, extname(path)));
}
