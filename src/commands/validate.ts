/** `outpost validate`: every problem as `path: message`, exit 0 valid / 2 invalid. */
import { configPath, formatIssues, loadConfigFile } from '../config/load.js';
import type { CliValues } from '../cli.js';

export async function validateCommand(values: CliValues): Promise<number> {
  const path = configPath(values.config);
  const r = await loadConfigFile(path);
  if (values.json) {
    process.stdout.write(JSON.stringify(r.ok ? { valid: true, checks: r.config.checks.length } : { valid: false, errors: r.issues }, null, 2) + '\n');
    return r.ok ? 0 : 2;
  }
  if (!r.ok) {
    process.stderr.write(`${path}: invalid configuration\n${formatIssues(r.issues)}\n`);
    return 2;
  }
  const c = r.config;
  process.stdout.write(`${path}: valid (${c.groups.length} groups, ${c.endpoints.length} endpoints, ${c.checks.length} checks, ${c.webhooks.length} webhooks)\n`);
  return 0;
}
