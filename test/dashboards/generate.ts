/**
 * The committed dashboards and the functions that build them. `dashboards/*.json` is what ships;
 * generate.test.ts fails when it drifts from these builders, and rewrites it when run with
 * OUTPOST_WRITE_DASHBOARDS=1.
 */
import { fileURLToPath } from 'node:url';
import type { Json } from './grafana.js';
import { overviewDashboard } from './overview.js';
import { platformDashboard } from './platform.js';

export const DASHBOARDS_DIR = fileURLToPath(new URL('../../dashboards/', import.meta.url));

export const DASHBOARDS: { file: string; build: () => Json }[] = [
  { file: 'outpost-overview.json', build: overviewDashboard },
  { file: 'outpost-platform.json', build: platformDashboard },
];

export function render(dashboard: Json): string {
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}
