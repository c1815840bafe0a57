/** Plays a scenario against the simulator's faults in real time, scaled by `speed`. */
import type { Fault, Platform, Scenario, ScenarioEvent } from './types.js';

export interface ScenarioRunOptions {
  /** Time compression: a step at `at` happens at `at / speed` (default 1). */
  speed?: number;
  /** Start over after `scenario.duration` (default false). */
  loop?: boolean;
  /** Replaces one platform's faults. */
  apply(platform: Platform, faults: Fault[]): void;
  /** Clears every platform's faults; called when each pass begins. */
  clear(): void;
  onStep?(event: ScenarioEvent): void;
}

export interface ScenarioRun {
  /** Stops the run; faults stay as they are. */
  stop(): void;
  /** Settles when a non-looping run has applied its last step, or when stopped. */
  done: Promise<void>;
}

/** Throws when the options cannot run this scenario (bad speed, a loop of length 0). */
export function checkRunOptions(scenario: Scenario, opts: Pick<ScenarioRunOptions, 'speed' | 'loop'>): void {
  const speed = opts.speed ?? 1;
  if (!(speed > 0) || !Number.isFinite(speed)) throw new Error(`scenario speed must be a positive number, got ${speed}`);
  if (opts.loop && scenario.duration <= 0) throw new Error(`scenario "${scenario.name}" cannot loop: its duration is 0`);
}

/** Starts playing; steps due at once (at 0) are applied before this returns. */
export function runScenario(scenario: Scenario, opts: ScenarioRunOptions): ScenarioRun {
  checkRunOptions(scenario, opts);
  const speed = opts.speed ?? 1;

  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let iteration = 0;
  let index = 0;
  let passStart = performance.now();

  const applyStep = (): void => {
    const step = scenario.steps[index]!;
    for (const [platform, faults] of Object.entries(step.faults) as [Platform, Fault[]][]) opts.apply(platform, faults);
    const event: ScenarioEvent = { at: step.at, faults: step.faults, index, iteration, scenario: scenario.name };
    if (step.note !== undefined) event.note = step.note;
    index++;
    opts.onStep?.(event);
  };

  const startPass = (): void => {
    opts.clear();
    index = 0;
    advance();
  };

  /** Applies every step already due, then sleeps until the next one (or the end of the pass). */
  function advance(): void {
    while (!stopped && index < scenario.steps.length) {
      const due = passStart + scenario.steps[index]!.at / speed;
      const wait = due - performance.now();
      if (wait > 0) {
        timer = setTimeout(advance, wait);
        return;
      }
      applyStep();
    }
    if (stopped) return;
    if (!opts.loop) {
      finish();
      return;
    }
    const nextPass = passStart + scenario.duration / speed;
    timer = setTimeout(() => {
      iteration++;
      passStart = nextPass;
      startPass();
    }, Math.max(0, nextPass - performance.now()));
  }

  startPass();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      finish();
    },
    done,
  };
}
