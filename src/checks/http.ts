/**
 * `http`: a generic journey of steps (request → extract → expect → next request), each step
 * carrying the endpoint's session unless `session: false`. Success: every step met its `expect`.
 */
import { requestStep } from '../config/steps.js';
import { runWithSession } from '../journey/run.js';
import { hasSession, type CheckKind } from './kind.js';

export const http: CheckKind = {
  compile(c, { path, endpoint, endpointHeaders, issues }) {
    if (!c.steps && !c.path) issues.push({ path: `${path}.steps`, message: 'an http check needs steps (or a path)' });
    const auth = hasSession(endpoint);
    const steps = (c.steps ?? [{ path: c.path ?? '/', method: c.method, headers: c.headers, expect: c.expect }]).map((s, i) =>
      requestStep(s.name ?? `step${i + 1}`, s, auth, endpointHeaders, `${path}.steps[${i}]`, issues),
    );
    return { steps, usesSession: auth && steps.some((s) => s.sendSession) };
  },
  run: runWithSession,
};
