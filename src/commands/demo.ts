/**
 * `outpost demo`: the simulator replaying 5 March 2024 (compressed), the daemon watching it with
 * config/demo.yaml, and a webhook sink printing what people would receive; a live one-line-per-
 * change timeline in the terminal. Until Ctrl-C, or --duration seconds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, formatScenarioStep } from '../simulator/index.js';
import { ConfigError, startDaemon } from '../daemon.js';
import { formatIssues } from '../config/load.js';
import { startWebhookSink, type ReceivedNotification } from '../demo/sink.js';
import { watchTransitions } from '../demo/timeline.js';
import { createRedactor } from '../redact.js';
import { createLogger } from '../log.js';
import type { CliValues } from '../cli.js';
import { formatAmount, impactWords } from '../impact/format.js';

const DEMO_SPEED = 2.5;
const SECRET = 'demo-webhook-secret';

export async function demoCommand(values: CliValues): Promise<number> {
  const started = Date.now();
  const stamp = () => `+${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s`;
  const say = (line: string) => process.stdout.write(`${stamp()}  ${line}\n`);
  const speed = values.speed ? Number(values.speed) : DEMO_SPEED;
  const duration = values.duration ? Number(values.duration) : undefined;
  if (!(speed > 0) || (duration !== undefined && !(duration > 0))) {
    process.stderr.write('outpost demo: --speed and --duration take positive numbers\n');
    return 2;
  }

  const sim = await startSimulator({
    host: '127.0.0.1',
    port: Number(process.env.OUTPOST_SIM_PORT ?? 9470),
    seed: 5032024,
    scenario: values.scenario ?? 'march-5',
    speed,
    loop: true,
    onScenarioStep: (e) => say(`SIMULATOR  ${formatScenarioStep(e)}`),
  });
  const sink = await startWebhookSink({
    port: Number(process.env.OUTPOST_SINK_PORT ?? 9465),
    secret: SECRET,
    print: (n) => say(formatNotification(n)),
  });
  const stateDir = mkdtempSync(join(tmpdir(), 'outpost-demo-'));
  const env = { ...process.env, OUTPOST_SIM_URL: sim.url, OUTPOST_WEBHOOK_URL: sink.url, OUTPOST_WEBHOOK_SECRET: SECRET, OUTPOST_STATE_DIR: stateDir };
  let daemon;
  try {
    daemon = await startDaemon({
      configPath: values.config ?? 'config/demo.yaml',
      env,
      retryMinMs: 100,
      ...((values.scenario ?? 'march-5') === 'march-5' ? { impactTimeScale: MARCH5_COMPRESSION * speed } : {}),
      logger: createLogger({ level: 'warn', redactor: createRedactor() }),
    });
  } catch (err) {
    await Promise.all([sim.close(), sink.close()]);
    if (err instanceof ConfigError) {
      process.stderr.write(`outpost demo: invalid configuration\n${formatIssues(err.issues)}\n`);
      return 2;
    }
    throw err;
  }
  const base = daemon.server.url;
  process.stdout.write(`
Outpost demo: watching simulated Facebook, Instagram and Threads while the simulator replays the
5 March 2024 outage (${speed}x faster than the scenario's four minutes, looping).

  Status page      ${base}/
  Metrics          ${base}/metrics
  Status API       ${base}/api/v1/status
  Incidents API    ${base}/api/v1/incidents
  Simulator        ${sim.url}/_sim/faults   (change faults yourself: see the README)
  Webhook sink     ${sink.url}             (notifications are printed below)

Timeline (one line per change; Ctrl-C to stop${duration ? `, or after ${duration}s` : ''}):
`);
  const stopWatching = watchTransitions(daemon.monitor, (line) => say(line));
  await new Promise<void>((resolve) => {
    const timer = duration ? setTimeout(resolve, duration * 1000) : undefined;
    const stop = () => {
      if (timer) clearTimeout(timer);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  stopWatching();
  say('stopping…');
  await daemon.stop();
  await Promise.all([sim.close(), sink.close()]);
  rmSync(stateDir, { recursive: true, force: true });
  const opened = sink.received.filter((n) => n.event === 'incident.opened').length;
  const resolved = sink.received.filter((n) => n.event === 'incident.resolved').length;
  process.stdout.write(`\nDemo over: ${sink.received.length} notifications received (${opened} opened, ${resolved} resolved).\n`);
  const cost = replayCost(sink.received);
  if (cost) process.stdout.write(`The 5 March replay cost ≈ ${cost} (the impact figures of the demo config, counted in 5 March time: docs/impact.md).\n`);
  return 0;
}

function formatNotification(n: ReceivedNotification): string {
  const i = n.body.incident ?? {};
  const sig = n.signatureValid === null ? '' : n.signatureValid ? ' [signature ok]' : ' [BAD SIGNATURE]';
  const cost = impactWords(i.impact, n.event === 'incident.resolved');
  return `WEBHOOK    ${n.event} (${i.scope}) ${i.summary ?? ''}${cost ? `; ${cost}` : ''}${sig}`;
}

/** The cost the last resolved event told (the multi-platform one when there is one): "$220,500". */
function replayCost(received: readonly ReceivedNotification[]): string | null {
  const told = received.filter((n) => n.event === 'incident.resolved' && n.body.incident?.impact);
  const last = told.filter((n) => n.body.incident?.scope === 'multi_platform').at(-1) ?? told.at(-1);
  const impact = last?.body.incident?.impact;
  return impact ? formatAmount(impact.estimated, impact.unit) : null;
}

/** The march-5 scenario tells 5 March's two hours in 160 s at speed 1: impact is counted in 5 March time. */
const MARCH5_COMPRESSION = 45;
