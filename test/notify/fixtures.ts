/** Incidents and events (from test/support/incidents.ts), webhooks, a capturing logger and metric readers for the notifier tests. */
import { afterEach } from 'vitest';
import type { CompiledWebhook } from '../../src/config/types.js';
import { createMetrics, type Metrics } from '../../src/metrics/registry.js';
import { createNotifier, type Logger, type Notifier } from '../../src/notify/notifier.js';
import { startReceiver, type Receiver } from '../support/receiver.js';

export { T0, incident, groupIncident, multiIncident, event } from '../support/incidents.js';

export function webhook(name: string, url: string, over: Partial<CompiledWebhook> = {}): CompiledWebhook {
  return { name, url: new URL(url), format: 'json', timeoutMs: 5000, retries: 50, queueSize: 1000, headers: {}, ...over };
}

export function newMetrics(): Metrics {
  return createMetrics({ version: 'test' });
}

export async function deliveries(m: Metrics, webhook: string, result: 'success' | 'failure' | 'dropped'): Promise<number> {
  const { values } = await m.webhookDeliveries.get();
  return values.find((v) => v.labels.webhook === webhook && v.labels.result === result)?.value ?? 0;
}

export async function queueDepth(m: Metrics, webhook: string): Promise<number | undefined> {
  const { values } = await m.webhookQueueDepth.get();
  return values.find((v) => v.labels.webhook === webhook)?.value;
}

export interface CapturedLogger extends Logger {
  lines: { level: string; obj: object; msg?: string }[];
  text(): string;
}

export function captureLogger(): CapturedLogger {
  const lines: CapturedLogger['lines'] = [];
  const at = (level: string) => (obj: object, msg?: string) => void lines.push({ level, obj, msg });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), text: () => JSON.stringify(lines) };
}

/** Fast backoff for tests: real waits, milliseconds long. */
export const FAST = { minBackoffMs: 2, maxBackoffMs: 20, version: '9.9.9' } as const;

export const parse = (body: string): { deliveryId: string; event: string; incident: Record<string, unknown> } => JSON.parse(body);

/** Receivers and notifiers that are closed after each test; call once at the top of a test file. */
export function harness(): {
  receiver: (...args: Parameters<typeof startReceiver>) => Promise<Receiver>;
  notifier: (...args: Parameters<typeof createNotifier>) => Notifier;
  onCleanup: (fn: () => unknown) => void;
} {
  const cleanup: (() => unknown)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });
  return {
    async receiver(...args) {
      const r = await startReceiver(...args);
      cleanup.push(() => r.close());
      return r;
    },
    notifier(...args) {
      const n = createNotifier(...args);
      cleanup.push(() => n.close());
      return n;
    },
    onCleanup: (fn) => void cleanup.push(fn),
  };
}
