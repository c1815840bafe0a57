/** The check types, by the name `type:` gives them in the config. */
import type { CheckType } from '../config/types.js';
import { feed } from './feed.js';
import { http } from './http.js';
import type { CheckKind } from './kind.js';
import { login } from './login.js';
import { session } from './session.js';

export const CHECK_KINDS: Readonly<Record<CheckType, CheckKind>> = { login, session, feed, http };

export type { CheckKind } from './kind.js';

/** One run of a check by its type (no state, metrics or incidents: see src/run-check.ts for those). */
export function runCheckType(...args: Parameters<CheckKind['run']>): ReturnType<CheckKind['run']> {
  return CHECK_KINDS[args[0].type].run(...args);
}
