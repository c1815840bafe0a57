/**
 * `{{variable}}` templates, compiled once at config load into literal/variable parts.
 * JSON bodies are compiled as a tree so that substituted values are JSON-encoded correctly.
 */
export type Template =
  | { kind: 'text'; parts: readonly (string | { v: string })[] }
  | { kind: 'json'; value: unknown }
  | { kind: 'form'; fields: readonly (readonly [string, Template])[] };

const VAR = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

export function compileText(text: string): Template {
  const parts: (string | { v: string })[] = [];
  let last = 0;
  for (const m of text.matchAll(VAR)) {
    if (m.index > last) parts.push(text.slice(last, m.index));
    parts.push({ v: m[1]! });
    last = m.index + m[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  // A copy of exactly its length: a list grown by push keeps room for 17 items (~150 bytes for one).
  return { kind: 'text', parts: parts.slice() };
}

/** An application/x-www-form-urlencoded body: values rendered, then encoded. */
export function compileForm(fields: Record<string, string>): Template {
  return { kind: 'form', fields: Object.entries(fields).map(([k, v]) => [k, compileText(v)] as const) };
}

export function compileJson(value: unknown): Template {
  return { kind: 'json', value: compileTree(value) };
}

function compileTree(value: unknown): unknown {
  if (typeof value === 'string') return compileText(value);
  if (Array.isArray(value)) return value.map(compileTree);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, compileTree(v)]));
  return value;
}

/** Names of the variables a template uses (for validation at load). */
export function templateVariables(t: Template): string[] {
  const out: string[] = [];
  const walk = (x: unknown): void => {
    if (x && typeof x === 'object' && (x as Template).kind === 'text') {
      for (const p of (x as { parts: (string | { v: string })[] }).parts) if (typeof p !== 'string') out.push(p.v);
    } else if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === 'object') Object.values(x).forEach(walk);
  };
  if (t.kind === 'form') t.fields.forEach(([, v]) => walk(v));
  else walk(t.kind === 'json' ? t.value : t);
  return out;
}

export type Vars = Readonly<Record<string, string | undefined>>;

export function renderText(t: Template, vars: Vars): string {
  if (t.kind === 'json') return JSON.stringify(renderTree(t.value, vars));
  if (t.kind === 'form') return new URLSearchParams(t.fields.map(([k, v]): [string, string] => [k, renderText(v, vars)])).toString();
  let s = '';
  for (const p of t.parts) s += typeof p === 'string' ? p : (vars[p.v] ?? '');
  return s;
}

function renderTree(x: unknown, vars: Vars): unknown {
  if (x && typeof x === 'object' && (x as Template).kind === 'text') return renderText(x as Template, vars);
  if (Array.isArray(x)) return x.map((y) => renderTree(y, vars));
  if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, renderTree(v, vars)]));
  return x;
}

