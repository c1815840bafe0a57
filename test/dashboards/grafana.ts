/**
 * Small builders for Grafana dashboard JSON (schemaVersion 39). They know Grafana's shapes, not
 * Outpost's metrics: outpost-panels.ts holds what is Outpost-specific. Every panel, target,
 * variable and annotation refers to the data source through the `${datasource}` variable.
 */

export type Json = Record<string, unknown>;

export const SCHEMA_VERSION = 39;
export const DATASOURCE = { type: 'prometheus', uid: '${datasource}' } as const;

export interface Target {
  expr: string;
  /** Grafana legend template, e.g. `{{reason}}`. */
  legend?: string;
  /** Evaluate once at the end of the range (stat panels) instead of over the range. */
  instant?: boolean;
}

export interface Threshold {
  color: string;
  /** null for the base step. */
  value: number | null;
}

export interface ValueText {
  value: number;
  text: string;
  color: string;
}

export interface PanelSpec {
  title: string;
  description: string;
  w: number;
  h: number;
  targets: Target[];
  unit: string;
  thresholds?: Threshold[];
  mappings?: ValueText[];
  decimals?: number;
  links?: { title: string; url: string }[];
}

/** A panel whose position and id the layout fills in. */
export interface Placed {
  w: number;
  h: number;
  json: Json;
}

const DEFAULT_THRESHOLDS: Threshold[] = [{ color: 'green', value: null }];

function targets(list: Target[]): Json[] {
  return list.map((t, i) => ({
    refId: String.fromCharCode(65 + i),
    datasource: DATASOURCE,
    editorMode: 'code',
    expr: t.expr,
    legendFormat: t.legend ?? '__auto',
    range: !t.instant,
    instant: Boolean(t.instant),
  }));
}

function valueMappings(list: ValueText[] | undefined): Json[] {
  if (!list) return [];
  const options: Json = {};
  list.forEach((m, index) => {
    options[String(m.value)] = { text: m.text, color: m.color, index };
  });
  return [{ type: 'value', options }];
}

function base(type: string, spec: PanelSpec, custom: Json, options: Json, colorMode: string): Placed {
  const defaults: Json = {
    unit: spec.unit,
    color: { mode: colorMode },
    custom,
    mappings: valueMappings(spec.mappings),
    thresholds: { mode: 'absolute', steps: spec.thresholds ?? DEFAULT_THRESHOLDS },
  };
  if (spec.decimals !== undefined) defaults.decimals = spec.decimals;
  if (spec.links) defaults.links = spec.links;
  return {
    w: spec.w,
    h: spec.h,
    json: {
      type,
      title: spec.title,
      description: spec.description,
      datasource: DATASOURCE,
      fieldConfig: { defaults, overrides: [] },
      options,
      targets: targets(spec.targets),
    },
  };
}

export function stat(spec: PanelSpec): Placed {
  return base(
    'stat',
    spec,
    {},
    {
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
      colorMode: 'background',
      graphMode: 'none',
      justifyMode: 'auto',
      orientation: 'auto',
      textMode: 'auto',
      wideLayout: true,
      showPercentChange: false,
    },
    'thresholds',
  );
}

export function timeseries(spec: PanelSpec & { stacked?: boolean; bars?: boolean }): Placed {
  return base(
    'timeseries',
    spec,
    {
      drawStyle: spec.bars ? 'bars' : 'line',
      lineWidth: 1,
      fillOpacity: spec.stacked ? 70 : 10,
      showPoints: 'never',
      spanNulls: false,
      stacking: { mode: spec.stacked ? 'normal' : 'none', group: 'A' },
    },
    {
      legend: { showLegend: true, displayMode: 'list', placement: 'bottom' },
      tooltip: { mode: 'multi', sort: 'desc' },
    },
    'palette-classic',
  );
}

export function stateTimeline(spec: PanelSpec): Placed {
  return base(
    'state-timeline',
    spec,
    { fillOpacity: 80, lineWidth: 0 },
    {
      mergeValues: true,
      showValue: 'auto',
      alignValue: 'left',
      rowHeight: 0.9,
      legend: { showLegend: true, displayMode: 'list', placement: 'bottom' },
      tooltip: { mode: 'single', sort: 'none' },
    },
    'thresholds',
  );
}

export function row(title: string, repeat?: string): Placed {
  const json: Json = { type: 'row', title, collapsed: false, panels: [] };
  if (repeat) json.repeat = repeat;
  return { w: 24, h: 1, json };
}

/**
 * Lays lines of panels out top to bottom, left to right, and numbers them. Each line starts
 * below the tallest panel of the line before, so nothing overlaps by construction.
 */
export function layout(lines: Placed[][]): Json[] {
  const out: Json[] = [];
  let y = 0;
  let id = 1;
  for (const line of lines) {
    let x = 0;
    for (const p of line) {
      out.push({ id: id++, gridPos: { h: p.h, w: p.w, x, y }, ...p.json });
      x += p.w;
    }
    y += Math.max(0, ...line.map((p) => p.h));
  }
  return out;
}

export function datasourceVariable(): Json {
  return {
    type: 'datasource',
    name: 'datasource',
    label: 'Data source',
    query: 'prometheus',
    current: {},
    hide: 0,
    includeAll: false,
    multi: false,
    options: [],
    refresh: 1,
    regex: '',
  };
}

/** A `label_values(...)` variable; multi-valued ones match with `=~` and `.*` for All. */
export function labelValuesVariable(name: string, label: string, definition: string): Json {
  return {
    type: 'query',
    name,
    label,
    datasource: DATASOURCE,
    definition,
    query: { qryType: 1, query: definition, refId: 'PrometheusVariableQueryEditor-VariableQuery' },
    refresh: 2,
    regex: '',
    sort: 1,
    multi: true,
    includeAll: true,
    allValue: '.*',
    current: { selected: true, text: ['All'], value: ['$__all'] },
    options: [],
    hide: 0,
  };
}

export function textboxVariable(name: string, label: string, value: string, description: string): Json {
  return {
    type: 'textbox',
    name,
    label,
    description,
    query: value,
    current: { selected: false, text: value, value },
    options: [{ selected: true, text: value, value }],
    hide: 0,
  };
}

export interface AnnotationSpec {
  name: string;
  expr: string;
  color: string;
  title: string;
  text: string;
  tags: string[];
  step: string;
}

export function promAnnotation(a: AnnotationSpec): Json {
  return {
    name: a.name,
    datasource: DATASOURCE,
    enable: true,
    hide: false,
    iconColor: a.color,
    expr: a.expr,
    step: a.step,
    titleFormat: a.title,
    textFormat: a.text,
    tagKeys: a.tags.join(','),
    useValueForTime: false,
  };
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  variables: Json[];
  annotations: Json[];
  links: Json[];
  lines: Placed[][];
  time?: string;
}

export function dashboard(d: DashboardSpec): Json {
  return {
    uid: d.uid,
    title: d.title,
    description: d.description,
    tags: d.tags,
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    editable: true,
    graphTooltip: 1,
    refresh: '30s',
    time: { from: d.time ?? 'now-6h', to: 'now' },
    timepicker: {},
    timezone: 'browser',
    fiscalYearStartMonth: 0,
    liveNow: false,
    weekStart: '',
    annotations: { list: d.annotations },
    links: d.links,
    templating: { list: d.variables },
    panels: layout(d.lines),
  };
}

/** A link to another dashboard that carries the time range and the shared variables along. */
export function dashboardLink(title: string, uid: string, tooltip: string): Json {
  return {
    type: 'link',
    title,
    tooltip,
    url: `/d/${uid}`,
    icon: 'dashboard',
    includeVars: true,
    keepTime: true,
    asDropdown: false,
    targetBlank: false,
    tags: [],
  };
}
