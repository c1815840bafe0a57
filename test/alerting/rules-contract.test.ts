/**
 * The rules file against the SPEC's names and the alerting conventions, without any tool:
 * metric names, reasons, severities, annotations, SLI windows, unit-test coverage, docs.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REASON_TEXT, REASONS, isReason } from '../../src/reasons.js';
import {
  ALERTMANAGER_CONFIG,
  DOCS_FILE,
  MAINTENANCE_CLAUSE,
  RULES_FILE,
  alertCases,
  allRules,
  loadRuleGroups,
} from './rules-file.js';
import { SPEC_METRICS as SPEC_METRIC_NAMES, SPEC_HISTOGRAMS } from '../support/spec-metrics.js';

/** The metric names SPEC.md defines (histograms expose _bucket/_sum/_count of these). */
const SPEC_METRICS = new Set<string>([...SPEC_METRIC_NAMES, ...SPEC_HISTOGRAMS]);

const ALERTS_REQUIRED = [
  'OutpostForcedLogout',
  'OutpostLoginFailing',
  'OutpostFeedNotLoading',
  'OutpostErrorPage',
  'OutpostPlatformDown',
  'OutpostMultiPlatformOutage',
  'OutpostConfirmedAcrossLocations',
  'OutpostCheckSlow',
  'OutpostSLOBurnPage',
  'OutpostSLOBurnTicket',
  'OutpostTLSCertExpiring',
  'OutpostWebhookDeliveriesFailing',
  'OutpostConfigReloadFailed',
  'OutpostDown',
  'OutpostAbsent',
  'OutpostNoChecksRunning',
];

/** Alerts about a platform: each must be silenced by its maintenance window. */
const PLATFORM_ALERTS = [
  'OutpostForcedLogout',
  'OutpostLoginFailing',
  'OutpostFeedNotLoading',
  'OutpostErrorPage',
  'OutpostCheckDown',
  'OutpostPlatformDown',
  'OutpostMultiPlatformOutage',
  'OutpostConfirmedAcrossLocations',
  'OutpostCheckSlow',
  'OutpostSLOBurnPage',
  'OutpostSLOBurnTicket',
  'OutpostTLSCertExpiring',
];

const SLI_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'];

const groups = loadRuleGroups();
const rules = allRules(groups);
const alerts = rules.filter((r) => r.alert);
const alertNames = [...new Set(alerts.map((r) => r.alert as string))];
const records = new Map(rules.filter((r) => r.record).map((r) => [r.record as string, r.expr]));

describe('rules file', () => {
  it('defines every alert of the brief', () => {
    for (const name of ALERTS_REQUIRED) expect(alertNames, name).toContain(name);
  });

  it('reads only metrics the SPEC defines, plus up and its own recording rules', () => {
    const text = rules.map((r) => r.expr).join('\n');
    const used = new Set(text.match(/\boutpost_[a-z0-9_]+/g) ?? []);
    expect(used.size).toBeGreaterThan(10);
    for (const name of used) expect(SPEC_METRICS, name).toContain(name.replace(/_(bucket|sum|count)$/, ''));
    for (const name of new Set(text.match(/\boutpost:[a-z0-9_:]+/g) ?? [])) expect(records.has(name), name).toBe(true);
  });

  it('names only SPEC reasons and states in label matchers', () => {
    const text = rules.map((r) => r.expr).join('\n') + readFileSync(RULES_FILE, 'utf8');
    for (const [, values] of text.matchAll(/reason\s*(?:=~|!~|=|!=)\s*"([^"]*)"/g)) {
      for (const reason of (values ?? '').split('|')) expect(isReason(reason), reason).toBe(true);
    }
    for (const [, state] of text.matchAll(/state\s*=\s*"([^"]*)"/g)) {
      expect(['unknown', 'up', 'degraded', 'down'], state).toContain(state);
    }
  });

  it('gives every alert a severity, a for:, and summary, description and runbook_url annotations', () => {
    for (const rule of alerts) {
      const name = rule.alert as string;
      expect(['page', 'ticket'], name).toContain(rule.labels?.severity);
      expect(rule.for, name).toMatch(/^[1-9][0-9]*[smh]$/);
      expect(rule.annotations?.summary, name).toBeTruthy();
      expect(rule.annotations?.description, name).toBeTruthy();
      expect(rule.annotations?.runbook_url, name).toMatch(new RegExp(`#${name.toLowerCase()}$`));
      // Only bounded labels: no templates in alert labels.
      for (const value of Object.values(rule.labels ?? {})) expect(value, name).not.toContain('{{');
    }
  });

  it('silences every platform alert in maintenance, directly or through the counts it reads', () => {
    for (const name of PLATFORM_ALERTS) {
      for (const rule of alerts.filter((r) => r.alert === name)) {
        const read = [...(rule.expr.match(/\boutpost:[a-z0-9_:]+/g) ?? [])].map((r) => records.get(r) ?? '');
        expect([rule.expr, ...read].some((e) => e.includes(MAINTENANCE_CLAUSE)), name).toBe(true);
      }
    }
  });

  it('records availability per check and per group over every burn-rate window, all of one shape', () => {
    for (const level of ['check', 'group']) {
      const base = records.get(`outpost:${level}_availability:ratio_rate5m`);
      expect(base, level).toBeDefined();
      for (const w of SLI_WINDOWS) {
        const expr = records.get(`outpost:${level}_availability:ratio_rate${w}`);
        expect(expr, `${level} ${w}`).toBe(base?.replaceAll('[5m]', `[${w}]`));
      }
    }
  });

  it('keeps each tunable in one recording rule, with the documented defaults', () => {
    expect(records.get('outpost:slo_objective:ratio')).toBe('vector(0.995)');
    expect(records.get('outpost:forced_logout_endpoint_share:threshold')).toBe('vector(0.5)');
    const text = readFileSync(RULES_FILE, 'utf8');
    expect(text.match(/0\.995/g)?.length).toBe(1);
  });

  it('explains every SPEC reason in the same plain words as the status page', () => {
    const description = alerts.find((r) => r.alert === 'OutpostFeedNotLoading')?.annotations?.description ?? '';
    for (const reason of REASONS) {
      expect(description, reason).toContain(`eq $labels.reason "${reason}" }}${REASON_TEXT[reason]}`);
    }
  });
});

describe('promtool unit tests', () => {
  const cases = alertCases();

  it('make every alert fire with its labels and annotations, and stay silent in another case', () => {
    for (const name of alertNames) {
      const mine = cases.filter((c) => c.alertname === name);
      const firing = mine.filter((c) => (c.exp_alerts ?? []).length > 0);
      expect(firing.length, `${name} fires somewhere`).toBeGreaterThan(0);
      for (const c of firing) {
        for (const a of c.exp_alerts ?? []) {
          expect(a.exp_labels?.severity, name).toBeDefined();
          expect(Object.keys(a.exp_annotations ?? {}).sort(), name).toEqual(['description', 'runbook_url', 'summary']);
        }
      }
      expect(mine.some((c) => (c.exp_alerts ?? []).length === 0), `${name} stays silent somewhere`).toBe(true);
    }
  });
});

describe('alertmanager.yml', () => {
  const config = parse(readFileSync(ALERTMANAGER_CONFIG, 'utf8')) as {
    route: { group_by: string[]; routes: Array<{ matchers: string[]; receiver: string }> };
    receivers: Array<{ name: string; webhook_configs?: Array<{ send_resolved?: boolean }> }>;
    inhibit_rules: Array<{ source_matchers: string[]; target_matchers: string[]; equal: string[] }>;
  };

  it('groups by alert, platform and location and routes by severity to webhooks that send resolutions', () => {
    expect(config.route.group_by).toEqual(['alertname', 'group', 'location']);
    expect(config.route.routes.map((r) => r.matchers)).toEqual([['severity="page"'], ['severity="ticket"']]);
    for (const r of config.receivers) {
      expect(r.webhook_configs?.length, r.name).toBeGreaterThan(0);
      for (const w of r.webhook_configs ?? []) expect(w.send_resolved, r.name).toBe(true);
    }
  });

  it('inhibits per-platform alerts under a multi-platform outage and check alerts under platform down', () => {
    const rule = (source: string) => config.inhibit_rules.find((r) => r.source_matchers[0] === `alertname="${source}"`);
    const multi = rule('OutpostMultiPlatformOutage');
    const down = rule('OutpostPlatformDown');
    expect(multi?.equal).toEqual(['location']);
    expect(down?.equal).toEqual(['group', 'location']);
    for (const name of ['OutpostPlatformDown', 'OutpostForcedLogout', 'OutpostFeedNotLoading', 'OutpostErrorPage']) {
      expect(multi?.target_matchers.join(' '), name).toContain(name);
    }
    for (const name of ['OutpostForcedLogout', 'OutpostLoginFailing', 'OutpostFeedNotLoading', 'OutpostErrorPage']) {
      expect(down?.target_matchers.join(' '), name).toContain(name);
    }
  });

  it('names only alerts that exist', () => {
    const text = readFileSync(ALERTMANAGER_CONFIG, 'utf8');
    for (const name of new Set(text.match(/Outpost[A-Za-z]+/g) ?? [])) expect(alertNames, name).toContain(name);
  });
});

describe('docs/alerting.md', () => {
  it('lists every alert with a runbook heading', () => {
    const docs = readFileSync(DOCS_FILE, 'utf8');
    for (const name of alertNames) {
      expect(docs, name).toContain(`| ${name} |`);
      expect(docs, name).toContain(`### ${name}\n`);
    }
  });
});
