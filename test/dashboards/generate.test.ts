import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DASHBOARDS, DASHBOARDS_DIR, render } from './generate.js';

const write = process.env.OUTPOST_WRITE_DASHBOARDS === '1';

describe('committed dashboards match their builders', () => {
  for (const { file, build } of DASHBOARDS) {
    it(file, () => {
      const path = join(DASHBOARDS_DIR, file);
      if (write) writeFileSync(path, render(build()));
      expect(readFileSync(path, 'utf8'), `regenerate with OUTPOST_WRITE_DASHBOARDS=1 npx vitest run test/dashboards/generate.test.ts`).toBe(render(build()));
    });
  }
});
