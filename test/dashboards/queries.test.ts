import { describe, expect, it } from 'vitest';
import { DASHBOARDS } from './generate.js';
import { dashboardQueries } from './queries.js';
import { HAS_PROMTOOL, promtool } from './promtool.js';

describe.skipIf(!HAS_PROMTOOL)('every dashboard query parses (promtool check rules)', () => {
  for (const { file } of DASHBOARDS) {
    it(file, () => {
      const queries = dashboardQueries(`dashboards/${file}`, { group: 'facebook', location: 'eu-west' });
      const rules = queries.map((q, i) => ({ record: `dashboard:query_${i}`, expr: q.expr }));
      const { ok, output } = promtool(['check', 'rules'], 'rules.yml', { groups: [{ name: file, rules }] });
      const legend = queries.map((q, i) => `dashboard:query_${i} = ${q.panel}`).join('\n');
      expect(ok, `${output}\n${legend}`).toBe(true);
    });
  }

  it('would catch a broken query', () => {
    const { ok } = promtool(['check', 'rules'], 'rules.yml', { groups: [{ name: 'bad', rules: [{ record: 'x:y', expr: 'sum by (le (rate(x[1m]))' }] }] });
    expect(ok).toBe(false);
  });
});
