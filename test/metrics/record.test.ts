/** Endpoint series recorded per run (src/metrics/record.ts). */
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/metrics/registry.js';
import { forgetEndpoint, recordSessionAge } from '../../src/metrics/record.js';
import type { CompiledEndpoint } from '../../src/config/types.js';

const endpoint = (name: string) => ({ key: `g/${name}`, group: 'g', name }) as CompiledEndpoint;
const ages = async (m: ReturnType<typeof createMetrics>) =>
  (await m.sessionAge.get()).values.map((v) => `${v.labels.endpoint}=${v.value}`).sort();

describe('outpost_session_age_seconds', () => {
  it('follows each run, 0 without a session, and comes back after the endpoint was forgotten', async () => {
    const m = createMetrics({ version: 't', location: 'here', defaultMetrics: false });
    const a = endpoint('a');
    const b = endpoint('b');
    recordSessionAge(m, a, null);
    recordSessionAge(m, b, 12.5);
    expect(await ages(m)).toEqual(['a=0', 'b=12.5']);
    recordSessionAge(m, a, null);
    recordSessionAge(m, b, 13);
    recordSessionAge(m, a, 1);
    expect(await ages(m)).toEqual(['a=1', 'b=13']);
    forgetEndpoint(m, a);
    expect(await ages(m)).toEqual(['b=13']);
    // The same endpoint, the same value as before it was forgotten: the series is back.
    recordSessionAge(m, a, 1);
    expect(await ages(m)).toEqual(['a=1', 'b=13']);
  });
});
