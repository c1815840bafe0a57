/** Sessions (cookies or bearer tokens) of one platform, with expiry on an injectable clock. */
import { randomBytes } from 'node:crypto';
import type { Account } from './types.js';

export interface Session {
  token: string;
  account: Account;
  createdAt: number;
  expiresAt: number;
}

export interface SessionStore {
  create(account: Account): Session;
  /** The live session for a token, or undefined (unknown, invalidated or expired). */
  get(token: string | undefined): Session | undefined;
  revoke(token: string): void;
  revokeAll(): void;
  size(): number;
}

export function createSessionStore(now: () => number, ttlMs: number): SessionStore {
  const sessions = new Map<string, Session>();
  return {
    create(account) {
      const createdAt = now();
      const session = { token: randomBytes(18).toString('base64url'), account, createdAt, expiresAt: createdAt + ttlMs };
      sessions.set(session.token, session);
      return session;
    },
    get(token) {
      if (token === undefined) return undefined;
      const session = sessions.get(token);
      if (session === undefined) return undefined;
      if (now() >= session.expiresAt) {
        sessions.delete(token);
        return undefined;
      }
      return session;
    },
    revoke(token) {
      sessions.delete(token);
    },
    revokeAll() {
      sessions.clear();
    },
    size() {
      return sessions.size;
    },
  };
}
