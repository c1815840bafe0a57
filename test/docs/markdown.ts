/** The Markdown documentation (README.md and docs/*.md), read for the docs tests. */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Repository-relative paths: README.md, then docs/*.md in name order. */
export function docFiles(): string[] {
  const pages = readdirSync(`${ROOT}docs`)
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`);
  return ['README.md', ...pages];
}

export const readDoc = (file: string): string => readFileSync(`${ROOT}${file}`, 'utf8');

export interface FencedBlock {
  lang: string;
  /** 1-based line of the opening fence. */
  line: number;
  text: string;
}

/** Every fenced code block, in order. */
export function fencedBlocks(markdown: string): FencedBlock[] {
  const blocks: FencedBlock[] = [];
  let open: { lang: string; line: number; body: string[] } | undefined;
  markdown.split('\n').forEach((line, i) => {
    const fence = /^\s*```(.*)$/.exec(line);
    if (!open) {
      if (fence) open = { lang: fence[1]!.trim().split(/\s+/)[0] ?? '', line: i + 1, body: [] };
    } else if (fence && fence[1]!.trim() === '') {
      blocks.push({ lang: open.lang, line: open.line, text: open.body.join('\n') });
      open = undefined;
    } else {
      open.body.push(line);
    }
  });
  return blocks;
}

/** The text outside fenced code blocks (inline code spans kept). */
export function proseOf(markdown: string): string {
  const out: string[] = [];
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) {
      inFence = !inFence;
      out.push('');
    } else out.push(inFence ? '' : line);
  }
  return out.join('\n');
}
