import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  loadScenario,
  parseScenario,
  runScenario,
  ScenarioError,
  type Fault,
  type Platform,
  type Scenario,
  type ScenarioEvent,
  type Simulator,
} from '../../src/simulator/index.js';
import { start } from './helpers.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const EXAMPLE = `
name: example
description: from the docs
steps:
  - at: 0s
    note: all healthy
    faults: {}
  - at: 40s
    note: trouble
    faults: { facebook: [{type: forced_logout}, {type: login_refused}], instagram: [{type: feed_stale, ageSeconds: 900}], threads: [{type: error_page}] }
  - at: 1m30s
    faults: { facebook: [] }
  - at: 500
    faults:
      threads: []
`;

function scenarioErrors(text: string): string[] {
  try {
    parseScenario(text, 'test.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return (err as ScenarioError).errors;
  }
  throw new Error('expected the scenario to be refused');
}

describe('scenario parsing', () => {
  it('reads steps, durations and faults', () => {
    const s = parseScenario(EXAMPLE);
    expect(s.name).toBe('example');
    expect(s.description).toBe('from the docs');
    expect(s.steps.map((st) => st.at)).toEqual([0, 40_000, 90_000, 500_000]);
    expect(s.duration).toBe(500_000);
    expect(s.steps[0]).toEqual({ at: 0, note: 'all healthy', faults: {} });
    expect(s.steps[1]!.faults.facebook!.map((f) => f.type)).toEqual(['forced_logout', 'login_refused']);
    expect(s.steps[1]!.faults.instagram![0]).toMatchObject({ type: 'feed_stale', ageSeconds: 900, ratio: 1 });
    expect(s.steps[2]!.faults).toEqual({ facebook: [] });
  });

  it('accepts ms, s, m durations and a pass duration', () => {
    const s = parseScenario('name: d\nduration: 3m\nsteps:\n  - {at: 500ms}\n  - {at: 90s}\n  - {at: 2m}\n');
    expect(s.steps.map((st) => st.at)).toEqual([500, 90_000, 120_000]);
    expect(s.duration).toBe(180_000);
  });

  it.each([
    ['4x', 'steps.0.at: invalid duration "4x"'],
    ['-1s', 'steps.0.at: invalid duration "-1s"'],
    ['"10"', 'steps.0.at: invalid duration "10"'],
    ['ten seconds', 'steps.0.at: invalid duration "ten seconds"'],
  ])('refuses the duration %s', (at, message) => {
    expect(scenarioErrors(`name: x\nsteps:\n  - at: ${at}\n`)).toEqual([expect.stringContaining(message)]);
  });

  it('refuses unknown fault types, platforms and fields, with paths', () => {
    const errors = scenarioErrors(`
name: x
steps:
  - at: 0s
    faults: { facebook: [{type: meltdown}], myspace: [] }
  - at: 1s
    when: later
    faults: { threads: [{type: slow, ms: -5}] }
`);
    expect(errors).toEqual([
      expect.stringContaining('steps.0.faults.facebook.0.type: unknown fault type "meltdown"'),
      expect.stringContaining('steps.0.faults.myspace: unknown platform "myspace"'),
      expect.stringContaining('steps.1.when: unknown field'),
      expect.stringContaining('steps.1.faults.threads.0.ms'),
    ]);
  });

  it('refuses steps out of order, no steps, a short duration and broken YAML', () => {
    expect(scenarioErrors('name: x\nsteps:\n  - at: 10s\n  - at: 5s\n')).toEqual([expect.stringContaining('steps.1.at: steps must be in time order')]);
    expect(scenarioErrors('name: x\nsteps: []\n')).toEqual([expect.stringContaining('steps: must be a non-empty list')]);
    expect(scenarioErrors('name: x\nduration: 1s\nsteps:\n  - at: 5s\n')).toEqual([expect.stringContaining('duration: shorter')]);
    expect(scenarioErrors('name: [unclosed\n')[0]).toMatch(/^\(yaml\)/);
    expect(scenarioErrors('steps:\n  - at: 0s\n')).toEqual([expect.stringContaining('name: required')]);
  });
});

describe('loading scenarios', () => {
  it('loads the built-in march-5 by name: healthy, all three break at once, recover one at a time', async () => {
    const s = await loadScenario('march-5');
    expect(s.name).toBe('march-5');
    expect(s.duration).toBeGreaterThanOrEqual(180_000);
    expect(s.duration).toBeLessThanOrEqual(300_000);
    expect(s.steps[0]!.faults).toEqual({});
    const outage = s.steps[1]!;
    expect(outage.at).toBeGreaterThanOrEqual(30_000);
    expect(outage.faults.facebook!.map((f) => f.type).sort()).toEqual(['forced_logout', 'login_refused']);
    expect(outage.faults.instagram!.map((f) => f.type)).toEqual(['feed_stale']);
    expect(outage.faults.threads!.map((f) => f.type)).toEqual(['error_page']);
    const recoveries = s.steps.slice(2).map((st) => Object.keys(st.faults));
    expect(recoveries).toEqual([['threads'], ['instagram'], ['facebook']]);
    expect(s.steps.slice(2).every((st) => Object.values(st.faults).every((f) => f.length === 0))).toBe(true);
    expect(s.steps[2]!.at - outage.at).toBeGreaterThanOrEqual(90_000);
  });

  it('loads a file by path and refuses unknown names', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'outpost-sim-'));
    try {
      const path = join(dir, 'mine.yaml');
      await writeFile(path, 'steps:\n  - at: 0s\n    faults: { threads: [{type: hang}] }\n');
      const s = await loadScenario(path);
      expect(s.name).toBe('mine');
      expect(s.steps[0]!.faults.threads![0]!.type).toBe('hang');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    await expect(loadScenario('no-such-scenario')).rejects.toThrow(/no scenario file or built-in scenario/);
  });
});

const QUICK: Scenario = {
  name: 'quick',
  duration: 40_000,
  steps: [
    { at: 0, note: 'start', faults: {} },
    { at: 10_000, note: 'break', faults: { facebook: [{ type: 'forced_logout' }], threads: [{ type: 'error_page' }] } },
    { at: 20_000, note: 'threads back', faults: { threads: [] } },
    { at: 30_000, note: 'facebook back', faults: { facebook: [] } },
  ],
};

function types(faults: Record<Platform, Fault[]>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(faults).map(([p, list]) => [p, list.map((f) => f.type)]));
}

describe('running scenarios', () => {
  it('applies steps in order at high speed and reports each', async () => {
    const seen: { event: ScenarioEvent; faults: Record<string, string[]> }[] = [];
    let finished!: () => void;
    const allDone = new Promise<void>((r) => (finished = r));
    sim = await start({
      scenario: QUICK,
      speed: 1000,
      onScenarioStep: (event) => {
        seen.push({ event, faults: types(sim!.faults()) });
        if (event.index === QUICK.steps.length - 1) finished();
      },
    });
    await Promise.race([allDone, new Promise((_, reject) => setTimeout(() => reject(new Error('scenario did not finish')), 5000))]);
    expect(seen.map((s) => s.event.note)).toEqual(['start', 'break', 'threads back', 'facebook back']);
    expect(seen.map((s) => s.event.at)).toEqual([0, 10_000, 20_000, 30_000]);
    expect(seen[1]!.faults).toEqual({ facebook: ['forced_logout'], instagram: [], threads: ['error_page'] });
    expect(seen[2]!.faults).toEqual({ facebook: ['forced_logout'], instagram: [], threads: [] });
    expect(seen[3]!.faults).toEqual({ facebook: [], instagram: [], threads: [] });
  });

  it('loops, starting each pass from a clean slate', async () => {
    const events: ScenarioEvent[] = [];
    const state: Record<Platform, Fault[]> = { facebook: [], instagram: [], threads: [] };
    let clears = 0;
    let reached!: () => void;
    const secondPass = new Promise<void>((r) => (reached = r));
    const scenario: Scenario = { name: 'loop', duration: 20_000, steps: [{ at: 5_000, faults: { instagram: [{ type: 'feed_empty' }] } }] };
    const run = runScenario(scenario, {
      speed: 1000,
      loop: true,
      apply: (p, f) => (state[p] = f),
      clear: () => {
        clears++;
        state.instagram = [];
      },
      onStep: (e) => {
        events.push(e);
        if (e.iteration === 2) reached();
      },
    });
    try {
      await Promise.race([secondPass, new Promise((_, reject) => setTimeout(() => reject(new Error('no third pass')), 5000))]);
    } finally {
      run.stop();
    }
    await run.done;
    expect(events.slice(0, 3).map((e) => e.iteration)).toEqual([0, 1, 2]);
    expect(clears).toBe(3);
    expect(state.instagram.map((f) => f.type)).toEqual(['feed_empty']);
  });

  it('plays march-5 through the simulator and ends healthy', async () => {
    const notes: (string | undefined)[] = [];
    let finished!: () => void;
    const allDone = new Promise<void>((r) => (finished = r));
    let duringOutage: Record<string, string[]> | undefined;
    sim = await start({
      scenario: 'march-5',
      speed: 4000,
      onScenarioStep: (e) => {
        notes.push(e.note);
        if (e.index === 1) duringOutage = types(sim!.faults());
        if (e.index === 4) finished();
      },
    });
    await Promise.race([allDone, new Promise((_, reject) => setTimeout(() => reject(new Error('march-5 did not finish')), 5000))]);
    expect(notes).toHaveLength(5);
    expect(duringOutage).toEqual({ facebook: ['forced_logout', 'login_refused'], instagram: ['feed_stale'], threads: ['error_page'] });
    expect(sim.faults()).toEqual({ facebook: [], instagram: [], threads: [] });
  });

  it('refuses a non-positive speed', () => {
    expect(() => runScenario(QUICK, { speed: 0, apply: () => {}, clear: () => {} })).toThrow(/speed/);
  });
});
