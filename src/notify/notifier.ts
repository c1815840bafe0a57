/**
 * The webhook notifier: one bounded queue ("lane") per webhook, delivered in the background one
 * notification at a time and in order, so a `resolved` never overtakes its `opened`. `enqueue` is
 * synchronous and cheap, and nothing here ever throws into the caller. What is not delivered yet
 * is the outbox, which the state file keeps across restarts.
 */
import { randomUUID } from 'node:crypto';
import { VERSION } from '../version.js';
import { Agent } from 'undici';
import type { CompiledWebhook } from '../config/types.js';
import type { IncidentEvent } from '../incidents/types.js';
import type { Metrics } from '../metrics/registry.js';
import { deliver, sleep as realSleep, type DeliveryResult, type Logger, type Sleep } from './deliver.js';
import { parseOutbox, snapshot, type OutboxEntry } from './outbox.js';
import { admit, matches } from './queue.js';
import { DEFAULT_BACKOFF } from './retry.js';

export type { OutboxEntry, Logger };

const DEFAULT_QUEUE_SIZE = 1000;

export interface NotifierOptions {
  webhooks: CompiledWebhook[];
  metrics: Metrics;
  logger?: Logger;
  /** The outbox changed (enqueued, attempted, delivered, dropped): persist it. */
  onChange?: () => void;
  now?: () => number;
  /** In [0, 1): the jitter. */
  random?: () => number;
  uuid?: () => string;
  /** For the User-Agent `outpost/<version>`; read from package.json when absent. */
  version?: string;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  backoffFactor?: number;
  maxRetryAfterMs?: number;
  /** The wait between attempts (tests may record or shorten it); must end early when the signal aborts. */
  sleep?: Sleep;
  /** The notification journal (journal.ts): what to write, and when to wait for it. */
  durable?: Durable;
}

/** Durable bookkeeping of the outbox: a notification is not attempted before `enqueued` resolves, nor anything else done after a 2xx before `delivered` does. */
export interface Durable {
  enqueued(entry: OutboxEntry, event: IncidentEvent): Promise<void>;
  attempted(entry: OutboxEntry): void;
  delivered(entry: OutboxEntry): Promise<void>;
  /** Given up (final answer, retries exhausted, dropped, webhook removed, or not restorable). */
  gone(entry: OutboxEntry): void;
}

export interface Notifier {
  enqueue(e: IncidentEvent): void;
  /** Every notification not delivered yet, per webhook in delivery order; JSON-serialisable. */
  outbox(): OutboxEntry[];
  /** Put back an outbox from the state file (same delivery ids); malformed or unknown entries are skipped. */
  restore(entries: unknown): void;
  reconfigure(webhooks: CompiledWebhook[]): void;
  /** Shutdown: stop waiting between retries, let attempts in flight finish within `graceMs`, then stop. */
  drain(graceMs: number): Promise<void>;
  /** Stop now: attempts in flight are abandoned and stay in the outbox. */
  close(): void;
}

interface Lane {
  hook: CompiledWebhook;
  queue: OutboxEntry[];
  /** The head of the queue is being delivered. */
  busy: boolean;
  running: Promise<void> | null;
  stop: AbortController;
  /** Stopped by a drain with its head undelivered: starts no more deliveries. */
  halted: boolean;
  removed: boolean;
}

const noop = (): void => undefined;
const silent: Logger = { debug: noop, info: noop, warn: noop, error: noop };

export function createNotifier(opts: NotifierOptions): Notifier {
  const { metrics } = opts;
  const logger = opts.logger ?? silent;
  const now = opts.now ?? Date.now;
  const random = opts.random ?? Math.random;
  const uuid = opts.uuid ?? randomUUID;
  const userAgent = `outpost/${opts.version ?? VERSION}`;
  const backoff = {
    minMs: opts.minBackoffMs ?? DEFAULT_BACKOFF.minMs,
    maxMs: opts.maxBackoffMs ?? DEFAULT_BACKOFF.maxMs,
    factor: opts.backoffFactor ?? DEFAULT_BACKOFF.factor,
    maxRetryAfterMs: opts.maxRetryAfterMs ?? opts.maxBackoffMs ?? DEFAULT_BACKOFF.maxRetryAfterMs,
  };
  const dispatcher = new Agent({ keepAliveTimeout: 10_000, connections: 4 });
  const drainSignal = new AbortController();
  const lanes = new Map<string, Lane>();
  const durable = opts.durable;
  /** An entry's journal write: its first attempt waits for it. */
  const written = new WeakMap<OutboxEntry, Promise<void>>();
  let stopped = false;

  const guard = (what: string, fn: () => void): void => {
    try {
      fn();
    } catch (err) {
      logger.error({ error: err instanceof Error ? err.message : String(err) }, `notifier: ${what} failed`);
    }
  };
  const changed = (): void => guard('onChange', () => opts.onChange?.());
  const setDepth = (lane: Lane): void => metrics.webhookQueueDepth.set({ webhook: lane.hook.name }, lane.queue.length);

  function addLane(hook: CompiledWebhook): void {
    lanes.set(hook.name, { hook, queue: [], busy: false, running: null, stop: new AbortController(), halted: false, removed: false });
    for (const result of ['success', 'failure', 'dropped']) metrics.webhookDeliveries.inc({ webhook: hook.name, result }, 0);
    metrics.webhookQueueDepth.set({ webhook: hook.name }, 0);
  }

  function removeLane(lane: Lane): void {
    lane.removed = true;
    lane.stop.abort();
    lanes.delete(lane.hook.name);
    if (lane.queue.length > 0) logger.warn({ webhook: lane.hook.name, discarded: lane.queue.length }, 'webhook removed from config: its undelivered notifications are discarded');
    for (const x of lane.queue) durable?.gone(x);
    metrics.webhookQueueDepth.remove({ webhook: lane.hook.name });
    for (const result of ['success', 'failure', 'dropped']) metrics.webhookDeliveries.remove({ webhook: lane.hook.name, result });
  }

  async function run(lane: Lane): Promise<void> {
    // Start after the caller's synchronous work: enqueue stays cheap.
    await Promise.resolve();
    while (!stopped && !lane.removed && !lane.halted && lane.queue.length > 0) {
      const entry = lane.queue[0] as OutboxEntry;
      lane.busy = true;
      let result: DeliveryResult;
      try {
        await written.get(entry);
        result = await deliver(entry, {
          hook: () => lane.hook,
          dispatcher,
          userAgent,
          backoff,
          now,
          random,
          sleep: opts.sleep ?? realSleep,
          logger,
          stop: lane.stop.signal,
          drain: drainSignal.signal,
          onAttempt: () => {
            durable?.attempted(entry);
            changed();
          },
        });
        if (result === 'success') await durable?.delivered(entry);
        else if (result === 'failure') durable?.gone(entry);
      } finally {
        lane.busy = false;
      }
      if (result === 'stopped') {
        lane.halted = true;
        return;
      }
      lane.queue = lane.queue.filter((x) => x !== entry);
      if (!lane.removed) {
        metrics.webhookDeliveries.inc({ webhook: lane.hook.name, result });
        setDepth(lane);
      }
      changed();
    }
  }

  function kick(lane: Lane): void {
    if (lane.running || stopped || lane.removed || lane.halted || lane.queue.length === 0) return;
    lane.running = run(lane)
      .catch((err: unknown) => logger.error({ webhook: lane.hook.name, error: err instanceof Error ? err.name : 'unknown' }, 'notifier: delivery loop failed'))
      .finally(() => {
        lane.running = null;
        kick(lane);
      });
  }

  for (const w of opts.webhooks) addLane(w);

  function enqueue(e: IncidentEvent): void {
    guard('enqueue', () => {
      const snap = snapshot(e);
      let touched = false;
      for (const lane of lanes.values()) {
        if (!matches(lane.hook, snap)) continue;
        const entry: OutboxEntry = { webhook: lane.hook.name, deliveryId: uuid(), event: snap, attempts: 0, enqueuedAt: now() };
        const { queue, dropped } = admit(lane.queue, entry, lane.hook.queueSize || DEFAULT_QUEUE_SIZE, lane.busy ? 1 : 0);
        lane.queue = queue;
        touched = true;
        if (durable && dropped !== entry) written.set(entry, durable.enqueued(entry, e));
        if (dropped) {
          if (dropped !== entry) durable?.gone(dropped);
          metrics.webhookDeliveries.inc({ webhook: lane.hook.name, result: 'dropped' });
          logger.warn({ webhook: lane.hook.name, deliveryId: dropped.deliveryId, event: dropped.event.event, incident: dropped.event.incident.id }, 'webhook queue full: reminder dropped');
        }
        setDepth(lane);
        kick(lane);
      }
      if (touched) changed();
    });
  }

  function outbox(): OutboxEntry[] {
    return [...lanes.values()].flatMap((lane) => lane.queue.map((x) => ({ ...x })));
  }

  function restore(raw: unknown): void {
    guard('restore', () => {
      const { entries, skipped } = parseOutbox(raw);
      const known = new Set(outbox().map((x) => x.deliveryId));
      let restored = 0;
      let discarded = 0;
      for (const lane of lanes.values()) {
        const mine = entries.filter((x) => x.webhook === lane.hook.name && matches(lane.hook, x.event) && !known.has(x.deliveryId));
        if (mine.length === 0) continue;
        for (const x of mine) known.add(x.deliveryId);
        // Restored notifications are older than anything queued since start: they go first.
        const pinned = lane.busy ? 1 : 0;
        lane.queue = [...lane.queue.slice(0, pinned), ...mine, ...lane.queue.slice(pinned)];
        restored += mine.length;
        setDepth(lane);
        kick(lane);
      }
      discarded = entries.length - restored;
      const queued = new Set(outbox().map((x) => x.deliveryId));
      for (const x of entries) if (!queued.has(x.deliveryId)) durable?.gone(x);
      if (restored + discarded + skipped > 0) logger.info({ restored, discarded, malformed: skipped }, 'webhook outbox restored');
      if (restored > 0) changed();
    });
  }

  function reconfigure(webhooks: CompiledWebhook[]): void {
    guard('reconfigure', () => {
      const names = new Set(webhooks.map((w) => w.name));
      for (const lane of [...lanes.values()]) if (!names.has(lane.hook.name)) removeLane(lane);
      for (const w of webhooks) {
        const lane = lanes.get(w.name);
        if (lane) lane.hook = w;
        else addLane(w);
      }
      changed();
    });
  }

  function stopAll(): void {
    stopped = true;
    drainSignal.abort();
    for (const lane of lanes.values()) lane.stop.abort();
  }

  async function settle(deadline: number): Promise<void> {
    for (;;) {
      const running = [...lanes.values()].map((l) => l.running).filter((p): p is Promise<void> => p !== null);
      const left = deadline - Date.now();
      if (running.length === 0 || left <= 0) return;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(running), new Promise<void>((r) => (timer = setTimeout(r, left)))]);
      clearTimeout(timer);
    }
  }

  async function drain(graceMs: number): Promise<void> {
    if (stopped) return;
    try {
      drainSignal.abort();
      await settle(Date.now() + Math.max(0, graceMs));
      stopAll();
      await settle(Date.now() + 1000);
      await dispatcher.destroy(null).catch(noop);
      const left = outbox().length;
      logger.info({ undelivered: left }, left > 0 ? 'notifier stopped: undelivered notifications kept in the outbox' : 'notifier stopped');
      changed();
    } catch (err) {
      logger.error({ error: err instanceof Error ? err.name : 'unknown' }, 'notifier: drain failed');
    }
  }

  function close(): void {
    if (stopped) return;
    stopAll();
    dispatcher.destroy(null).catch(noop);
  }

  return { enqueue, outbox, restore, reconfigure, drain, close };
}
