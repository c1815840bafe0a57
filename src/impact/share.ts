/**
 * How much of a priced platform is broken right now, 0..1 (docs/impact.md, "The formula"):
 * - in maintenance: 0 (planned work costs nothing here);
 * - the group is down: 1;
 * - otherwise the worst of its checks: a `feed`, `session` or `login` check down counts 1 (people
 *   cannot see, stay signed in or sign in: they cannot buy), a generic `http` check down counts
 *   HTTP_DOWN_SHARE, a degraded (slow) check counts the configured `degraded` fraction.
 * Pure.
 */
import type { CheckType } from '../config/types.js';
import type { CheckState } from '../check-state.js';
import type { ImpactBucket } from './types.js';

export const HTTP_DOWN_SHARE = 0.5;

export interface ShareCheck {
  group: string;
  endpoint: string;
  state: CheckState;
  type: CheckType;
}

export function checkShare(c: Pick<ShareCheck, 'state' | 'type'>, degraded: number): number {
  if (c.state === 'down') return c.type === 'http' ? HTTP_DOWN_SHARE : 1;
  if (c.state === 'degraded') return degraded;
  return 0;
}

export function bucketShare(
  b: Pick<ImpactBucket, 'group' | 'endpoints' | 'degraded'>,
  checks: readonly ShareCheck[],
  groupState: CheckState,
  inMaintenance: boolean,
): number {
  if (inMaintenance) return 0;
  if (groupState === 'down') return 1;
  let share = 0;
  for (const c of checks) {
    if (c.group !== b.group || !b.endpoints.includes(c.endpoint)) continue;
    share = Math.max(share, checkShare(c, b.degraded));
    if (share >= 1) break;
  }
  return share;
}
