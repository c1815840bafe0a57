/**
 * Secrets never leave the process: every known secret value (passwords, tokens, cookies, webhook
 * secrets) is replaced by [REDACTED] in any text that may be shown (error messages, log lines),
 * as written and in the forms a request or an answer may carry it: URL-encoded (either hex case),
 * form-encoded (`+` for a space) and JSON-escaped.
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

/** The secret and its encoded forms, longest first (so a longer form is replaced before a part of it). */
export function secretForms(v: string): string[] {
  const url = encodeURIComponent(v);
  const form = new URLSearchParams({ x: v }).toString().slice(2);
  const json = JSON.stringify(v).slice(1, -1);
  const lower = (t: string) => t.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase());
  const forms = new Set([v, url, lower(url), form, lower(form), url.replace(/%20/g, '+'), json, JSON.stringify(v).slice(1, -1).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)]);
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
}

const withForms = (values: Iterable<string>): Set<string> => new Set([...values].filter((s) => s.length >= MIN_SECRET_LENGTH).flatMap(secretForms));

export function createRedactor(configured: Iterable<string> = []): Redactor {
  let fixed = withForms(configured);
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
        for (const f of secretForms(v)) {
          if (runtime.size >= MAX_RUNTIME_SECRETS) runtime.delete(runtime.values().next().value!);
          runtime.add(f);
        }
      }
    },
    setConfigured(values) {
      fixed = withForms(values);
    },
  };
}
