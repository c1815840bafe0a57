/**
 * `login`: proves that a fresh login works, on a session of its own. Success: the platform issued
 * a session (token or cookie) without refusing or challenging. It never replaces the endpoint's
 * shared session (that one belongs to the checks that carry it); it seeds it only when there is
 * none yet.
 */
import { logIn, startRun } from '../journey/run.js';
import type { CheckKind } from './kind.js';

export const login: CheckKind = {
  compile(c, { path, endpoint, issues }) {
    if (!endpoint.login) {
      issues.push({
        path: `${path}.type`,
        message: endpoint.preset ? 'a login check needs a login journey (auth.path or auth.steps), not a preset session' : 'a login check needs the endpoint to have an auth block',
      });
    }
    return { steps: [], usesSession: false };
  },
  async run(check, _shared, env) {
    const run = startRun(check, env);
    const { result, session } = await logIn(run);
    return run.finish(result, session && !result.reason ? { kind: 'seed', session } : { kind: 'keep' });
  },
};
