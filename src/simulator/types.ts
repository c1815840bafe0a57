/** Shared vocabulary of the platform simulator. */

export const PLATFORMS = ['facebook', 'instagram', 'threads'] as const;
export type Platform = (typeof PLATFORMS)[number];

/** The request kinds a fault can target. */
export const ROUTES = ['login', 'feed', 'me'] as const;
export type Route = (typeof ROUTES)[number];

export const FAULT_TYPES = [
  'forced_logout',
  'login_refused',
  'login_challenge',
  'feed_empty',
  'feed_stale',
  'error_page',
  'http_5xx',
  'rate_limited',
  'slow',
  'hang',
  'reset',
  'invalid_json',
  'huge_body',
] as const;
export type FaultType = (typeof FAULT_TYPES)[number];

/** A fault is data. Omitted fields take the defaults of its type (see faults.ts). */
export interface Fault {
  type: FaultType;
  /** Share of matching requests it applies to, 0..1 (default 1). */
  ratio?: number;
  /** Which requests it targets (default: the ones it makes sense for). */
  routes?: Route[];
  /** `slow`: extra delay in milliseconds. */
  ms?: number;
  /** `http_5xx`: the status to answer (default 503). */
  status?: number;
  /** `huge_body`: how many bytes to stream (default 20 MiB). */
  bytes?: number;
  /** `feed_stale`: how far before the moment the fault was set the newest item is. */
  ageSeconds?: number;
}

export interface Account {
  username: string;
  password: string;
}

export interface ScenarioStep {
  /** Scenario time of the step in milliseconds (before `speed` is applied). */
  at: number;
  note?: string;
  /** Platforms listed are replaced (an empty list clears); unlisted platforms stay as they are. */
  faults: Partial<Record<Platform, Fault[]>>;
}

export interface Scenario {
  name: string;
  description?: string;
  /** Length of one pass in milliseconds; a looping scenario restarts after it. Defaults to the last step's `at`. */
  duration: number;
  steps: ScenarioStep[];
}

/** What the scenario runner reports each time it applies a step. */
export interface ScenarioEvent {
  /** Scenario time of the step in milliseconds (unscaled). */
  at: number;
  note?: string;
  /** The changes this step made. */
  faults: Partial<Record<Platform, Fault[]>>;
  /** Step index within the scenario and pass number (0 for the first pass). */
  index: number;
  iteration: number;
  scenario: string;
}
