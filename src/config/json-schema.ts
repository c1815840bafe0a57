/**
 * The configuration schema as JSON Schema, for editors (yaml-language-server) and other tools.
 * `npm run schema` writes it to config/outpost.schema.json:
 *   node dist/config/json-schema.js config/outpost.schema.json
 * Input shape (`io: 'input'`): fields with defaults are optional. Durations and sizes are strings
 * here; their syntax is checked by `outpost validate`, not by the JSON Schema.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { configSchema } from './schema.js';

const SCHEMA_ID = 'https://outpost.invalid/schemas/outpost.schema.json';

export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  return {
    ...schema,
    $id: SCHEMA_ID,
    title: 'Outpost configuration',
    description: 'Configuration of Outpost, the synthetic outage monitor (config/outpost.yaml). Generated from src/config/schema.ts by `npm run schema`.',
  };
}

/** The file's text: stable (2-space JSON, trailing newline) so that the committed copy can be compared. */
export function configJsonSchemaText(): string {
  return JSON.stringify(configJsonSchema(), null, 2) + '\n';
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const out = process.argv[2];
  if (!out) {
    process.stdout.write(configJsonSchemaText());
  } else {
    writeFileSync(out, configJsonSchemaText());
    process.stderr.write(`wrote ${out}\n`);
  }
}
