/** What a platform handler sees, and the behaviour all three platforms share. */
import type { IncomingMessage } from 'node:http';
import { createHash } from 'node:crypto';
import { findAccount } from '../accounts.js';
import { findHit, type ActiveFault } from '../fault-state.js';
import { feedItems, type FeedItem } from '../feed.js';
import { bearer, type Reply } from '../reply.js';
import type { Session, SessionStore } from '../sessions.js';
import type { Account, Platform, Route } from '../types.js';

/** Per-platform state a handler works with. */
export interface PlatformEnv {
  platform: Platform;
  accounts: Account[];
  sessions: SessionStore;
  itemEveryMs: number;
}

export interface RequestContext {
  env: PlatformEnv;
  req: IncomingMessage;
  url: URL;
  /** Parsed form or JSON body fields. */
  fields: Record<string, unknown>;
  /** Faults that hit this request. */
  hits: ActiveFault[];
  /** Clock time of the request (ms). */
  now: number;
}

export interface PlatformRoute {
  method: 'GET' | 'POST';
  /** Path below the platform prefix, e.g. `/login`. */
  path: string;
  /** Which fault route it counts as; null for pages faults leave alone. */
  route: Route | null;
  handle(ctx: RequestContext): Reply;
}

export interface PlatformDefinition {
  name: Platform;
  routes: PlatformRoute[];
}

const FEED_LIMIT = 10;

export type LoginOutcome = { kind: 'ok'; session: Session } | { kind: 'refused' } | { kind: 'challenge' };

/** Checks credentials, then the login faults; on success opens a session. */
export function attemptLogin(ctx: RequestContext, username: unknown, password: unknown): LoginOutcome {
  const account = findAccount(ctx.env.accounts, username, password);
  if (account === undefined || findHit(ctx.hits, 'login_refused')) return { kind: 'refused' };
  if (findHit(ctx.hits, 'login_challenge')) return { kind: 'challenge' };
  return { kind: 'ok', session: ctx.env.sessions.create(account) };
}

/** The live session a request carries; a `forced_logout` hit revokes it on the spot. */
export function authenticate(ctx: RequestContext, token: string | undefined): Session | undefined {
  const session = ctx.env.sessions.get(token);
  if (session === undefined) return undefined;
  if (findHit(ctx.hits, 'forced_logout')) {
    ctx.env.sessions.revoke(session.token);
    return undefined;
  }
  return session;
}

/** Runs `ok` with the account of the request's live bearer token, or answers `rejected`. */
export function withBearer(ctx: RequestContext, rejected: Reply, ok: (account: Account) => Reply): Reply {
  const session = authenticate(ctx, bearer(ctx.req));
  return session === undefined ? rejected : ok(session.account);
}

/**
 * The three routes of an app API with a bearer token (Instagram's and Threads'): the login, the
 * current user and the feed, the last two answering `rejected` without a live session.
 */
export function bearerApiRoutes(
  paths: { login: string; me: string; feed: string },
  rejected: Reply,
  answers: { login: (ctx: RequestContext) => Reply; me: (account: Account) => Reply; feed: (items: FeedItem[]) => Reply },
): PlatformRoute[] {
  return [
    { method: 'POST', path: paths.login, route: 'login', handle: answers.login },
    { method: 'GET', path: paths.me, route: 'me', handle: (ctx) => withBearer(ctx, rejected, answers.me) },
    { method: 'GET', path: paths.feed, route: 'feed', handle: (ctx) => withBearer(ctx, rejected, () => answers.feed(currentFeed(ctx))) },
  ];
}

/** The feed as this request sees it, newest first (`feed_empty` and `feed_stale` applied). */
export function currentFeed(ctx: RequestContext): FeedItem[] {
  if (findHit(ctx.hits, 'feed_empty')) return [];
  const stale = findHit(ctx.hits, 'feed_stale');
  const until = stale === undefined ? undefined : stale.setAt - (stale.fault.ageSeconds ?? 0) * 1000;
  return feedItems({ now: ctx.now, itemEveryMs: ctx.env.itemEveryMs, limit: FEED_LIMIT, until });
}

/** A stable numeric id for an account. */
export function accountId(platform: Platform, username: string): string {
  const digest = createHash('sha256').update(`${platform}:${username}`).digest();
  return String(100000000000000n + (digest.readBigUInt64BE(0) % 900000000000000n));
}

export function itemId(platform: Platform, seq: number): string {
  return `${accountId(platform, 'feed')}_${seq}`;
}

export function sessionSecondsLeft(session: Session, now: number): number {
  return Math.max(0, Math.floor((session.expiresAt - now) / 1000));
}
