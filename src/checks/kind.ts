/**
 * What a check type is: what it needs from the config, how one run goes, and what its success
 * means (each file's header says). Adding a type is one file here and one line in index.ts.
 */
import type { RawCheck } from '../config/schema.js';
import type { CompiledCheck, CompiledEndpoint, CompiledStep, ConfigIssue } from '../config/types.js';
import type { RunEnv, RunOutcome } from '../journey/run.js';
import type { Session } from '../journey/session.js';

export interface CompileContext {
  /** Where the check is in the config file, for issues. */
  path: string;
  endpoint: CompiledEndpoint;
  endpointHeaders: Record<string, string>;
  issues: ConfigIssue[];
}

export interface CheckKind {
  /** Validates the type's fields (issues with their path) and builds its request steps. */
  compile(c: RawCheck, ctx: CompileContext): { steps: CompiledStep[]; usesSession: boolean };
  /** One run: the endpoint's shared session in; the outcome, with what becomes of that session, out. */
  run(check: CompiledCheck, shared: Session | undefined, env: RunEnv): Promise<RunOutcome>;
}

/** The endpoint has a session to carry: a login journey or a preset one. */
export function hasSession(endpoint: CompiledEndpoint): boolean {
  return endpoint.login !== undefined || endpoint.preset !== undefined;
}
