import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DASHBOARDS_DIR } from './generate.js';
import { metricNames } from './promql.js';
import { allPanels, dashboardQueries, readDashboard } from './queries.js';
import { KNOWN_SERIES } from '../support/spec-metrics.js';
import { FULL_DETAIL_METRICS, FULL_DETAIL_ROW } from './outpost-panels.js';

type Json = Record<string, unknown>;

const FILES = { overview: 'dashboards/outpost-overview.json', platform: 'dashboards/outpost-platform.json' } as const;
const UIDS = { overview: 'outpost-overview', platform: 'outpost-platform' } as const;
const VARIABLES = { overview: ['datasource', 'location', 'group'], platform: ['datasource', 'location', 'group', 'endpoint', 'check'] } as const;
const DATA_PANELS = new Set(['stat', 'timeseries', 'state-timeline', 'gauge', 'bargauge', 'table', 'barchart', 'piechart', 'heatmap']);
/** Grafana unit ids these dashboards may use; anything else is probably a typo. */
const UNITS = new Set(['none', 'short', 'percentunit', 'percent', 's', 'ms', 'dateTimeFromNow', 'dateTimeAsIso', 'bytes', 'reqps']);

const rect = (p: Json) => p.gridPos as { x: number; y: number; w: number; h: number };
const overlaps = (a: Json, b: Json): boolean => {
  const r = rect(a);
  const s = rect(b);
  return r.x < s.x + s.w && s.x < r.x + r.w && r.y < s.y + s.h && s.y < r.y + r.h;
};

/** Every `datasource` value anywhere in the dashboard, with where it was found. */
function datasourceRefs(node: unknown, path = ''): { path: string; value: unknown }[] {
  if (Array.isArray(node)) return node.flatMap((n, i) => datasourceRefs(n, `${path}[${i}]`));
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([k, v]) =>
    k === 'datasource' ? [{ path: `${path}.${k}`, value: v }] : datasourceRefs(v, `${path}.${k}`),
  );
}

function variables(d: Json): Json[] {
  return (d.templating as { list: Json[] }).list;
}

describe('promql metricNames', () => {
  it('finds metric names and ignores functions, labels, keywords and durations', () => {
    expect(
      metricNames('sum by (reason) (increase(foo_total{a="b(c)",d=~"$x"}[5m])) / on(group) group_left(type) bar offset 1m > 0 or vector(1e3) unless time() - baz'),
    ).toEqual(['foo_total', 'bar', 'baz']);
    expect(metricNames('histogram_quantile(0.9, sum(rate(x_bucket[1m])) by (le))')).toEqual(['x_bucket']);
  });
});

describe.each(Object.keys(FILES) as (keyof typeof FILES)[])('%s dashboard', (name) => {
  const d = readDashboard(FILES[name]);
  const panels = allPanels(d);

  it('has its stable uid, a current schemaVersion and the outpost tag', () => {
    expect(d.uid).toBe(UIDS[name]);
    expect(d.schemaVersion).toBeGreaterThanOrEqual(39);
    expect(d.tags).toContain('outpost');
  });

  it('numbers panels uniquely and places every one of them', () => {
    const ids = panels.map((p) => p.id);
    expect(ids.every((id) => Number.isInteger(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of panels) {
      const r = rect(p);
      expect([r.x, r.y, r.w, r.h].every((n) => Number.isInteger(n) && n >= 0), String(p.title)).toBe(true);
      expect(r.w > 0 && r.h > 0 && r.x + r.w <= 24, String(p.title)).toBe(true);
    }
  });

  it('has no two panels overlapping', () => {
    const clashes: string[] = [];
    panels.forEach((a, i) => panels.slice(i + 1).forEach((b) => overlaps(a, b) && clashes.push(`${String(a.title)} × ${String(b.title)}`)));
    expect(clashes).toEqual([]);
  });

  it('sets a known unit on every panel that shows numbers', () => {
    const data = panels.filter((p) => DATA_PANELS.has(String(p.type)));
    expect(data.length).toBeGreaterThan(5);
    for (const p of data) {
      const unit = ((p.fieldConfig as Json).defaults as Json).unit;
      expect(UNITS.has(String(unit)), `${String(p.title)}: unit ${String(unit)}`).toBe(true);
    }
  });

  it('refers to the data source only through ${datasource}', () => {
    const refs = datasourceRefs(d);
    expect(refs.length).toBeGreaterThan(panels.length);
    for (const { path, value } of refs) {
      const ok = value === '${datasource}' || (typeof value === 'object' && value !== null && (value as Json).type === 'prometheus' && (value as Json).uid === '${datasource}');
      expect(ok, `${path}: ${JSON.stringify(value)}`).toBe(true);
    }
    for (const p of panels.filter((p) => p.type !== 'row')) expect(p.datasource, String(p.title)).toBeDefined();
  });

  it('defines the variables it needs: a prometheus datasource variable and label_values queries', () => {
    const vars = variables(d);
    expect(vars.map((v) => v.name)).toEqual(expect.arrayContaining([...VARIABLES[name]]));
    const ds = vars.find((v) => v.name === 'datasource');
    expect(ds).toMatchObject({ type: 'datasource', query: 'prometheus' });
    for (const v of vars.filter((v) => v.type === 'query')) {
      expect(String(v.definition), String(v.name)).toMatch(/^label_values\(.+, \w+\)$/);
      expect(v).toMatchObject({ multi: true, includeAll: true, allValue: '.*' });
    }
  });

  it('queries only metrics the SPEC defines, in panels, annotations and variables', () => {
    const queries = dashboardQueries(FILES[name], {}).map((q) => q.expr);
    const variableQueries = variables(d)
      .filter((v) => v.type === 'query')
      .map((v) => String(v.definition).replace(/^label_values\((.+), \w+\)$/, '$1'));
    const used = new Set([...queries, ...variableQueries].flatMap(metricNames));
    expect(used.size).toBeGreaterThan(5);
    expect([...used].filter((m) => !KNOWN_SERIES.has(m))).toEqual([]);
  });

  it('substitutes every variable of every query', () => {
    const queries = dashboardQueries(FILES[name], { group: 'facebook', location: 'eu-west', endpoint: 'web', check: 'session' });
    expect(queries.length).toBeGreaterThan(5);
    for (const q of queries) expect(q.expr, q.panel).not.toMatch(/\$|\[\[/);
    expect(queries.some((q) => q.expr.includes('group=~"facebook"'))).toBe(true);
  });

  it('has incident open and resolve annotations', () => {
    const list = (d.annotations as { list: Json[] }).list.map((a) => String(a.expr));
    expect(list.some((e) => e.includes('changes(outpost_incidents_total'))).toBe(true);
    expect(list.some((e) => e.includes('outpost_incidents_open'))).toBe(true);
  });

  it('links to the other dashboard, keeping time and variables', () => {
    const other = name === 'overview' ? UIDS.platform : UIDS.overview;
    const links = d.links as Json[];
    expect(links.some((l) => String(l.url).startsWith(`/d/${other}`) && l.includeVars === true && l.keepTime === true)).toBe(true);
  });
});

describe('overview', () => {
  const d = readDashboard(FILES.overview);
  it('repeats a row over $group and covers every metric the brief names', () => {
    expect(allPanels(d).some((p) => p.type === 'row' && p.repeat === 'group')).toBe(true);
    const exprs = dashboardQueries(FILES.overview, {}).map((q) => q.expr).join('\n');
    for (const m of ['outpost_group_state', 'outpost_check_state', 'outpost_check_runs_total', 'outpost_check_failures_total', 'outpost_check_last_duration_seconds', 'outpost_incidents_open']) {
      expect(exprs).toContain(m);
    }
    for (const w of ['[1h]', '[24h]', '[30d]']) expect(exprs).toContain(w);
  });
});

describe('platform', () => {
  it('covers every metric the brief names', () => {
    const exprs = dashboardQueries(FILES.platform, {}).map((q) => q.expr).join('\n');
    for (const m of [
      'outpost_check_phase_duration_seconds',
      'outpost_check_http_status_code',
      'outpost_session_age_seconds',
      'outpost_tls_cert_expiry_timestamp_seconds',
      'outpost_check_attempts_total',
      'outpost_check_runs_total',
      'outpost_check_consecutive_failures',
    ]) {
      expect(exprs).toContain(m);
    }
    expect(allPanels(readDashboard(FILES.platform)).some((p) => p.type === 'state-timeline')).toBe(true);
  });
});

describe('at the default metrics detail', () => {
  for (const [name, file] of Object.entries(FILES)) {
    it(`${name}: only panels of the "${FULL_DETAIL_ROW}" row query full-detail series`, () => {
      let row = '';
      const misplaced: string[] = [];
      for (const p of (readDashboard(file).panels ?? []) as Json[]) {
        if (p.type === 'row') row = String(p.title);
        const exprs = ((p.targets ?? []) as Json[]).map((t) => String(t.expr ?? ''));
        const full = exprs.some((e) => metricNames(e).some((m) => FULL_DETAIL_METRICS.some((f) => m === f || m.startsWith(`${f}_`))));
        if (full && row !== FULL_DETAIL_ROW) misplaced.push(String(p.title));
      }
      expect(misplaced).toEqual([]);
    });
  }
});

describe('provisioning', () => {
  const load = (rel: string) => parse(readFileSync(join(DASHBOARDS_DIR, 'provisioning', rel), 'utf8')) as Json;
  it('provisions a prometheus data source with uid prometheus', () => {
    const [ds] = load('datasources/prometheus.yml').datasources as Json[];
    expect(ds).toMatchObject({ type: 'prometheus', uid: 'prometheus', url: 'http://prometheus:9090' });
  });
  it('provisions the dashboards from a file provider', () => {
    const [p] = load('dashboards/outpost.yml').providers as Json[];
    expect(p).toMatchObject({ type: 'file', options: { path: '/var/lib/grafana/dashboards/outpost' } });
  });
});
