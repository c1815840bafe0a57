/**
 * The compiled configuration: plain data with durations in ms, patterns compiled and URLs resolved,
 * so that the hot path of a run does no parsing.
 */
import type { Template } from '../journey/template.js';
import type { MessageTemplate } from '../notify/message-template.js';
import type { ImpactBucket } from '../impact/types.js';

export type CheckType = 'login' | 'feed' | 'session' | 'http';

/** A problem in the config file, at its path (`groups.facebook.endpoints.web.auth`). */
export interface ConfigIssue {
  path: string;
  message: string;
}
export type StatusMatcher = (status: number) => boolean;

export type Extractor =
  | { name: string; from: 'json'; path: JsonPath }
  | { name: string; from: 'header'; header: string }
  | { name: string; from: 'cookie'; cookie: string }
  | { name: string; from: 'url' }
  | { name: string; from: 'regex'; regex: RegExp };

/** A parsed JSON path: keys and array indices, e.g. data.items[0].id → ['data','items',0,'id']. */
export type JsonPath = readonly (string | number)[];

export interface ItemsExpectation {
  path: JsonPath;
  pathText: string;
  minItems: number;
  timestamp?: JsonPath;
  maxAgeMs?: number;
}

export interface Expectations {
  status: StatusMatcher;
  statusText: string;
  json: { path: JsonPath; pathText: string; exists?: boolean; equals?: string | number | boolean | null; minCount?: number }[];
  bodyMatches: RegExp[];
  bodyNotMatches: RegExp[];
  maxDurationMs?: number;
  items?: ItemsExpectation;
}

/** What a step is, for the classifier: a login request, or a request that may carry a session. */
export type StepRole = 'login' | 'request';

export interface CompiledStep {
  name: string;
  role: StepRole;
  method: string;
  path: Template;
  headers: [string, Template][];
  body?: { kind: 'json' | 'form' | 'raw'; template: Template };
  sendSession: boolean;
  expectJson: boolean;
  extract: Extractor[];
  expect: Expectations;
  /** The last login step: where the session is found in the answer. */
  issues?: { token?: JsonPath; cookie?: string };
  /** A login step that a second-factor step follows: its challenge is expected, not a failure. */
  challengeExpected?: boolean;
}

export interface Markers {
  error: RegExp[];
  logout: RegExp[];
  challenge: RegExp[];
  loginRejected: RegExp[];
  loginUrl: RegExp;
}

export interface CompiledTls {
  insecureSkipVerify: boolean;
  ca?: string;
  serverName?: string;
}

export interface CompiledEndpoint {
  /** group/endpoint */
  key: string;
  group: string;
  name: string;
  baseUrl: URL;
  /** Template variables: username, password, and `variables`. Never logged. */
  variables: Record<string, string>;
  tls: CompiledTls;
  /** The login journey (one or more login steps), when the endpoint's `auth` logs in. */
  login?: CompiledStep[];
  /** A preset session (`auth.bearer` / `auth.cookies`): no login is attempted, it is never replaced by a run. */
  preset?: { token?: string; cookies: readonly (readonly [string, string])[] };
  /** RFC 6238 secret of the account's second factor (base32): `{{totp}}` in login templates. */
  totp?: string;
  /** A rejected session older than this expired naturally: counted and logged, not paged. */
  sessionLifetimeMs: number;
  /** Changes when what logs in changes (URL, account, login journey): a saved session of another identity is not reused. */
  identity: string;
  markers: Markers;
}

export interface CompiledCheck {
  /** group/endpoint/check: unique, stable, used for sharding and state. */
  id: string;
  group: string;
  endpoint: string;
  name: string;
  type: CheckType;
  labels: { group: string; endpoint: string; check: string; location: string };
  info: { type: CheckType; interval_seconds: string };
  intervalMs?: number;
  schedule?: string;
  /** IANA time zone of `schedule` (UTC when absent). */
  timezone?: string;
  timeoutMs: number;
  retries: number;
  failureThreshold: number;
  successThreshold: number;
  degradedAfterMs: number;
  maxBodyBytes: number;
  maxRedirects: number;
  freshConnection: boolean;
  steps: CompiledStep[];
  /** Uses the endpoint's session (feed, session, and http steps with session). */
  usesSession: boolean;
  endpointRef: CompiledEndpoint;
  /** `metrics.detail` of the check, its group or the config: `full` adds the opt-in series. */
  metricsDetail?: 'default' | 'full';
}

export interface CompiledMaintenance {
  group: string;
  schedule: string;
  timezone?: string;
  durationMs: number;
}

export const WEBHOOK_FORMATS = ['json', 'slack', 'pagerduty', 'opsgenie', 'teams', 'discord'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

export interface CompiledWebhook {
  name: string;
  url: URL;
  secret?: string;
  format: WebhookFormat;
  /** pagerduty: the Events API v2 integration key. */
  routingKey?: string;
  /** opsgenie: the API integration key (`Authorization: GenieKey …`). */
  apiKey?: string;
  /** `standard`: Standard Webhooks headers (secret `whsec_…`) instead of X-Outpost-Signature-256. */
  signing?: 'standard';
  /** slack/teams/discord: the message's title and text with `{{incident.…}}` placeholders. */
  template?: { title?: MessageTemplate; text?: MessageTemplate };
  events?: ReadonlySet<string>;
  groups?: ReadonlySet<string>;
  scopes?: ReadonlySet<string>;
  timeoutMs: number;
  retries: number;
  queueSize: number;
  headers: Record<string, string>;
}

export interface IncidentRules {
  groupDownRatio: number;
  multiPlatformMinGroups: number;
  groupWaitMs: number;
  remindEveryMs?: number;
  keepResolved: number;
}

export interface ServerOptions {
  host: string;
  port: number;
  reload: boolean;
  api: boolean;
  auth?: { basic: { username: string; password: string } } | { bearer: string };
  authStatusPage: boolean;
  tls?: { cert: string; key: string };
}

export interface CompiledConfig {
  location: string;
  server: ServerOptions;
  stateDir: string;
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  concurrency: number;
  incidents: IncidentRules;
  webhooks: CompiledWebhook[];
  groups: { name: string; endpoints: CompiledEndpoint[]; checkIds: string[] }[];
  endpoints: CompiledEndpoint[];
  checks: CompiledCheck[];
  maintenance: CompiledMaintenance[];
  /** Priced parts of the groups (`impact`): src/impact/. */
  impact: ImpactBucket[];
  /** Every secret value found in the config (passwords, tokens, substituted values): redacted everywhere. */
  secrets: string[];
}
