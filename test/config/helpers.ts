/** Small valid configs for config tests, and a way to collect issues as `path: message` lines. */
import { parseConfigText, formatIssues } from '../../src/config/load.js';
import type { CompiledConfig } from '../../src/config/types.js';

export const MINIMAL = `
groups:
  facebook:
    endpoints:
      web:
        baseUrl: http://127.0.0.1:9470/facebook
        account: { username: u@example.test, password: pw-secret }
        auth: { path: /login, format: form, cookie: fb_session }
        checks:
          login: { type: login }
          feed: { type: feed, path: /feed, items: data }
`;

/** The issue lines of an invalid config (fails the test when the config is valid). */
export function issuesOf(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  const r = parseConfigText(text, env);
  if (r.ok) throw new Error('expected the config to be invalid');
  return formatIssues(r.issues).split('\n');
}

export function compiled(text: string, env: NodeJS.ProcessEnv = {}): CompiledConfig {
  const r = parseConfigText(text, env);
  if (!r.ok) throw new Error(`expected a valid config, got:\n${formatIssues(r.issues)}`);
  return r.config;
}

/** A config with one endpoint whose checks are given as YAML flow mappings, and extra top-level text. */
export function withChecks(checks: Record<string, string>, opts: { auth?: boolean; top?: string; endpointExtra?: string } = {}): string {
  const auth = opts.auth === false ? '' : `        auth: { path: /login, cookie: sid }\n`;
  const lines = Object.entries(checks).map(([k, v]) => `          ${k}: ${v}`).join('\n');
  return `${opts.top ?? ''}
groups:
  facebook:
    endpoints:
      web:
        baseUrl: http://127.0.0.1:9470/facebook
        account: { username: u, password: pw-secret }
${auth}${opts.endpointExtra ?? ''}        checks:
${lines}
`;
}
