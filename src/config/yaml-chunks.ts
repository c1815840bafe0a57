/**
 * A large config parsed piece by piece, to keep the memory high-water mark low. The `yaml`
 * library builds a full document (every node with its source range) before giving plain data:
 * for a 1 MB config of 10,000 checks that is ~140 MB of short-lived heap, which the process then
 * keeps as RSS. Here the block mappings are split at their keys (by indentation), big items are
 * split again, and each small piece goes through the same `yaml` parser on its own, so only one
 * small document exists at a time.
 *
 * This is an optimisation, never a second YAML dialect: it answers undefined whenever it is not
 * certain (a piece that does not parse alone, an alias to an anchor of another piece, a repeated
 * key, tabs, directives, several documents, anything but a plain block mapping at the root), and
 * the caller then parses the whole text the usual way, which also gives the error messages.
 */
import { parseDocument } from 'yaml';

/** Items smaller than this are parsed whole; larger block-mapping items are split further. */
const SPLIT_BYTES = 16 * 1024;
/** Deeper than this, parse whole (configs nest groups → endpoints → checks → a few levels). */
const MAX_DEPTH = 8;

/** A key line that opens a nested block: `key:` alone (a comment may follow). */
const OPENS_BLOCK = /^( *)([A-Za-z0-9_][A-Za-z0-9_.\-/]*|"[^"\\]*"|'[^']*'):[ ]*(?:#.*)?$/;

type Json = Record<string, unknown>;

class NotCertain extends Error {}

const indentOf = (line: string): number => line.length - line.trimStart().length;
const isBlankOrComment = (line: string): boolean => {
  const t = line.trim();
  return t === '' || t.startsWith('#');
};

/** Plain data of the YAML text, or undefined when only a whole-document parse can be trusted. */
export function parseYamlInChunks(text: string): Json | undefined {
  if (text.length < SPLIT_BYTES * 2) return undefined;
  // Directives, document markers, tabs, anchors/aliases/tags at a line start: the whole-document path.
  if (/^(%|---|\.\.\.)/m.test(text) || text.includes('\t')) return undefined;
  const lines = text.split('\n');
  try {
    return mapping(lines, 0, lines.length, 0, 0);
  } catch (err) {
    if (err instanceof NotCertain) return undefined;
    throw err;
  }
}

/** The block mapping whose keys are at column `indent` in lines [start, end). */
function mapping(lines: string[], start: number, end: number, indent: number, depth: number): Json {
  const out: Json = {};
  let i = start;
  while (i < end && isBlankOrComment(lines[i]!)) i++;
  while (i < end) {
    const line = lines[i]!;
    if (indentOf(line) !== indent || line.trimStart().startsWith('-') || line.trimStart().startsWith('?')) throw new NotCertain();
    // The item: its key line and every following line that is blank, a comment or deeper.
    let j = i + 1;
    let bytes = line.length;
    while (j < end && (isBlankOrComment(lines[j]!) || indentOf(lines[j]!) > indent)) bytes += lines[j++]!.length + 1;
    const head = OPENS_BLOCK.exec(line);
    let k = i + 1;
    while (k < j && isBlankOrComment(lines[k]!)) k++;
    const childIndent = k < j ? indentOf(lines[k]!) : -1;
    const nested = head && bytes > SPLIT_BYTES && depth < MAX_DEPTH && k < j && !lines[k]!.trimStart().startsWith('-');
    let entry: Json;
    if (nested) {
      const key = Object.keys(piece(`${line.trim()} x`))[0]!;
      entry = { [key]: mapping(lines, k, j, childIndent, depth + 1) };
    } else {
      // A one-line item joins to the line itself, a slice of the whole text, and the values parsed
      // from it would be slices of that too: one kept value (stateDir) kept the 1 MB text alive.
      // The added newline makes a new string for the parser, and its values are slices of that.
      entry = piece(`${lines.slice(i, j).join('\n')}\n`);
    }
    for (const [key, value] of Object.entries(entry)) {
      if (Object.prototype.hasOwnProperty.call(out, key)) throw new NotCertain();
      out[key] = value;
    }
    i = j;
  }
  return out;
}

/** One piece: a mapping parsed alone by the `yaml` library, or NotCertain. */
function piece(text: string): Json {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length || doc.warnings.length) throw new NotCertain();
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch {
    throw new NotCertain();
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new NotCertain();
  return value as Json;
}
