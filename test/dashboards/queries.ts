/**
 * Every PromQL query of a committed dashboard, with Grafana's variables substituted, so tests can
 * parse them (promtool) or run them against a real Prometheus.
 *
 *   dashboardQueries('dashboards/outpost-overview.json', { group: 'facebook' })
 *
 * A relative `file` is resolved against the repository root. Variables: `$name`, `${name}`,
 * `${name:format}` and `[[name]]`. A value in `vars` wins; otherwise the dashboard's own default
 * (textbox/constant/custom current value; `.*` for a multi-value "All"); otherwise Grafana's
 * built-ins below (override them through `vars` too, e.g. `{ __rate_interval: '2m' }`). An
 * unknown variable throws, so a typo in a dashboard cannot pass silently.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PanelQuery {
  /** Panel title (`annotation: <name>` for annotations), plus `#refId` for panels. */
  panel: string;
  expr: string;
}

type Json = Record<string, unknown>;

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export const BUILTIN_VARIABLES: Readonly<Record<string, string>> = {
  __rate_interval: '1m',
  __interval: '1m',
  __interval_ms: '60000',
  __range: '1h',
  __range_s: '3600',
  __range_ms: '3600000',
};

const VARIABLE = /\$\{(\w+)(?::[^}]*)?\}|\[\[(\w+)(?::[^\]]*)?\]\]|\$(\w+)/g;

export function readDashboard(file: string): Json {
  const path = isAbsolute(file) ? file : resolve(REPO_ROOT, file);
  return JSON.parse(readFileSync(path, 'utf8')) as Json;
}

/** Every panel, the ones nested in collapsed rows included. */
export function allPanels(dashboard: Json): Json[] {
  const top = (dashboard.panels ?? []) as Json[];
  return top.flatMap((p) => [p, ...((p.panels ?? []) as Json[])]);
}

/** The default value of each templating variable, as a query would see it. */
export function variableDefaults(dashboard: Json): Record<string, string> {
  const out: Record<string, string> = {};
  const list = ((dashboard.templating as Json | undefined)?.list ?? []) as Json[];
  for (const v of list) {
    const current = (v.current ?? {}) as Json;
    const value = Array.isArray(current.value) ? current.value : [current.value];
    if (value.includes('$__all')) out[String(v.name)] = typeof v.allValue === 'string' ? v.allValue : '.*';
    else if (value.length === 1 && typeof value[0] === 'string') out[String(v.name)] = value[0];
  }
  return out;
}

export function substitute(expr: string, values: Record<string, string>): string {
  return expr.replace(VARIABLE, (whole, braced?: string, bracketed?: string, plain?: string) => {
    const name = braced ?? bracketed ?? plain ?? '';
    const value = values[name];
    if (value === undefined) throw new Error(`unknown variable ${whole} in: ${expr}`);
    return value;
  });
}

export function dashboardQueries(file: string, vars: Record<string, string>): PanelQuery[] {
  const dashboard = readDashboard(file);
  const values = { ...BUILTIN_VARIABLES, ...variableDefaults(dashboard), ...vars };
  const out: PanelQuery[] = [];
  for (const panel of allPanels(dashboard)) {
    for (const target of (panel.targets ?? []) as Json[]) {
      if (typeof target.expr === 'string') out.push({ panel: `${String(panel.title)}#${String(target.refId)}`, expr: substitute(target.expr, values) });
    }
  }
  for (const a of ((dashboard.annotations as Json | undefined)?.list ?? []) as Json[]) {
    if (typeof a.expr === 'string') out.push({ panel: `annotation: ${String(a.name)}`, expr: substitute(a.expr, values) });
  }
  return out;
}
