/** Compile one endpoint of group `t` from a config object, for journey unit tests (no daemon). */
import { stringify } from 'yaml';
import { parseConfigText } from '../../src/config/load.js';
import type { CompiledCheck } from '../../src/config/types.js';

export function compileChecks(endpoint: Record<string, unknown>, defaults: Record<string, unknown> = {}): Record<string, CompiledCheck> {
  const text = stringify({
    location: 'test',
    listen: '127.0.0.1:0',
    defaults: { timeout: '2s', retries: 0, ...defaults },
    groups: { t: { endpoints: { ep: endpoint } } },
  });
  const r = parseConfigText(text, {});
  if (!r.ok) throw new Error(r.issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
  return Object.fromEntries(r.config.checks.map((c) => [c.name, c]));
}

export const RUN_ENV = { now: Date.now, userAgent: 'outpost-test', retryMinMs: 10 };
