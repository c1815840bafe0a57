/**
 * `session`: a page that needs the session (`/me`) still answers as signed in. Success: a 2xx that
 * is not a login page (no redirect to one, no password form, no "log in again", no Graph-API
 * error 190) and meets `expect`. Carries the endpoint's shared session, logging in only when
 * there is none.
 */
import { requestStep } from '../config/steps.js';
import { runWithSession } from '../journey/run.js';
import { hasSession, type CheckKind } from './kind.js';

export const session: CheckKind = {
  compile(c, { path, endpoint, endpointHeaders, issues }) {
    if (!c.path) issues.push({ path: `${path}.path`, message: 'a session check needs the path of a page that requires the session, e.g. /me' });
    if (!hasSession(endpoint)) issues.push({ path: `${path}.type`, message: 'a session check needs the endpoint to have an auth block' });
    const step = requestStep('session', { method: c.method, path: c.path ?? '/', headers: c.headers, expect: c.expect }, hasSession(endpoint), endpointHeaders, path, issues);
    return { steps: [step], usesSession: true };
  },
  run: runWithSession,
};
