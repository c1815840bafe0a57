/**
 * The configuration file's schema (zod). Parsing turns YAML data (after ${ENV}/${file:} substitution)
 * into typed raw config; compile.ts turns that into the plain objects the hot path uses.
 * `npm run schema` publishes it as JSON Schema (config/outpost.schema.json) for editors.
 */
import { z } from 'zod';
import { parseDuration, parseSize } from './units.js';
import { WEBHOOK_FORMATS } from './types.js';
import { impactSchema } from '../impact/schema.js';

const NAME = /^[a-z0-9_-]+$/;
const name = (what: string) => z.string().regex(NAME, `${what} must match [a-z0-9_-]+`);

export const duration = z
  .string()
  .refine((s) => parseDuration(s) !== undefined, { message: 'expected a duration such as 500ms, 30s, 5m, 1h or 1d' });
const size = z
  .union([z.number().int().positive(), z.string()])
  .refine((s) => parseSize(s) !== undefined, { message: 'expected a size in bytes such as 1048576, 512KiB or 5MiB' });
const regexString = z.string().refine(
  (s) => {
    try {
      new RegExp(s, 'i');
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a valid regular expression' },
);
const stringMap = z.record(z.string(), z.string());
const statusList = z.array(z.union([z.number().int().min(100).max(599), z.enum(['1xx', '2xx', '3xx', '4xx', '5xx'])])).min(1);

const extractSchema = z.union([
  z.object({ json: z.string().min(1) }).strict(),
  z.object({ header: z.string().min(1) }).strict(),
  z.object({ cookie: z.string().min(1) }).strict(),
  z.object({ url: z.literal(true) }).strict(),
  z.object({ regex: regexString }).strict(),
]);

const jsonExpect = z
  .object({
    path: z.string().min(1),
    exists: z.boolean().optional(),
    equals: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
    minCount: z.number().int().min(0).optional(),
  })
  .strict();

const expectSchema = z
  .object({
    status: statusList.optional(),
    json: z.array(jsonExpect).optional(),
    bodyMatches: z.array(regexString).optional(),
    bodyNotMatches: z.array(regexString).optional(),
    maxDuration: duration.optional(),
    /** A list of items (JSON path) that must hold at least minItems and whose newest is younger than maxAge. */
    items: z
      .object({
        path: z.string().min(1),
        minItems: z.number().int().min(0).default(1),
        timestamp: z.string().min(1).optional(),
        maxAge: duration.optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

const requestFields = {
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']).optional(),
  path: z.string().min(1),
  headers: stringMap.optional(),
  json: z.unknown().optional(),
  form: stringMap.optional(),
  body: z.string().optional(),
};

const stepSchema = z
  .object({
    name: z.string().optional(),
    ...requestFields,
    /** Send the endpoint's session (cookies / bearer token). Default: true when the endpoint has `auth`. */
    session: z.boolean().optional(),
    /** Expect a JSON answer (HTML instead is an error_page). Default: true when extract/expect reads JSON. */
    expectJson: z.boolean().optional(),
    extract: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'variable names are letters, digits and _'), extractSchema).optional(),
    expect: expectSchema.optional(),
  })
  .strict();

const runOptions = {
  interval: duration.optional(),
  schedule: z.string().optional(),
  /** IANA time zone of `schedule` (default UTC). */
  timezone: z.string().optional(),
  timeout: duration.optional(),
  retries: z.number().int().min(0).max(10).optional(),
  failureThreshold: z.number().int().min(1).max(100).optional(),
  successThreshold: z.number().int().min(1).max(100).optional(),
  degradedAfter: duration.optional(),
  maxBodyBytes: size.optional(),
  maxRedirects: z.number().int().min(0).max(20).optional(),
  /** A fresh connection (DNS, TCP, TLS) per run, like a new user's. Default true. */
  freshConnection: z.boolean().optional(),
};

/** Series detail: `default` (11 series per check, plus one per failure reason seen) or `full` (adds the duration histogram, phases, attempts, consecutive failures, the last run timestamp). */
const metricsSchema = z.object({ detail: z.enum(['default', 'full']).optional() }).strict();

const checkSchema = z
  .object({
    type: z.enum(['login', 'feed', 'session', 'http']),
    ...runOptions,
    metrics: metricsSchema.optional(),
    /** feed/session: the request (path etc.); http: use steps. */
    path: z.string().optional(),
    method: requestFields.method,
    headers: stringMap.optional(),
    /** feed: where the items are (JSON path), how many are required, the timestamp field, the allowed age. */
    items: z.string().optional(),
    minItems: z.number().int().min(0).optional(),
    timestamp: z.string().optional(),
    maxAge: duration.optional(),
    steps: z.array(stepSchema).min(1).optional(),
    expect: expectSchema.optional(),
  })
  .strict();

const loginStepSchema = z
  .object({
    name: z.string().optional(),
    ...requestFields,
    extract: stepSchema.shape.extract,
    expect: expectSchema.optional(),
  })
  .strict();

/**
 * How the endpoint's session comes to be: a login journey (`path` for one request, or `steps`
 * for several, e.g. password then a second-factor code), or a preset session that no login
 * issues (`bearer`, `cookies`).
 */
const authSchema = z
  .object({
    path: z.string().min(1).optional(),
    method: requestFields.method,
    format: z.enum(['json', 'form']).default('json'),
    /** Login body fields; values are templates. Default: {username: '{{username}}', password: '{{password}}'}. */
    body: z.record(z.string(), z.string()).optional(),
    headers: stringMap.optional(),
    /** A login journey of several requests; the session is read from the last one's answer. */
    steps: z.array(loginStepSchema).min(1).max(10).optional(),
    /** JSON path of a bearer token in the login answer; sent as `Authorization: Bearer …`. */
    token: z.string().optional(),
    /** Name of the session cookie that a successful login sets. Default: any cookie counts. */
    cookie: z.string().optional(),
    /** Statuses that a successful login answers with. Default: 2xx and 3xx. */
    status: statusList.optional(),
    /** A preset bearer token (a long-lived API token): no login is attempted. */
    bearer: z.string().min(1).optional(),
    /** Preset session cookies: no login is attempted. */
    cookies: stringMap.optional(),
  })
  .strict();

const tlsSchema = z
  .object({
    insecureSkipVerify: z.boolean().default(false),
    /** PEM of extra CA certificates (a path through ${file:…} or inline). */
    ca: z.string().optional(),
    serverName: z.string().optional(),
  })
  .strict();

const endpointSchema = z
  .object({
    baseUrl: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
    account: z
      .object({
        username: z.string(),
        password: z.string(),
        /** RFC 6238 secret (base32) of the account's second factor: templates get `{{totp}}`, the current code. */
        totp: z.string().optional(),
      })
      .strict()
      .optional(),
    /** How long a session of this platform usually lives: an older session that is rejected expired naturally (logged, not paged). */
    sessionLifetime: duration.optional(),
    variables: stringMap.optional(),
    headers: stringMap.optional(),
    tls: tlsSchema.optional(),
    auth: authSchema.optional(),
    /** This endpoint's own business impact (docs/impact.md), instead of the group's. */
    impact: impactSchema.optional(),
    checks: z.record(name('check name'), checkSchema).refine((c) => Object.keys(c).length > 0, 'an endpoint needs at least one check'),
  })
  .strict();

const maintenanceSchema = z
  .object({
    /** Cron expression (UTC; seconds field allowed) of each window's start. */
    schedule: z.string(),
    /** IANA time zone of `schedule` (default UTC). */
    timezone: z.string().optional(),
    duration: duration,
  })
  .strict();

const markersSchema = z
  .object({
    error: z.array(regexString).optional(),
    logout: z.array(regexString).optional(),
    challenge: z.array(regexString).optional(),
    loginRejected: z.array(regexString).optional(),
    /** A redirect to a URL matching this is a redirect to the login page. */
    loginUrl: regexString.optional(),
  })
  .strict();

const groupSchema = z
  .object({
    markers: markersSchema.optional(),
    maintenance: z.array(maintenanceSchema).optional(),
    /** What an impaired minute of this platform costs (docs/impact.md). */
    impact: impactSchema.optional(),
    metrics: metricsSchema.optional(),
    endpoints: z.record(name('endpoint name'), endpointSchema).refine((e) => Object.keys(e).length > 0, 'a group needs at least one endpoint'),
  })
  .strict();

const webhookSchema = z
  .object({
    name: name('webhook name'),
    /** Optional for pagerduty (events.pagerduty.com/v2/enqueue) and opsgenie (api.opsgenie.com). */
    url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }).optional(),
    secret: z.string().optional(),
    format: z.enum(WEBHOOK_FORMATS).default('json'),
    /** pagerduty: the Events API v2 integration (routing) key. */
    routingKey: z.string().min(1).optional(),
    /** opsgenie: the API integration key. */
    apiKey: z.string().min(1).optional(),
    /** `standard`: sign the Standard Webhooks way (secret whsec_…) instead of X-Outpost-Signature-256. */
    signing: z.enum(['outpost', 'standard']).optional(),
    /** slack/teams/discord: the message's title and text, with {{incident.field}} placeholders. */
    template: z.object({ title: z.string().min(1).optional(), text: z.string().min(1).optional() }).strict().optional(),
    events: z.array(z.enum(['incident.opened', 'incident.resolved', 'incident.reminder'])).optional(),
    groups: z.array(name('group name')).optional(),
    scopes: z.array(z.enum(['check', 'group', 'multi_platform'])).optional(),
    timeout: duration.optional(),
    retries: z.number().int().min(0).max(50).optional(),
    queueSize: z.number().int().min(1).max(100000).optional(),
    headers: stringMap.optional(),
  })
  .strict();

const listenSchema = z.string().refine((s) => /^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/.test(s) && Number(s.slice(s.lastIndexOf(':') + 1)) < 65536, {
  message: 'expected host:port, e.g. 0.0.0.0:9464 or [::1]:9464',
});

const serverSchema = z
  .object({
    /** Enable POST /-/reload. */
    reload: z.boolean().default(false),
    /** Enable write APIs (POST /api/v1/maintenance). */
    api: z.boolean().default(false),
    auth: z
      .union([
        z.object({ basic: z.object({ username: z.string().min(1), password: z.string().min(1) }).strict() }).strict(),
        z.object({ bearer: z.string().min(16, 'a bearer token needs at least 16 characters') }).strict(),
      ])
      .optional(),
    /** Protect the status page (GET /) too, not only /metrics and the API. */
    authStatusPage: z.boolean().default(false),
    tls: z.object({ cert: z.string(), key: z.string() }).strict().optional(),
  })
  .strict();

export const configSchema = z
  .object({
    location: name('location').optional(),
    listen: listenSchema.default('0.0.0.0:9464'),
    stateDir: z.string().optional(),
    logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
    server: serverSchema.default({ reload: false, api: false, authStatusPage: false }),
    scheduler: z
      .object({
        concurrency: z.number().int().min(1).max(10000).default(64),
      })
      .strict()
      .default({ concurrency: 64 }),
    defaults: z.object(runOptions).strict().optional(),
    metrics: metricsSchema.optional(),
    incidents: z
      .object({
        /** A group is down when at least this share of its checks is down. */
        groupDownRatio: z.number().gt(0).max(1).default(0.5),
        /** A multi_platform incident opens when at least this many groups are down at once. */
        multiPlatformMinGroups: z.number().int().min(2).default(2),
        /** Hold new notifications this long so that one event pages once (like Alertmanager's group_wait). */
        groupWait: duration.default('10s'),
        remindEvery: duration.optional(),
        /** How many resolved incidents /api/v1/incidents keeps. */
        keepResolved: z.number().int().min(0).max(10000).default(100),
      })
      .strict()
      .default({ groupDownRatio: 0.5, multiPlatformMinGroups: 2, groupWait: '10s', keepResolved: 100 }),
    webhooks: z.array(webhookSchema).optional(),
    groups: z.record(name('group name'), groupSchema).refine((g) => Object.keys(g).length > 0, 'at least one group is needed'),
  })
  .strict();

export type RawConfig = z.infer<typeof configSchema>;
export type RawCheck = z.infer<typeof checkSchema>;
export type RawStep = z.infer<typeof stepSchema>;
export type RawExpect = z.infer<typeof expectSchema>;
export type RawEndpoint = z.infer<typeof endpointSchema>;
export type RawAuth = z.infer<typeof authSchema>;
