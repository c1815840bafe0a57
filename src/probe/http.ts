/**
 * One HTTP request, measured like a new user's: DNS, TCP connect, TLS handshake, time to first
 * byte and transfer, each timed by our own connector; a deadline for the whole run; a cap on the
 * body; the earliest certificate expiry seen. Redirects are the caller's (journey/step.ts),
 * because cookies must be collected on every hop.
 *
 * A request with no complete answer throws ProbeError with the transport failure it met (from
 * classify.ts's error table, or the deadline and body cap enforced here).
 */
import { lookup } from 'node:dns';
import net from 'node:net';
import tls from 'node:tls';
import { performance } from 'node:perf_hooks';
import { gunzipSync, inflateSync, brotliDecompressSync } from 'node:zlib';
import { Client, type Dispatcher } from 'undici';
import type { CompiledTls } from '../config/types.js';
import type { Reason } from '../reasons.js';
import { reasonForError } from '../classify.js';

export interface Timings {
  resolve: number;
  connect: number;
  tls: number;
  processing: number;
  transfer: number;
}

function emptyTimings(): Timings {
  return { resolve: 0, connect: 0, tls: 0, processing: 0, transfer: 0 };
}

/** What a run accumulates over its requests. */
export interface ProbeTrace {
  timings: Timings;
  /** Earliest notAfter (ms since epoch) of any certificate seen. */
  certExpiry?: number;
  attempts: number;
}

export function newTrace(): ProbeTrace {
  return { timings: emptyTimings(), attempts: 0 };
}

export interface ProbeRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** performance.now() value by which everything must be done. */
  deadline: number;
  maxBodyBytes: number;
  tls: CompiledTls;
  /** Longest header section accepted (bytes). */
  maxHeaderSize?: number;
  /**
   * Keep the connection open for the next request with the same TLS settings (a check's
   * `freshConnection: false`): DNS, connect and TLS are then measured only when a connection is made.
   */
  keepAlive?: boolean;
}

export interface ProbeResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  url: URL;
}

export class ProbeError extends Error {
  constructor(
    readonly reason: Reason,
    message: string,
  ) {
    super(message);
    this.name = 'ProbeError';
  }
}

const DEFAULT_MAX_HEADER_SIZE = 64 * 1024;

/** What the connector of a pooled client needs to know about the request it is connecting for. */
interface ConnectContext {
  req: ProbeRequest;
  trace: ProbeTrace;
  phase: { connectedAt: number };
  signal: AbortSignal;
}

/**
 * An undici Client reused across requests, one request at a time. By default every request still
 * gets a fresh connection (`reset: true`: the socket is closed after the answer), so DNS, connect
 * and TLS are measured on every run; what is reused is only the Client object, whose construction
 * was the largest cost of a run after the connection itself. A keep-alive request leaves its
 * socket open in the Client, which is then pooled under a key that includes the TLS settings, so
 * a connection is never reused by an endpoint that would have verified the server differently. Its connector reads the request in
 * `ctx`, set while the client is lent out, so the phase timings land in the right trace.
 */
interface PooledClient {
  client: Client;
  key: string;
  ctx: ConnectContext | undefined;
}

/** Idle clients by origin and header limit; bounded, a client past the bounds is destroyed. */
const idle = new Map<string, PooledClient[]>();
const MAX_IDLE_PER_KEY = 64;
const MAX_IDLE_TOTAL = 512;
let idleTotal = 0;

/** A number per TLS settings object (compiled once per endpoint), for keep-alive pool keys. */
const tlsIds = new WeakMap<CompiledTls, number>();
let nextTlsId = 0;

function poolKey(req: ProbeRequest): string {
  const base = `${req.maxHeaderSize ?? DEFAULT_MAX_HEADER_SIZE} ${req.url.origin}`;
  if (!req.keepAlive) return base;
  let id = tlsIds.get(req.tls);
  if (id === undefined) tlsIds.set(req.tls, (id = nextTlsId++));
  return `${base} keep ${id}`;
}

function acquire(req: ProbeRequest): PooledClient {
  const origin = req.url.origin;
  const maxHeaderSize = req.maxHeaderSize ?? DEFAULT_MAX_HEADER_SIZE;
  const key = poolKey(req);
  const list = idle.get(key);
  const reused = list?.pop();
  if (reused) {
    idleTotal--;
    if (list!.length === 0) idle.delete(key);
    return reused;
  }
  const pc: PooledClient = { client: undefined as unknown as Client, key, ctx: undefined };
  pc.client = new Client(origin, {
    connect: (opts, cb) => {
      if (!pc.ctx) return cb(Object.assign(new Error('connect outside a probe'), { code: 'UND_ERR_SOCKET' }), null);
      timedConnect(pc.ctx, opts as ConnectOpts, cb as ConnectCallback);
    },
    // 0 closes every connection after its answer; 1 keeps it for the next request, one at a time.
    pipelining: req.keepAlive ? 1 : 0,
    maxHeaderSize,
    maxResponseSize: -1,
  });
  return pc;
}

/** Back to the idle list when the request ended cleanly; destroyed otherwise. */
function release(pc: PooledClient, clean: boolean): void {
  pc.ctx = undefined;
  const list = idle.get(pc.key);
  if (!clean || idleTotal >= MAX_IDLE_TOTAL || (list && list.length >= MAX_IDLE_PER_KEY)) {
    pc.client.destroy().catch(() => undefined);
    return;
  }
  if (list) list.push(pc);
  else idle.set(pc.key, [pc]);
  idleTotal++;
}

export async function probe(req: ProbeRequest, trace: ProbeTrace): Promise<ProbeResponse> {
  trace.attempts++;
  const remaining = req.deadline - performance.now();
  if (remaining <= 0) throw new ProbeError('timeout', 'no time left before the deadline');
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), remaining);
  const phase = { connectedAt: 0 };
  const pc = acquire(req);
  pc.ctx = { req, trace, phase, signal: controller.signal };
  let clean = false;
  const started = performance.now();
  try {
    const res = await pc.client.request({
      path: req.url.pathname + req.url.search,
      method: req.method as Dispatcher.HttpMethod,
      headers: req.headers,
      body: req.body,
      signal: controller.signal,
      reset: !req.keepAlive,
      headersTimeout: Math.ceil(remaining),
      bodyTimeout: Math.ceil(remaining),
    });
    const headersAt = performance.now();
    trace.timings.processing += (headersAt - (phase.connectedAt || started)) / 1000;
    const raw = await readCapped(res.body, req.maxBodyBytes);
    trace.timings.transfer += (performance.now() - headersAt) / 1000;
    clean = true;
    const body = decode(raw, res.headers['content-encoding'], req.maxBodyBytes);
    return { status: res.statusCode, headers: res.headers, body, url: req.url };
  } catch (err) {
    if (err instanceof ProbeError) throw err;
    if (controller.signal.aborted) throw new ProbeError('timeout', `no complete answer within the timeout`);
    const reason = reasonForError(err);
    throw new ProbeError(reason, describeError(err));
  } finally {
    clearTimeout(timer);
    release(pc, clean && !controller.signal.aborted);
  }
}

async function readCapped(body: Dispatcher.ResponseData['body'], cap: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += (chunk as Buffer).length;
    if (total > cap) {
      body.destroy();
      throw new ProbeError('body_too_large', `answer larger than ${cap} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, total);
}

function decode(raw: Buffer, encoding: string | string[] | undefined, cap: number): Buffer {
  const enc = (Array.isArray(encoding) ? encoding.join(',') : (encoding ?? '')).trim().toLowerCase();
  if (!enc || enc === 'identity' || raw.length === 0) return raw;
  const opts = { maxOutputLength: cap + 1 };
  try {
    const out = enc === 'gzip' || enc === 'x-gzip' ? gunzipSync(raw, opts) : enc === 'deflate' ? inflateSync(raw, opts) : enc === 'br' ? brotliDecompressSync(raw, opts) : raw;
    if (out.length > cap) throw new ProbeError('body_too_large', `decompressed answer larger than ${cap} bytes`);
    return out;
  } catch (err) {
    if (err instanceof ProbeError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw new ProbeError('body_too_large', `decompressed answer larger than ${cap} bytes`);
    }
    throw new ProbeError('invalid_response', `cannot decode ${enc} body`);
  }
}

type ConnectOpts = { hostname: string; port: string; protocol: string; servername?: string };
type ConnectCallback = (...args: [null, net.Socket] | [Error, null]) => void;

/** A connection for one request: DNS, TCP and TLS timed into its trace; certificate expiry recorded. */
function timedConnect(ctx: ConnectContext, opts: ConnectOpts, cb: ConnectCallback): void {
  const { req, trace, phase, signal } = ctx;
  let done = false;
  let socket: net.Socket | undefined;
  const finish = (err: Error | null, s?: net.Socket) => {
    if (done) return;
    done = true;
    signal.removeEventListener('abort', onAbort);
    if (err) {
      socket?.destroy();
      cb(err, null);
    } else cb(null, s!);
  };
  const onAbort = () => finish(Object.assign(new Error('connect aborted by the deadline'), { code: 'UND_ERR_CONNECT_TIMEOUT' }));
  signal.addEventListener('abort', onAbort, { once: true });

  const host = opts.hostname.startsWith('[') ? opts.hostname.slice(1, -1) : opts.hostname;
  const port = Number(opts.port) || (opts.protocol === 'https:' ? 443 : 80);
  const t0 = performance.now();
  const connect = (address: string, family: number) => {
    const t1 = performance.now();
    trace.timings.resolve += (t1 - t0) / 1000;
    socket = net.connect({ host: address, port, family, noDelay: true });
    socket.once('error', (err) => finish(err));
    socket.once('connect', () => {
      const t2 = performance.now();
      trace.timings.connect += (t2 - t1) / 1000;
      if (opts.protocol !== 'https:') {
        phase.connectedAt = t2;
        return finish(null, socket);
      }
      const secure = tls.connect({
        socket,
        servername: req.tls.serverName ?? (net.isIP(host) ? undefined : host),
        rejectUnauthorized: !req.tls.insecureSkipVerify,
        ca: req.tls.ca ? [...tls.rootCertificates, req.tls.ca] : undefined,
        ALPNProtocols: ['http/1.1'],
      });
      socket = secure;
      secure.once('error', (err) => finish(err));
      secure.once('secureConnect', () => {
        const t3 = performance.now();
        trace.timings.tls += (t3 - t2) / 1000;
        phase.connectedAt = t3;
        recordCertExpiry(secure, trace);
        finish(null, secure);
      });
    });
  };
  const family = net.isIP(host);
  if (family) return connect(host, family);
  lookup(host, (err, address, fam) => {
    if (err) return finish(err);
    connect(address, fam);
  });
}

function recordCertExpiry(socket: tls.TLSSocket, trace: ProbeTrace): void {
  let cert: tls.DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  const seen = new Set<string>();
  while (cert && cert.valid_to && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    const t = Date.parse(cert.valid_to);
    if (Number.isFinite(t) && (trace.certExpiry === undefined || t < trace.certExpiry)) trace.certExpiry = t;
    cert = cert.issuerCertificate;
  }
}

/** A short, secret-free description of a transport error. */
function describeError(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code;
  const msg = (e.message ?? String(err)).split('\n')[0]!.slice(0, 200);
  return code && !msg.includes(code) ? `${code}: ${msg}` : msg;
}
