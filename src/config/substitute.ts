/**
 * `${ENV_VAR}`, `${ENV_VAR:-default}` and `${file:/path}` in string values of the parsed YAML
 * (after parsing, so a secret can never break the YAML). `$${` is a literal `${`.
 */
import { readFileSync } from 'node:fs';

export interface SubstitutionError {
  path: string;
  message: string;
}

const REF = /\$\$\{|\$\{([^}]*)\}/g;

export function substitute(
  value: unknown,
  env: NodeJS.ProcessEnv,
  errors: SubstitutionError[],
  path: (string | number)[] = [],
): unknown {
  if (typeof value === 'string') return substituteString(value, env, errors, path);
  if (Array.isArray(value)) return value.map((v, i) => substitute(v, env, errors, [...path, i]));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substitute(v, env, errors, [...path, k]);
    return out;
  }
  return value;
}

function substituteString(s: string, env: NodeJS.ProcessEnv, errors: SubstitutionError[], path: (string | number)[]): string {
  if (!s.includes('${')) return s;
  return s.replace(REF, (whole, ref: string | undefined) => {
    if (ref === undefined) return '${';
    if (ref.startsWith('file:')) {
      const file = ref.slice(5);
      try {
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
