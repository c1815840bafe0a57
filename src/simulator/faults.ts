/**
 * Fault rules: what each fault type targets by default, which routes and parameters it accepts,
 * validation of fault data coming from the control API or a scenario file, and normalisation.
 */
import { FAULT_TYPES, PLATFORMS, ROUTES, type Fault, type FaultType, type Platform, type Route } from './types.js';

type Param = 'ms' | 'status' | 'bytes' | 'ageSeconds';

interface FaultRule {
  /** Routes targeted when the fault does not say. */
  routes: Route[];
  /** Routes it may be pointed at. */
  allowed: Route[];
  /** Parameters it accepts, with their defaults. */
  params: Partial<Record<Param, number>>;
}

const ALL: Route[] = [...ROUTES];
const SESSION_USE: Route[] = ['feed', 'me'];

export const FAULT_RULES: Readonly<Record<FaultType, FaultRule>> = {
  forced_logout: { routes: SESSION_USE, allowed: SESSION_USE, params: {} },
  login_refused: { routes: ['login'], allowed: ['login'], params: {} },
  login_challenge: { routes: ['login'], allowed: ['login'], params: {} },
  feed_empty: { routes: ['feed'], allowed: ['feed'], params: {} },
  feed_stale: { routes: ['feed'], allowed: ['feed'], params: { ageSeconds: 0 } },
  error_page: { routes: SESSION_USE, allowed: ALL, params: {} },
  http_5xx: { routes: ALL, allowed: ALL, params: { status: 503 } },
  rate_limited: { routes: ALL, allowed: ALL, params: {} },
  slow: { routes: ALL, allowed: ALL, params: { ms: 2000 } },
  hang: { routes: ALL, allowed: ALL, params: {} },
  reset: { routes: ALL, allowed: ALL, params: {} },
  invalid_json: { routes: ALL, allowed: ALL, params: {} },
  huge_body: { routes: SESSION_USE, allowed: ALL, params: { bytes: 20 * 1024 * 1024 } },
};

const PARAM_CHECKS: Record<Param, { test: (n: number) => boolean; expect: string }> = {
  ms: { test: (n) => Number.isInteger(n) && n >= 0 && n <= 3_600_000, expect: 'an integer number of milliseconds, 0..3600000' },
  status: { test: (n) => Number.isInteger(n) && n >= 500 && n <= 599, expect: 'an integer HTTP status 500..599' },
  bytes: { test: (n) => Number.isInteger(n) && n > 0 && n <= 2 ** 40, expect: 'a positive integer number of bytes' },
  ageSeconds: { test: (n) => Number.isFinite(n) && n >= 0, expect: 'a non-negative number of seconds' },
};

export function isPlatform(value: unknown): value is Platform {
  return typeof value === 'string' && (PLATFORMS as readonly string[]).includes(value);
}

export function unknownPlatformMessage(value: unknown): string {
  return `unknown platform ${JSON.stringify(value)} (expected one of: ${PLATFORMS.join(', ')})`;
}

function isFaultType(value: unknown): value is FaultType {
  return typeof value === 'string' && (FAULT_TYPES as readonly string[]).includes(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Problems with one fault, each as `path: message`. */
function faultErrors(input: unknown, path: string): string[] {
  if (!isRecord(input)) return [`${path}: a fault must be an object with a "type"`];
  const type = input.type;
  if (!isFaultType(type)) {
    return [`${path}.type: unknown fault type ${JSON.stringify(type)} (expected one of: ${FAULT_TYPES.join(', ')})`];
  }
  const rule = FAULT_RULES[type];
  const errors: string[] = [];
  const params = Object.keys(rule.params) as Param[];
  for (const [key, value] of Object.entries(input)) {
    if (key === 'type') continue;
    if (key === 'ratio') {
      if (typeof value !== 'number' || !(value >= 0 && value <= 1)) errors.push(`${path}.ratio: must be a number from 0 to 1`);
    } else if (key === 'routes') {
      const ok = Array.isArray(value) && value.length > 0 && value.every((r) => rule.allowed.includes(r as Route));
      if (!ok) errors.push(`${path}.routes: a ${type} fault applies to a non-empty list of: ${rule.allowed.join(', ')}`);
    } else if ((params as string[]).includes(key)) {
      const check = PARAM_CHECKS[key as Param];
      if (typeof value !== 'number' || !check.test(value)) errors.push(`${path}.${key}: must be ${check.expect}`);
    } else {
      const allowed = ['type', 'ratio', 'routes', ...params].join(', ');
      errors.push(`${path}.${key}: not a field of a ${type} fault (allowed: ${allowed})`);
    }
  }
  return errors;
}

/** Fills in the defaults of the fault's type, so what is stored and reported is explicit. */
export function normalizeFault(fault: Fault): Fault {
  const rule = FAULT_RULES[fault.type];
  const out: Fault = { type: fault.type, ratio: fault.ratio ?? 1, routes: [...(fault.routes ?? rule.routes)] };
  for (const [param, fallback] of Object.entries(rule.params) as [Param, number][]) {
    out[param] = fault[param] ?? fallback;
  }
  return out;
}

export type FaultsResult = { ok: true; faults: Fault[] } | { ok: false; errors: string[] };

/** Validates a list of faults (`path` prefixes the messages) and returns them normalised. */
export function validateFaults(input: unknown, path = 'faults'): FaultsResult {
  if (!Array.isArray(input)) return { ok: false, errors: [`${path}: must be a list of faults`] };
  const errors = input.flatMap((item, i) => faultErrors(item, `${path}.${i}`));
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, faults: (input as Fault[]).map(normalizeFault) };
}
