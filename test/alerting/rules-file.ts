/** The shipped alerting files, parsed, for the alerting tests. */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const fromRoot = (p: string): string => fileURLToPath(new URL(`../../${p}`, import.meta.url));

export const ROOT = fromRoot('');
export const RULES_FILE = fromRoot('config/prometheus/outpost.rules.yml');
export const PROMETHEUS_CONFIG = fromRoot('config/prometheus/prometheus.yml');
export const ALERTMANAGER_CONFIG = fromRoot('config/alertmanager/alertmanager.yml');
export const DOCS_FILE = fromRoot('docs/alerting.md');
export const UNIT_TEST_DIR = fromRoot('test/alerting');

/** What every platform alert ends in: a maintenance window silences that group in that location. */
export const MAINTENANCE_CLAUSE = 'unless on (group, location) (outpost_maintenance_active == 1)';

export interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
export interface RuleGroup {
  name: string;
  interval?: string;
  rules: Rule[];
}

export function loadRuleGroups(file = RULES_FILE): RuleGroup[] {
  return (parse(readFileSync(file, 'utf8')) as { groups: RuleGroup[] }).groups;
}

export const allRules = (groups: RuleGroup[]): Rule[] => groups.flatMap((g) => g.rules);

/** The promtool unit-test files, absolute paths. */
export function unitTestFiles(): string[] {
  return readdirSync(UNIT_TEST_DIR)
    .filter((f) => f.endsWith('.test.yml'))
    .sort()
    .map((f) => `${UNIT_TEST_DIR}/${f}`);
}

export interface AlertCase {
  eval_time: string;
  alertname: string;
  exp_alerts?: Array<{ exp_labels?: Record<string, string>; exp_annotations?: Record<string, string> }>;
}

/** Every alert_rule_test case of every unit-test file. */
export function alertCases(): AlertCase[] {
  return unitTestFiles().flatMap((file) => {
    const doc = parse(readFileSync(file, 'utf8')) as { tests: Array<{ alert_rule_test?: AlertCase[] }> };
    return doc.tests.flatMap((t) => t.alert_rule_test ?? []);
  });
}
