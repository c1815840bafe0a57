/**
 * Loopback stand-ins for the paging services, on 127.0.0.1: each checks a request the way the
 * service's public documentation describes it (required fields, allowed values, sizes, auth),
 * answers as the service does (202/204 when taken, 400/401/404 with the problems otherwise), and
 * keeps what it took: which alerts are open, by dedup_key / alias / title.
 *
 * - PagerDuty Events API v2: POST /v2/enqueue (https://developer.pagerduty.com/docs/events-API-v2/trigger-events/)
 * - Opsgenie Alert API: POST /v2/alerts, /v2/alerts/{alias}/close|notes?identifierType=alias (https://docs.opsgenie.com/docs/alert-api)
 * - Teams workflow webhook: a message with one Adaptive Card attachment
 * - Discord Execute Webhook: embeds within the embed limits
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export type Service = 'pagerduty' | 'opsgenie' | 'teams' | 'discord';

export interface ServiceRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: unknown;
  status: number;
  problems: string[];
}

export interface FakeService {
  url: string;
  requests: ServiceRequest[];
  /** Requests refused as malformed (any problem). */
  refused(): ServiceRequest[];
  /** Keys (dedup_key / alias / message title) in the order they were opened; and closed. */
  opened: string[];
  closed: string[];
  /** Keys opened and not closed. */
  open(): string[];
  close(): Promise<void>;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const chars = (s: unknown): number => (typeof s === 'string' ? Array.from(s).length : 0);

function requireString(problems: string[], o: Obj, key: string, max: number, where = ''): string | undefined {
  const v = o[key];
  if (typeof v !== 'string' || v.length === 0) {
    problems.push(`${where}${key} is required`);
    return undefined;
  }
  if (chars(v) > max) problems.push(`${where}${key} longer than ${max}`);
  return v;
}

interface Verdict {
  status: number;
  problems: string[];
  open?: string;
  close?: string;
}

function pagerduty(path: string, _h: IncomingHttpHeaders, body: unknown, routingKey: string): Verdict {
  const p: string[] = [];
  if (path !== '/v2/enqueue') return { status: 404, problems: [`unknown path ${path}`] };
  if (!isObj(body)) return { status: 400, problems: ['body is not a JSON object'] };
  if (body.routing_key !== routingKey) p.push('routing_key is wrong');
  const action = body.event_action;
  if (action !== 'trigger' && action !== 'acknowledge' && action !== 'resolve') p.push('event_action must be trigger, acknowledge or resolve');
  const key = requireString(p, body, 'dedup_key', 255);
  if (action === 'trigger') {
    if (!isObj(body.payload)) p.push('payload is required for trigger');
    else {
      requireString(p, body.payload, 'summary', 1024, 'payload.');
      requireString(p, body.payload, 'source', 255, 'payload.');
      if (!['critical', 'error', 'warning', 'info'].includes(String(body.payload.severity))) p.push('payload.severity must be critical, error, warning or info');
      if (body.payload.timestamp !== undefined && Number.isNaN(Date.parse(String(body.payload.timestamp)))) p.push('payload.timestamp is not ISO 8601');
      if (body.payload.custom_details !== undefined && !isObj(body.payload.custom_details)) p.push('payload.custom_details must be an object');
    }
  }
  if (p.length) return { status: 400, problems: p };
  return { status: 202, problems: [], ...(action === 'trigger' ? { open: key } : action === 'resolve' ? { close: key } : {}) };
}

function opsgenie(path: string, h: IncomingHttpHeaders, body: unknown, apiKey: string, url: URL): Verdict {
  if (h.authorization !== `GenieKey ${apiKey}`) return { status: 401, problems: ['Authorization must be GenieKey <apiKey>'] };
  if (!isObj(body)) return { status: 400, problems: ['body is not a JSON object'] };
  const p: string[] = [];
  if (path === '/v2/alerts') {
    requireString(p, body, 'message', 130);
    const alias = requireString(p, body, 'alias', 512);
    if (body.description !== undefined && chars(body.description) > 15000) p.push('description longer than 15000');
    if (chars(body.entity) > 512) p.push('entity longer than 512');
    if (chars(body.source) > 100) p.push('source longer than 100');
    if (body.tags !== undefined && (!Array.isArray(body.tags) || body.tags.length > 20 || body.tags.some((t) => chars(t) > 50))) p.push('tags: at most 20 of 50 characters');
    if (body.details !== undefined && (!isObj(body.details) || Object.values(body.details).some((v) => typeof v !== 'string'))) p.push('details must map to strings');
    if (body.priority !== undefined && !['P1', 'P2', 'P3', 'P4', 'P5'].includes(String(body.priority))) p.push('priority must be P1..P5');
    return p.length ? { status: 422, problems: p } : { status: 202, problems: [], open: alias };
  }
  const m = /^\/v2\/alerts\/([^/]+)\/(close|notes)$/.exec(path);
  if (!m) return { status: 404, problems: [`unknown path ${path}`] };
  if (url.searchParams.get('identifierType') !== 'alias') p.push('identifierType=alias is required to act by alias');
  if (m[2] === 'notes') requireString(p, body, 'note', 25000);
  else if (body.note !== undefined && chars(body.note) > 25000) p.push('note longer than 25000');
  if (p.length) return { status: 422, problems: p };
  return { status: 202, problems: [], ...(m[2] === 'close' ? { close: decodeURIComponent(m[1]!) } : {}) };
}

/** Teams: the title is the key (the card's first TextBlock); opened/resolved from its wording. */
function teams(_path: string, _h: IncomingHttpHeaders, body: unknown): Verdict {
  const p: string[] = [];
  if (!isObj(body) || body.type !== 'message' || !Array.isArray(body.attachments) || body.attachments.length !== 1) return { status: 400, problems: ['expected {type: "message", attachments: [one card]}'] };
  const a = body.attachments[0] as Obj;
  if (a.contentType !== 'application/vnd.microsoft.card.adaptive') p.push('contentType must be application/vnd.microsoft.card.adaptive');
  const card = a.content;
  if (!isObj(card) || card.type !== 'AdaptiveCard' || typeof card.version !== 'string' || !Array.isArray(card.body) || card.body.length === 0) {
    p.push('content must be an AdaptiveCard with a version and a body');
    return { status: 400, problems: p };
  }
  for (const el of card.body as Obj[]) {
    if (el.type === 'TextBlock' && typeof el.text !== 'string') p.push('TextBlock without text');
    if (el.type === 'FactSet' && (!Array.isArray(el.facts) || (el.facts as Obj[]).some((f) => typeof f.title !== 'string' || typeof f.value !== 'string'))) p.push('FactSet facts need title and value strings');
  }
  if (Buffer.byteLength(JSON.stringify(body)) > 28 * 1024) p.push('message larger than 28 KB');
  if (p.length) return { status: 400, problems: p };
  return { status: 202, problems: [], ...keyOf(String((card.body[0] as Obj).text)) };
}

function discord(_path: string, _h: IncomingHttpHeaders, body: unknown): Verdict {
  const p: string[] = [];
  if (!isObj(body)) return { status: 400, problems: ['body is not a JSON object'] };
  const embeds = body.embeds;
  if (!Array.isArray(embeds) || embeds.length === 0) {
    if (typeof body.content !== 'string' || body.content.length === 0) p.push('content or embeds required');
    return { status: p.length ? 400 : 204, problems: p };
  }
  if (embeds.length > 10) p.push('at most 10 embeds');
  let total = 0;
  for (const [n, e] of (embeds as Obj[]).entries()) {
    const at = `embeds[${n}].`;
    if (chars(e.title) > 256) p.push(`${at}title longer than 256`);
    if (chars(e.description) > 4096) p.push(`${at}description longer than 4096`);
    const fields = (e.fields ?? []) as Obj[];
    if (fields.length > 25) p.push(`${at}more than 25 fields`);
    for (const f of fields) {
      if (chars(f.name) === 0 || chars(f.name) > 256) p.push(`${at}field name empty or longer than 256`);
      if (chars(f.value) === 0 || chars(f.value) > 1024) p.push(`${at}field value empty or longer than 1024`);
    }
    const footer = isObj(e.footer) ? e.footer.text : undefined;
    if (chars(footer) > 2048) p.push(`${at}footer longer than 2048`);
    if (e.color !== undefined && (!Number.isInteger(e.color) || (e.color as number) < 0 || (e.color as number) > 0xffffff)) p.push(`${at}color not a 24-bit integer`);
    total += chars(e.title) + chars(e.description) + chars(footer) + fields.reduce((s, f) => s + chars(f.name) + chars(f.value), 0);
  }
  if (total > 6000) p.push('embeds longer than 6000 characters in all');
  if (p.length) return { status: 400, problems: p };
  return { status: 204, problems: [], ...keyOf(String((embeds[0] as Obj).title)) };
}

/** Chat messages carry no key: the subject after "OPENED:" / "RESOLVED:" pairs them. */
function keyOf(title: string): { open?: string; close?: string } {
  const m = /(OPENED|RESOLVED): (.*)$/.exec(title);
  if (!m) return {};
  return m[1] === 'OPENED' ? { open: m[2] } : { close: m[2] };
}

export async function startService(service: Service, keys: { routingKey?: string; apiKey?: string } = {}): Promise<FakeService> {
  const requests: ServiceRequest[] = [];
  const opened: string[] = [];
  const closed: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      let json: unknown;
      let verdict: Verdict;
      try {
        json = JSON.parse(body);
        if (req.method !== 'POST' || !String(req.headers['content-type']).startsWith('application/json')) verdict = { status: 400, problems: ['expected a POST of application/json'] };
        else if (service === 'pagerduty') verdict = pagerduty(url.pathname, req.headers, json, keys.routingKey ?? '');
        else if (service === 'opsgenie') verdict = opsgenie(url.pathname, req.headers, json, keys.apiKey ?? '', url);
        else if (service === 'teams') verdict = teams(url.pathname, req.headers, json);
        else verdict = discord(url.pathname, req.headers, json);
      } catch {
        verdict = { status: 400, problems: ['body is not JSON'] };
      }
      if (verdict.open !== undefined && !opened.includes(verdict.open)) opened.push(verdict.open);
      if (verdict.close !== undefined && !closed.includes(verdict.close)) closed.push(verdict.close);
      requests.push({ method: req.method ?? '', path: url.pathname + url.search, headers: req.headers, body, json, status: verdict.status, problems: verdict.problems });
      if (verdict.status === 204) res.writeHead(204).end();
      else res.writeHead(verdict.status, { 'content-type': 'application/json' }).end(JSON.stringify(verdict.problems.length ? { errors: verdict.problems } : { status: 'success' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}${service === 'pagerduty' ? '/v2/enqueue' : service === 'opsgenie' ? '' : '/hook'}`,
    requests,
    refused: () => requests.filter((r) => r.problems.length > 0),
    opened,
    closed,
    open: () => opened.filter((k) => !closed.includes(k)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
