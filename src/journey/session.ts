/**
 * An endpoint's session: the cookies and/or bearer token its checks share. Values never leave this
 * module except as request headers and in the owner-only sessions file; what is shown elsewhere
 * is only the session's age.
 */
import type { JsonPath } from '../config/types.js';
import { restoreJar, serializeJar } from './cookies.js';

export interface Session {
  cookies: Map<string, string>;
  token?: string;
  createdAt: number;
  /** Preset in the config (`auth.bearer` / `auth.cookies`): never dropped, never logged in again. */
  preset?: boolean;
}

export function newSession(now: number): Session {
  return { cookies: new Map(), createdAt: now };
}

/** Whether a login's answer issued the session: the token, the named cookie, or (by default) any cookie. */
export function isIssued(issues: { token?: JsonPath; cookie?: string }, s: Session): boolean {
  if (issues.token && issues.cookie) return s.token !== undefined || s.cookies.has(issues.cookie);
  if (issues.token) return s.token !== undefined;
  if (issues.cookie) return s.cookies.has(issues.cookie);
  return s.cookies.size > 0;
}

/** Every secret value a session holds, for redaction. */
export function sessionSecrets(s: Session | undefined): string[] {
  if (!s) return [];
  const out = [...s.cookies.values()];
  if (s.token) out.push(s.token);
  return out;
}

/** A session as the sessions file keeps it (owner-only file in the state directory). */
export interface SavedSession {
  identity: string;
  createdAt: number;
  token?: string;
  cookies: [string, string][];
  /** The cookie jar (tough-cookie's serialisation): domains, paths, expiry. */
  jar?: unknown;
}

export function saveSession(s: Session, identity: string): SavedSession {
  const jar = serializeJar(s.cookies);
  return { identity, createdAt: s.createdAt, ...(s.token ? { token: s.token } : {}), cookies: [...s.cookies], ...(jar ? { jar } : {}) };
}

export async function loadSession(raw: unknown, identity: string): Promise<Session | undefined> {
  if (!raw || typeof raw !== 'object') return undefined;
  const r = raw as Partial<SavedSession>;
  if (r.identity !== identity || typeof r.createdAt !== 'number' || !Number.isFinite(r.createdAt) || !Array.isArray(r.cookies)) return undefined;
  const cookies = new Map<string, string>();
  if (r.jar !== undefined) await restoreJar(cookies, r.jar);
  else for (const c of r.cookies) if (Array.isArray(c) && typeof c[0] === 'string' && typeof c[1] === 'string') cookies.set(c[0], c[1]);
  const s: Session = { cookies, createdAt: r.createdAt };
  if (typeof r.token === 'string' && r.token !== '') s.token = r.token;
  return s.token || s.cookies.size ? s : undefined;
}
