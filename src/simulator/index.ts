/** Public API of the platform simulator. */
export { startSimulator, type Simulator, type SimulatorOptions } from './server.js';
export { loadScenario, parseScenario, ScenarioError, BUILTIN_SCENARIO_DIR } from './scenario.js';
export { runScenario, type ScenarioRun, type ScenarioRunOptions } from './scenario-runner.js';
export { validateFaults, normalizeFault, FAULT_RULES } from './faults.js';
export { DEFAULT_ACCOUNTS } from './accounts.js';
export { simulateMain, formatScenarioStep, DEFAULT_SIMULATOR_PORT, type SimulateArgs } from './main.js';
export {
  PLATFORMS,
  ROUTES,
  FAULT_TYPES,
  type Platform,
  type Route,
  type FaultType,
  type Fault,
  type Account,
  type Scenario,
  type ScenarioStep,
  type ScenarioEvent,
} from './types.js';
