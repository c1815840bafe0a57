import { afterEach, expect, it } from 'vitest';
import { simulateMain, type Simulator } from '../../src/simulator/index.js';
import { req } from './helpers.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

it('starts the simulator and narrates where it listens and each scenario step', async () => {
  const lines: string[] = [];
  let finished!: () => void;
  const allDone = new Promise<void>((r) => (finished = r));
  sim = await simulateMain({ port: 0, scenario: 'march-5', speed: 4000 }, (line) => {
    lines.push(line);
    if (line.includes('Facebook accepts logins')) finished();
  });
  expect(lines).toContain(`outpost simulator listening on ${sim.url}`);
  expect(lines.some((l) => l.includes(sim!.baseUrl('instagram')))).toBe(true);
  expect((await req(`${sim.url}/_sim/healthz`)).status).toBe(200);
  await Promise.race([allDone, new Promise((_, reject) => setTimeout(() => reject(new Error('no last step')), 5000))]);
  const steps = lines.filter((l) => l.startsWith('[scenario march-5'));
  expect(steps).toHaveLength(5);
  expect(steps[0]).toBe('[scenario march-5 +0s] all healthy | no changes');
  expect(steps[1]).toMatch(/^\[scenario march-5 \+40s\] .*\| facebook: forced_logout, login_refused; instagram: feed_stale; threads: error_page$/);
  expect(steps[2]).toMatch(/threads: healthy$/);
});
