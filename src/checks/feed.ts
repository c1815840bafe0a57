/**
 * `feed`: the feed loads and has new content. Success: JSON whose `items` list holds at least
 * `minItems` entries, the newest younger than `maxAge`. Carries the endpoint's shared session
 * when the endpoint has one.
 */
import type { RawExpect } from '../config/schema.js';
import { requestStep } from '../config/steps.js';
import { runWithSession } from '../journey/run.js';
import { hasSession, type CheckKind } from './kind.js';

export const feed: CheckKind = {
  compile(c, { path, endpoint, endpointHeaders, issues }) {
    if (!c.path) issues.push({ path: `${path}.path`, message: 'a feed check needs the path of the feed' });
    if (!c.items) issues.push({ path: `${path}.items`, message: 'a feed check needs items: the JSON path of the list of items' });
    if (c.maxAge && !c.timestamp) issues.push({ path: `${path}.timestamp`, message: 'maxAge needs timestamp: the field of an item holding its time' });
    const expect: RawExpect = {
      ...c.expect,
      items: { path: c.items ?? '$', minItems: c.minItems ?? 1, timestamp: c.timestamp, maxAge: c.maxAge },
    };
    const step = requestStep('feed', { method: c.method, path: c.path ?? '/', headers: c.headers, expect, expectJson: true }, hasSession(endpoint), endpointHeaders, path, issues);
    return { steps: [step], usesSession: hasSession(endpoint) };
  },
  run: runWithSession,
};
