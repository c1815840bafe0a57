/**
 * The daemon: wires config → scheduler → monitor (journey, state, metrics) → incidents → notifier,
 * with the state file and the HTTP server around them; reloads config and shuts down cleanly.
 */
import { VERSION } from './version.js';
import { loadConfigFile, type LoadResult } from './config/load.js';
import type { CompiledCheck, CompiledConfig } from './config/types.js';
import { createMetrics, type Metrics } from './metrics/registry.js';
import { createMonitor, type CheckRecord, type Monitor } from './monitor.js';
import { createCheckRunner } from './run-check.js';
import { loadSession, saveSession, type SavedSession } from './journey/session.js';
import { createScheduler, type Scheduler } from './schedule/scheduler.js';
import { shardEndpoints } from './schedule/shard.js';
import { createIncidentManager, type IncidentManager } from './incidents/manager.js';
import { paced } from './incidents/paced.js';
import { createDaemonImpact, reconfigureImpact } from './impact/wire.js';
import { openHistory } from './persist/history-file.js';
import { createNotifier, type Notifier } from './notify/notifier.js';
import { createJournal } from './notify/journal.js';
import { journalDurable, restoreWithJournal, type SavedState } from './notify/durable.js';
import { createStateStore, type StateStore } from './persist/state-file.js';
import { startServer, type RunningServer } from './server/http.js';
import { buildStatus } from './server/status.js';
import { renderStatusPage } from './server/status-page.js';
import { createRedactor, type Redactor } from './redact.js';
import { sessionSecrets } from './journey/session.js';
import { createLogger, type Logger } from './log.js';
import type { CheckStatus } from './check-state.js';
import type { ConfigIssue } from './config/compile.js';
import { CONTENT_TYPES } from './server/negotiate.js';

export { VERSION };

/** How soon a run that changed no state is written to the state file (docs/deploy.md). */
const ROUTINE_SAVE_MS = 30_000;

export interface DaemonOptions {
  configPath: string;
  env?: NodeJS.ProcessEnv;
  shard?: { index: number; count: number };
  logger?: Logger;
  now?: () => number;
  /** Grace period for runs in flight and webhook deliveries at shutdown. */
  graceMs?: number;
  retryMinMs?: number;
  /** Collect prom-client's default process metrics (default true). */
  defaultMetrics?: boolean;
  /** Impact accrues this many seconds per second (the demo's compressed replay); default 1. */
  impactTimeScale?: number;
  /** What the benchmark watches: how late each run started (seconds) and each run's end. */
  probes?: { lag?(seconds: number): void; ran?(check: CompiledCheck, rec: CheckRecord): void };
}

export interface Daemon {
  config(): CompiledConfig;
  metrics: Metrics;
  monitor: Monitor;
  /** One run of a check and its consequences (what the scheduler calls). */
  runCheck: ReturnType<typeof createCheckRunner>;
  incidents: IncidentManager;
  server: RunningServer;
  logger: Logger;
  /** When each check runs next (tests, the benchmark). */
  scheduler: Pick<Scheduler, 'dueOf' | 'inFlight'>;
  reload(): Promise<{ ok: boolean; issues?: ConfigIssue[] }>;
  stop(): Promise<void>;
}

/** Thrown by startDaemon when the first config is invalid. */
export class ConfigError extends Error {
  constructor(readonly issues: ConfigIssue[]) {
    super(`invalid configuration:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`);
  }
}

export async function startDaemon(opts: DaemonOptions): Promise<Daemon> {
  const env = opts.env ?? process.env;
  const now = opts.now ?? Date.now;
  const first = await loadConfigFile(opts.configPath, env, shardEndpoints(opts.shard));
  if (!first.ok) throw new ConfigError(first.issues);
  // A shard's config holds only its own endpoints (and their checks): the filter applies at load.
  let config = first.config;

  const redactor: Redactor = createRedactor(config.secrets);
  const logger = opts.logger ?? createLogger({ level: config.logLevel, redactor });
  const shardLabel = opts.shard ? `${opts.shard.index}/${opts.shard.count}` : undefined;
  const metrics = createMetrics({ version: VERSION, shard: shardLabel, location: config.location, defaultMetrics: opts.defaultMetrics ?? true });
  metrics.configReloadOk.set(1);
  metrics.configReloadTimestamp.set(now() / 1000);

  // Undelivered notifications and what announcing them meant live in the journal; the state file covers it up to `journalSeq`.
  const journal = createJournal({ dir: config.stateDir, logger, metrics });
  const store: StateStore = createStateStore({ dir: config.stateDir, logger, metrics, coalesceMs: 1000, onSaved: (d) => journal.covered((d as SavedState).journalSeq ?? -1) });
  // The endpoints' sessions, in a file of their own (owner-only), so a restart does not log every endpoint in again.
  const sessionStore: StateStore = createStateStore({ dir: config.stateDir, logger, metrics, fileName: 'sessions.json' });
  let saveSoon = () => {};
  const durable = journalDurable(journal, { now, views: () => monitor.checkViews(), states: () => monitor.snapshotStates() });
  const notifier: Notifier = createNotifier({ webhooks: config.webhooks, metrics, logger, version: VERSION, onChange: () => saveSoon(), durable });
  const history = await openHistory(config.stateDir, logger, metrics);
  const impact = createDaemonImpact(config, metrics, opts.impactTimeScale, history.recorder);
  const incidents: IncidentManager = createIncidentManager({
    impact,
    history: history.recorder,
    rules: config.incidents,
    location: config.location,
    metrics,
    maintenance: config.maintenance,
    logger,
    now,
    send: (e) => notifier.enqueue(e),
  });
  const monitor: Monitor = createMonitor({ metrics, redactor, now });
  monitor.setConfig(config);

  // Incidents depend on states: re-evaluated (over every check) only when one changed, coalesced
  // and paced so that evaluating takes a small share of the loop however many checks there are.
  const updateIncidentsSoon = paced(() => incidents.update(monitor.checkViews(), monitor.groupViews())).soon;

  const snapshot = (): SavedState => ({ checks: monitor.snapshotStates(), incidents: incidents.serialize(), journalSeq: journal.seq() });
  const sessionsSnapshot = (): Record<string, SavedSession> => {
    const out: Record<string, SavedSession> = {};
    for (const ep of monitor.endpoints()) if (ep.session && !ep.session.preset) out[ep.endpoint.key] = saveSession(ep.session, ep.endpoint.identity);
    return out;
  };
  const loaded = (await store.load()) as SavedState | null;
  const saved = await restoreWithJournal(journal, loaded && typeof loaded === 'object' ? loaded : null);
  monitor.restore(saved.checks);
  incidents.restore(saved.incidents);
  notifier.restore(saved.outbox);
  if (loaded) logger.info({ stateDir: config.stateDir }, 'state restored');
  const savedSessions = (await sessionStore.load()) as Record<string, unknown> | null;
  if (savedSessions && typeof savedSessions === 'object') {
    let restored = 0;
    for (const ep of monitor.endpoints()) {
      if (ep.endpoint.preset) continue;
      const s = await loadSession(savedSessions[ep.endpoint.key], ep.endpoint.identity);
      if (!s) continue;
      redactor.add(sessionSecrets(s));
      monitor.setSession(ep.endpoint.key, s);
      restored++;
    }
    if (restored) logger.info({ sessions: restored }, 'sessions restored: no new login needed');
  }
  saveSoon = () => store.saveSoon(snapshot);
  incidents.update(monitor.checkViews(), monitor.groupViews());

  const runCheck = createCheckRunner({
    monitor,
    metrics,
    redactor,
    logger,
    env: { now, userAgent: `outpost/${VERSION} (+synthetic monitoring)`, retryMinMs: opts.retryMinMs },
    onStateChange: updateIncidentsSoon,
    onSessionLost: (e) => incidents.sessionLost(e),
    save({ sessions, urgent }) {
      // A run that changed nothing but its last result is kept within 30 s, not 1 s: at 10,000
      // checks the state file is ~3 MB of JSON, and writing it every second took ~3% of a core and
      // blocked the event loop for tens of milliseconds each time.
      if (urgent) saveSoon();
      else store.saveSoon(snapshot, ROUTINE_SAVE_MS);
      if (sessions) sessionStore.saveSoon(sessionsSnapshot);
    },
  });
  const scheduler: Scheduler = createScheduler({
    run: async (check) => {
      const rec = await runCheck(check);
      opts.probes?.ran?.(check, rec);
    },
    concurrency: config.concurrency,
    onLag: (s) => {
      metrics.schedulerLag.observe(s);
      opts.probes?.lag?.(s);
    },
    onInFlight: (n) => metrics.checksInFlight.set(n),
    onUnschedulable: (check, why) => logger.error({ check: check.id, why }, 'check cannot be scheduled: it will not run'),
    onUnschedulableCount: (n) => metrics.checksUnschedulable.set(n),
  });
  scheduler.setChecks(config.checks);

  let stopping = false;
  const reload = async (): Promise<{ ok: boolean; issues?: ConfigIssue[] }> => {
    const next: LoadResult = await loadConfigFile(opts.configPath, env, shardEndpoints(opts.shard));
    if (!next.ok) {
      metrics.configReloadOk.set(0);
      logger.error({ errors: next.issues.map((i) => `${i.path}: ${i.message}`) }, 'configuration reload refused; the previous configuration keeps running');
      return { ok: false, issues: next.issues };
    }
    const c = next.config;
    if (c.location !== config.location) {
      // Every check's labels change: start from a clean slate of series.
      monitor.setConfig({ ...config, checks: [], endpoints: [], groups: [] });
    }
    config = c;
    monitor.setConfig(c);
    scheduler.setChecks(c.checks);
    reconfigureImpact(impact, c);
    incidents.reconfigure(c.incidents, c.maintenance);
    notifier.reconfigure(c.webhooks);
    server.update(c.server);
    logger.level = c.logLevel;
    incidents.update(monitor.checkViews(), monitor.groupViews());
    metrics.configReloadOk.set(1);
    metrics.configReloadTimestamp.set(now() / 1000);
    logger.info({ checks: c.checks.length }, 'configuration reloaded');
    return { ok: true };
  };

  const server = await startServer(config.server, {
    logger,
    metrics: (format) => ({ contentType: CONTENT_TYPES[format], text: () => metrics.registry.chunks(format), gzip: () => metrics.registry.gzipParts(format) }),
    status: () => buildStatus(monitor, (g) => incidents.groupState(g), (g) => incidents.maintenance.activeGroups().has(g), now()),
    incidents: () => incidents.snapshot(),
    statusPage: () =>
      renderStatusPage(
        buildStatus(monitor, (g) => incidents.groupState(g), (g) => incidents.maintenance.activeGroups().has(g), now()),
        incidents.snapshot(),
        now(),
      ),
    healthy: () => !stopping && scheduler.running() && (scheduler.inFlight() > 0 || now() - scheduler.lastActivity() < 10 * 60_000 || config.checks.length === 0),
    ready: () => !stopping && scheduler.running(),
    reload,
    maintenance: {
      add(group, durationMs, note) {
        if (!config.groups.some((g) => g.name === group)) return { ok: false, error: `unknown group ${group}` };
        try {
          return { ok: true, window: incidents.maintenance.add(group, durationMs, note) };
        } catch (err) {
          return { ok: false, error: (err as Error).message };
        }
      },
      list: () => incidents.maintenance.list(),
    },
  });
  scheduler.start();
  // The steady series' blocks compressed in the background: the first scrape finds most of them ready.
  metrics.checks.prime().catch((err: unknown) => logger.warn({ err }, 'compressing the metrics ahead of the first scrape failed'));
  logger.info({ url: server.url, checks: config.checks.length, location: config.location, shard: shardLabel }, 'outpost running');

  return {
    config: () => config,
    metrics,
    monitor,
    runCheck,
    incidents,
    server,
    logger,
    scheduler,
    reload,
    async stop() {
      if (stopping) return;
      stopping = true;
      const grace = opts.graceMs ?? 10_000;
      logger.info({ graceMs: grace }, 'shutting down');
      await Promise.race([scheduler.stop(), sleep(grace)]);
      incidents.update(monitor.checkViews(), monitor.groupViews());
      await notifier.drain(Math.min(grace, 5_000));
      incidents.close();
      await store.save(snapshot());
      await history.save();
      await journal.close();
      await sessionStore.save(sessionsSnapshot());
      await server.close();
      logger.info('stopped');
      logger.flush?.();
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
