/**
 * Account, sessions, refused logins and the second factor, as the three login shapes share them.
 * Only the answers (status, body, cookies) differ per platform; this is the state behind them.
 */
import { createHash, randomBytes } from 'node:crypto';
import { verifyTotp } from './totp.js';

export interface LoginShapeOptions {
  username?: string;
  password?: string;
  /** A new feed item every this many seconds (default 15). */
  itemEverySeconds?: number;
  /** Clock (ms); default Date.now. Also used for TOTP checks. */
  now?: () => number;
}

/** The control every login shape (facebook, instagram, threads) offers on top of ShapeServer. */
export interface LoginControl {
  /** One-time invalidation: every existing session is rejected from now on; new logins work. */
  invalidateAllSessions(): void;
  /** While on, good credentials get the platform's real "wrong password" answer. */
  refuseLogins(on: boolean): void;
  /** With a base32 secret, a correct password leads to a code step checked with RFC 6238; undefined turns it off. */
  requireSecondFactor(secretBase32: string | undefined): void;
  /** Login attempts (password and code submissions) so far. */
  loginAttempts(): number;
  /** Sessions currently accepted. */
  liveSessions(): number;
}

export type PasswordOutcome = { kind: 'ok'; token: string } | { kind: 'refused' } | { kind: 'second_factor'; identifier: string };
export type CodeOutcome = { kind: 'ok'; token: string } | { kind: 'bad_code' } | { kind: 'unknown' };

const PENDING_TTL_MS = 5 * 60_000;
const MAX_PENDING = 1000;

export class AuthState {
  readonly username: string;
  readonly password: string;
  readonly now: () => number;
  private readonly sessions = new Set<string>();
  private readonly pending = new Map<string, number>();
  private refusing = false;
  private secret: string | undefined;
  private attempts = 0;

  constructor(opts: LoginShapeOptions, defaults: { username: string; password: string }) {
    this.username = opts.username ?? defaults.username;
    this.password = opts.password ?? defaults.password;
    this.now = opts.now ?? Date.now;
  }

  /** A stable numeric user id, like the platforms' (15 digits). */
  userId(): string {
    const digest = createHash('sha256').update(this.username).digest();
    return String(100000000000000n + (digest.readBigUInt64BE(0) % 900000000000000n));
  }

  checkPassword(username: string | undefined, password: string | undefined): PasswordOutcome {
    this.attempts++;
    if (this.refusing || username !== this.username || password !== this.password) return { kind: 'refused' };
    if (this.secret !== undefined) return { kind: 'second_factor', identifier: this.startPending() };
    return { kind: 'ok', token: this.open() };
  }

  checkCode(identifier: string | undefined, code: string | undefined): CodeOutcome {
    this.attempts++;
    this.dropExpired();
    if (identifier === undefined || !this.pending.has(identifier) || this.secret === undefined) return { kind: 'unknown' };
    if (!verifyTotp(this.secret, code, this.now())) return { kind: 'bad_code' };
    this.pending.delete(identifier);
    return { kind: 'ok', token: this.open() };
  }

  isPending(identifier: string | undefined): boolean {
    this.dropExpired();
    return identifier !== undefined && this.pending.has(identifier);
  }

  live(token: string | undefined): boolean {
    return token !== undefined && this.sessions.has(token);
  }

  control(): LoginControl {
    return {
      invalidateAllSessions: () => this.sessions.clear(),
      refuseLogins: (on) => {
        this.refusing = on;
      },
      requireSecondFactor: (secret) => {
        this.secret = secret;
        this.pending.clear();
      },
      loginAttempts: () => this.attempts,
      liveSessions: () => this.sessions.size,
    };
  }

  private open(): string {
    const token = randomBytes(24).toString('base64url');
    this.sessions.add(token);
    return token;
  }

  private startPending(): string {
    this.dropExpired();
    while (this.pending.size >= MAX_PENDING) {
      const oldest = this.pending.keys().next().value;
      if (oldest === undefined) break;
      this.pending.delete(oldest);
    }
    const identifier = randomBytes(16).toString('base64url');
    this.pending.set(identifier, this.now());
    return identifier;
  }

  private dropExpired(): void {
    const limit = this.now() - PENDING_TTL_MS;
    for (const [id, at] of this.pending) if (at < limit) this.pending.delete(id);
  }
}

export interface FeedEntry {
  seq: number;
  /** ms since the epoch */
  createdAt: number;
  text: string;
}

/** The newest `limit` items, newest first; one appears every `everyMs`. */
export function feedEntries(now: number, everyMs: number, limit = 10): FeedEntry[] {
  const newest = Math.floor(now / everyMs);
  const out: FeedEntry[] = [];
  for (let i = 0; i < limit; i++) {
    const seq = newest - i;
    out.push({ seq, createdAt: seq * everyMs, text: `Live sale #${seq}: new arrivals in stock` });
  }
  return out;
}
