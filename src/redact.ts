/**
 * Secrets never leave the process: every known secret value (passwords, tokens, cookies, webhook
 * secrets) is replaced by [REDACTED] in any text that may be shown (error messages, log lines).
 */
export interface Redactor {
  /** Replace every known secret in the text. */
  text(s: string): string;
  /** Remember more secret values (session cookies and tokens as they are issued). */
  add(values: Iterable<string>): void;
  /** Replace the configured secrets (after a reload). */
  setConfigured(values: Iterable<string>): void;
}

const MIN_SECRET_LENGTH = 3;
/** Session secrets are kept for a while after they are replaced, bounded. */
const MAX_RUNTIME_SECRETS = 10_000;

export function createRedactor(configured: Iterable<string> = []): Redactor {
  let fixed = new Set<string>([...configured].filter((s) => s.length >= MIN_SECRET_LENGTH));
  const runtime = new Set<string>();
  return {
    text(s) {
      if (!s) return s;
      let out = s;
      for (const v of fixed) if (out.includes(v)) out = out.split(v).join('[REDACTED]');
      for (const v of runtime) if (out.includes(v)) out = out.split(v).join('[REDACTED]');
      return out;
    },
    add(values) {
      for (const v of values) {
        if (v.length < MIN_SECRET_LENGTH || runtime.has(v)) continue;
        if (runtime.size >= MAX_RUNTIME_SECRETS) runtime.delete(runtime.values().next().value!);
        runtime.add(v);
      }
    },
    setConfigured(values) {
      fixed = new Set([...values].filter((s) => s.length >= MIN_SECRET_LENGTH));
    },
  };
}
