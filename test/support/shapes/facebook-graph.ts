/**
 * Facebook Graph API in its real shape, on loopback: a long-lived token that no login issues. See SOURCES.md.
 *
 * Token: `Authorization: Bearer <token>` or `?access_token=<token>` (default token `EAAshapeGraphToken0001`).
 * Routes (any `/vNN.N` version prefix is accepted, and none):
 * - `GET /v19.0/me` → 200 `{"id","name"}`.
 * - `GET /v19.0/me/feed` → 200 `{"data":[{"id","created_time","message"}],"paging":{"cursors":{…}}}`, newest
 *   first, `created_time` like `2024-03-05T15:20:00+0000`; `limit` query (default 10).
 * Errors (always `content-type: application/json`, with `WWW-Authenticate: OAuth "Facebook Platform" …`):
 * - revoked token (`revokeToken()`) → 400 `{"error":{"message":"Error validating access token: …","type":
 *   "OAuthException","code":190,"error_subcode":460|463|467,"fbtrace_id":"…"}}`; `revokeToken(subcode,
 *   {status: 401})` answers 401 instead.
 * - unknown token → 400 code 190 "Invalid OAuth access token - Cannot parse access token" (no subcode).
 * - no token → 400 code 2500 "An active access token must be used to query information about the current user."
 * - other paths → 400 code 100 "Unsupported get request …" (type GraphMethodException).
 */
import { randomBytes } from 'node:crypto';
import { feedEntries } from './auth.js';
import { bearerToken, json, startShapeServer, type ShapeReply, type ShapeRequest, type ShapeServer } from './http.js';

export const GRAPH_TOKEN = 'EAAshapeGraphToken0001';

export type GraphSubcode = 460 | 463 | 467;

export interface GraphShape extends ShapeServer {
  /** The token currently accepted. */
  token(): string;
  /** The token is rejected from now on with code 190 and this subcode (default 460). */
  revokeToken(subcode?: GraphSubcode, opts?: { status?: 400 | 401 }): void;
  /** Accept `token` (a replaced token); the revocation ends. */
  acceptToken(token: string): void;
}

export interface GraphShapeOptions {
  token?: string;
  itemEverySeconds?: number;
  now?: () => number;
}

const MESSAGES: Record<GraphSubcode, (now: number) => string> = {
  460: () =>
    'Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.',
  463: (now) => {
    const at = new Date(now - 3600_000).toUTCString();
    return `Error validating access token: Session has expired on ${at}. The current time is ${new Date(now).toUTCString()}.`;
  },
  467: () => 'Error validating access token: The session is invalid because the user logged out.',
};

function graphError(status: number, error: Record<string, unknown>): ShapeReply {
  const message = String(error.message).replace(/"/g, "'");
  const kind = error.code === 190 ? 'invalid_token' : error.code === 2500 ? 'invalid_request' : undefined;
  const headers: Record<string, string> = kind === undefined ? {} : { 'www-authenticate': `OAuth "Facebook Platform" "${kind}" "${message}"` };
  return json(status, { error: { ...error, fbtrace_id: randomBytes(8).toString('base64url') } }, headers);
}

export async function startFacebookGraphShape(opts: GraphShapeOptions = {}): Promise<GraphShape> {
  let token = opts.token ?? GRAPH_TOKEN;
  let revoked: { subcode: GraphSubcode; status: number } | undefined;
  const now = opts.now ?? Date.now;
  const everyMs = (opts.itemEverySeconds ?? 15) * 1000;
  const userId = '100012345678901';

  const authorized = (req: ShapeRequest, ok: () => ShapeReply): ShapeReply => {
    const sent = bearerToken(req.headers) ?? req.url.searchParams.get('access_token') ?? undefined;
    if (sent === undefined || sent === '') {
      return graphError(400, {
        message: 'An active access token must be used to query information about the current user.',
        type: 'OAuthException',
        code: 2500,
      });
    }
    if (sent !== token) {
      return graphError(400, { message: 'Invalid OAuth access token - Cannot parse access token', type: 'OAuthException', code: 190 });
    }
    if (revoked !== undefined) {
      return graphError(revoked.status, {
        message: MESSAGES[revoked.subcode](now()),
        type: 'OAuthException',
        code: 190,
        error_subcode: revoked.subcode,
      });
    }
    return ok();
  };

  const feed = (req: ShapeRequest): ShapeReply => {
    const limit = Math.min(100, Math.max(1, Number(req.url.searchParams.get('limit') ?? 10) || 10));
    const data = feedEntries(now(), everyMs, limit).map((e) => ({
      id: `${userId}_${e.seq}`,
      created_time: new Date(e.createdAt).toISOString().replace(/\.\d{3}Z$/, '+0000'),
      message: e.text,
    }));
    const first = data[0]?.id ?? '';
    const last = data[data.length - 1]?.id ?? '';
    return json(200, {
      data,
      paging: { cursors: { before: Buffer.from(first).toString('base64url'), after: Buffer.from(last).toString('base64url') } },
    });
  };

  const server = await startShapeServer((req) => {
    const path = req.path.replace(/^\/v\d+\.\d+(?=\/)/, '');
    if (req.method === 'GET' && (path === '/me' || path === '/me/')) return authorized(req, () => json(200, { id: userId, name: 'Test Seller' }));
    if (req.method === 'GET' && (path === '/me/feed' || path === '/me/posts')) return authorized(req, () => feed(req));
    return graphError(400, {
      message: `Unsupported ${req.method.toLowerCase()} request. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api`,
      type: 'GraphMethodException',
      code: 100,
      error_subcode: 33,
    });
  });
  return Object.assign(server, {
    token: () => token,
    revokeToken(subcode: GraphSubcode = 460, o: { status?: 400 | 401 } = {}) {
      revoked = { subcode, status: o.status ?? 400 };
    },
    acceptToken(next: string) {
      token = next;
      revoked = undefined;
    },
  });
}
