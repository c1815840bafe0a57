/**
 * `${ENV_VAR}`, `${ENV_VAR:-default}` and `${file:/path}` in string values of the parsed YAML
 * (after parsing, so a secret can never break the YAML). `$${` is a literal `${`.
 */
import { readFileSync, statSync } from 'node:fs';

export interface SubstitutionError {
  path: string;
  message: string;
}

/** `${file:…}` holds a secret or a certificate, never more than this. */
const MAX_SECRET_FILE_BYTES = 1024 * 1024;

const REF = /\$\$\{|\$\{([^}]*)\}/g;

export function substitute(
  value: unknown,
  env: NodeJS.ProcessEnv,
  errors: SubstitutionError[],
  path: (string | number)[] = [],
  ancestors: Set<object> = new Set(),
): unknown {
  if (typeof value === 'string') return substituteString(value, env, errors, path);
  if (!value || typeof value !== 'object') return value;
  // A YAML alias inside its own anchor makes a cycle: name it instead of recursing for ever.
  if (ancestors.has(value)) {
    errors.push({ path: formatPath(path), message: 'refers to itself (a YAML alias inside its own anchor)' });
    return null;
  }
  ancestors.add(value);
  try {
    // Copy on write: a subtree without any reference is returned as it is (a 10,000-check config
    // is not copied once more just to find that nothing needed substituting).
    let changed = false;
    if (Array.isArray(value)) {
      const arr = value.map((v, i) => {
        const r = substitute(v, env, errors, [...path, i], ancestors);
        if (r !== v) changed = true;
        return r;
      });
      return changed ? arr : value;
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const r = substitute(v, env, errors, [...path, k], ancestors);
      if (r !== v) changed = true;
      out[k] = r;
    }
    return changed ? out : value;
  } finally {
    ancestors.delete(value);
  }
}

function substituteString(s: string, env: NodeJS.ProcessEnv, errors: SubstitutionError[], path: (string | number)[]): string {
  if (!s.includes('${')) return s;
  return s.replace(REF, (whole, ref: string | undefined) => {
    if (ref === undefined) return '${';
    if (ref.startsWith('file:')) {
      const file = ref.slice(5);
      try {
        // Only a regular file of bounded size: `${file:/dev/zero}` or a FIFO must not hang the load.
        const st = statSync(file);
        if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'not a regular file' });
        if (st.size > MAX_SECRET_FILE_BYTES) throw Object.assign(new Error('too large'), { code: `larger than ${MAX_SECRET_FILE_BYTES} bytes` });
        return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
      } catch (err) {
        errors.push({ path: formatPath(path), message: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}` });
        return '';
      }
    }
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s.exec(ref);
    if (!m) {
      errors.push({ path: formatPath(path), message: `bad reference ${whole}: use \${NAME}, \${NAME:-default} or \${file:/path}` });
      return '';
    }
    const v = env[m[1]!];
    if (v !== undefined && v !== '') return v;
    if (m[2] !== undefined) return m[2];
    errors.push({ path: formatPath(path), message: `environment variable ${m[1]} is not set` });
    return '';
  });
}

/** `groups.facebook.endpoints.web.checks.feed.steps[0].path` */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out || '(root)';
}
