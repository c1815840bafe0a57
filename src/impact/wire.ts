/** The daemon's impact tracker, from the compiled config and the metrics registry. */
import type { CompiledConfig, CheckType } from '../config/types.js';
import type { Metrics } from '../metrics/registry.js';
import { createImpactTracker, type ImpactTracker } from './tracker.js';
import type { HistoryRecorder } from '../persist/history.js';

export function checkTypesOf(config: Pick<CompiledConfig, 'checks'>): Map<string, CheckType> {
  return new Map(config.checks.map((c) => [c.id, c.type]));
}

export function createDaemonImpact(config: CompiledConfig, metrics: Metrics, timeScale?: number, history?: HistoryRecorder): ImpactTracker {
  return createImpactTracker({
    ...(history ? { onAccrued: (group: string, unit: string, amount: number, t: number) => history.addImpact(group, unit, amount, t) } : {}),
    buckets: config.impact,
    checkTypes: checkTypesOf(config),
    location: config.location,
    counter: metrics.impactEstimated,
    ...(timeScale !== undefined ? { timeScale } : {}),
  });
}

/** After a reload. */
export function reconfigureImpact(impact: ImpactTracker, config: CompiledConfig): void {
  impact.configure(config.impact, checkTypesOf(config), config.location);
}
