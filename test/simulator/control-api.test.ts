import { afterEach, describe, expect, it } from 'vitest';
import type { Simulator } from '../../src/simulator/index.js';
import { postJson, req, start } from './helpers.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const faultsUrl = () => `${sim!.url}/_sim/faults`;

async function expect400(body: unknown, fragment: string) {
  const res = await postJson(faultsUrl(), body);
  expect(res.status).toBe(400);
  const answer = (await res.json()) as { error: string; message: string };
  expect(answer.error).toBe('bad_request');
  expect(answer.message).toContain(fragment);
}

describe('control API', () => {
  it('answers healthz', async () => {
    sim = await start();
    const res = await req(`${sim.url}/_sim/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('lists, replaces and clears faults', async () => {
    sim = await start();
    expect(await (await req(faultsUrl())).json()).toEqual({ facebook: [], instagram: [], threads: [] });

    const set = await postJson(faultsUrl(), { platform: 'threads', faults: [{ type: 'http_5xx', status: 500, ratio: 1 }] });
    expect(set.status).toBe(200);
    expect(await set.json()).toEqual({
      platform: 'threads',
      faults: [{ type: 'http_5xx', status: 500, ratio: 1, routes: ['login', 'feed', 'me'] }],
    });
    expect((await req(`${sim.baseUrl('threads')}/api/me`)).status).toBe(500);
    expect(sim.faults().threads).toHaveLength(1);

    await postJson(faultsUrl(), { platform: 'threads', faults: [{ type: 'error_page' }] });
    const listed = (await (await req(faultsUrl())).json()) as Record<string, { type: string }[]>;
    expect(listed.threads!.map((f) => f.type)).toEqual(['error_page']);

    await postJson(faultsUrl(), { platform: 'facebook', faults: [{ type: 'login_refused' }] });
    const cleared = await req(faultsUrl(), { method: 'DELETE' });
    expect(cleared.status).toBe(200);
    expect(await cleared.json()).toEqual({ facebook: [], instagram: [], threads: [] });
    expect((await req(`${sim.baseUrl('threads')}/api/me`)).status).toBe(403);
  });

  it('refuses bad input with 400 and a clear message', async () => {
    sim = await start();
    await expect400({ platform: 'myspace', faults: [] }, 'unknown platform "myspace"');
    await expect400({ platform: 'facebook', faults: [{ type: 'explode' }] }, 'faults.0.type: unknown fault type "explode"');
    await expect400({ platform: 'facebook', faults: [{ type: 'slow', ratio: 1.5 }] }, 'faults.0.ratio');
    await expect400({ platform: 'facebook', faults: [{ type: 'feed_empty', routes: ['login'] }] }, 'faults.0.routes');
    await expect400({ platform: 'facebook', faults: [{ type: 'slow', status: 500 }] }, 'faults.0.status: not a field of a slow fault');
    await expect400({ platform: 'facebook', faults: [{ type: 'http_5xx', status: 404 }] }, 'faults.0.status');
    await expect400({ platform: 'facebook', faults: 'forced_logout' }, 'faults: must be a list');
    await expect400([], 'body');
    const res = await req(faultsUrl(), { method: 'POST', body: '{not json', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(sim.faults()).toEqual({ facebook: [], instagram: [], threads: [] });
  });

  it('answers 405 to other methods and 404 to unknown control paths', async () => {
    sim = await start();
    expect((await req(faultsUrl(), { method: 'PUT' })).status).toBe(405);
    expect((await req(`${sim.url}/_sim/nothing`)).status).toBe(404);
  });

  it('validates programmatic setFaults too', async () => {
    sim = await start();
    expect(() => sim!.setFaults('facebook', [{ type: 'nope' as 'hang' }])).toThrow(/unknown fault type "nope"/);
    expect(() => sim!.setFaults('orkut' as 'facebook', [])).toThrow(/unknown platform/);
  });
});
