/**
 * Every dashboard query returns data over a simulated forced-logout fault (fault-scenario.ts),
 * evaluated by `promtool test rules`: `absent_over_time((q)[40m:15s])` must be empty.
 */
import { describe, expect, it } from 'vitest';
import { DURATION, SAMPLE_INTERVAL, faultSeries } from './fault-scenario.js';
import { DASHBOARDS } from './generate.js';
import { HAS_PROMTOOL, promtool } from './promtool.js';
import { dashboardQueries } from './queries.js';

function returnsData(exprs: string[]): { ok: boolean; output: string } {
  return promtool(['test', 'rules'], 'test.yml', {
    rule_files: [],
    evaluation_interval: '1m',
    tests: [
      {
        interval: SAMPLE_INTERVAL,
        input_series: faultSeries(),
        promql_expr_test: exprs.map((expr) => ({
          expr: `absent_over_time((${expr})[${DURATION}:${SAMPLE_INTERVAL}])`,
          eval_time: DURATION,
          exp_samples: [],
        })),
      },
    ],
  });
}

describe.skipIf(!HAS_PROMTOOL)('every dashboard query returns data during a fault (promtool test rules)', () => {
  for (const { file } of DASHBOARDS) {
    it(file, () => {
      const queries = dashboardQueries(`dashboards/${file}`, { group: 'facebook' });
      const { ok, output } = returnsData(queries.map((q) => q.expr));
      expect(ok, output).toBe(true);
    });
  }

  it('would catch a query that returns nothing', () => {
    expect(returnsData(['outpost_check_failures_total{reason="dns"}']).ok).toBe(false);
  });
});
