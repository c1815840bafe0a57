/**
 * A crash at any instant loses no notification and sends none twice under a new delivery id.
 *
 * Real daemons (`node dist/cli.js run`) watch simulators through an incident's whole life
 * (opened → reminders → resolved), over and over, and are SIGKILLed at seeded instants: a random
 * moment of the life, or 0–40 ms after the receiver got an `opened`, a reminder or a `resolved`
 * (right after its 2xx, before the daemon can note it). Each is restarted on the same state
 * directory. Several lanes (own simulator, state directory, port and `location`) run side by side
 * to fit many kill points in little time. At the receiver: every incident told is resolved, each
 * `opened`/`resolved` of an incident arrives under one delivery id only, and reminders are never
 * closer together than half the reminder interval. Same-id duplicates are allowed and printed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { mulberry32 } from '../../src/simulator/prng.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { assertBuilt, cleanEnv } from '../cli/helpers.js';
import { waitFor } from '../support/wait.js';
import { spawnRun, type Spawned } from '../support/daemon.js';

const SEED = Number(process.env.OUTPOST_CRASH_SEED ?? 20261202);
const LANES = Number(process.env.OUTPOST_CRASH_LANES ?? 5);
const KILLS_PER_LANE = Number(process.env.OUTPOST_CRASH_KILLS ?? Math.ceil(55 / LANES));
const REMIND_MS = 1000;

interface Note {
  event: 'incident.opened' | 'incident.reminder' | 'incident.resolved';
  deliveryId: string;
  incident: { id: string; location: string };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Up: the "outpost running" line is out (looked for as text: parsing every log line at each poll would cost more CPU than the daemons). */
const running = (d: Spawned) => waitFor(() => d.stdout().includes('"msg":"outpost running"') || undefined, 'the daemon to start', 20_000, 10);

describe('crash at any instant: the notification journal', () => {
  let hook: Receiver;
  const sims: Simulator[] = [];
  const dirs: string[] = [];
  const children: Spawned[] = [];

  /** Each request parsed once; `answered` read live (a request may still be hanging when first seen). */
  const parsed: { note: Note; lane: number; i: number }[] = [];
  const notes = (lane: number): (Note & { answered: number | null; at: number })[] => {
    for (let i = parsed.length; i < hook.requests.length; i++) {
      const note = JSON.parse(hook.requests[i]!.body) as Note;
      parsed.push({ note, lane: Number(note.incident.location.replace('lane', '')), i });
    }
    return parsed.filter((p) => p.lane === lane).map((p) => ({ ...p.note, answered: hook.requests[p.i]!.answered, at: hook.requests[p.i]!.at }));
  };

  beforeAll(async () => {
    assertBuilt();
    hook = await startReceiver(200);
  });

  afterAll(async () => {
    for (const c of children) c.kill();
    await Promise.all(children.map((c) => c.exited));
    await Promise.all(sims.map((s) => s.close()));
    await hook?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function lane(n: number): Promise<{ kills: string[] }> {
    const rng = mulberry32(SEED + n * 7919);
    const sim = await startSimulator({ port: 0, latencyMs: [0, 0], itemEverySeconds: 1 });
    sims.push(sim);
    const dir = mkdtempSync(join(tmpdir(), `outpost-crash-${n}-`));
    dirs.push(dir);
    const config = join(dir, 'outpost.yaml');
    writeFileSync(
      config,
      `
location: lane${n}
listen: 127.0.0.1:0
stateDir: ${join(dir, 'state')}
logLevel: info
defaults: { interval: 1s, timeout: 900ms, retries: 0, failureThreshold: 1, successThreshold: 1 }
incidents: { groupWait: 0s, remindEvery: ${REMIND_MS}ms }
webhooks:
  - { name: hook, url: "\${HOOK_URL}", timeout: 1s, retries: 10 }
groups:
  threads:
    endpoints:
      web:
        baseUrl: \${SIM_URL}/threads
        account: { username: seller.one, password: th-pass-1 }
        auth: { path: /api/login, token: access_token }
        checks:
          session: { type: session, path: /api/me }
`,
    );
    const start = (): Spawned => {
      const d = spawnRun(config, cleanEnv({ SIM_URL: sim.url, HOOK_URL: hook.url }));
      children.push(d);
      return d;
    };
    const kills: string[] = [];
    for (let k = 0; k < KILLS_PER_LANE; k++) {
      // The incident's life goes on across lives: failing until it was told and reminded, then healthy until resolved.
      const told = notes(n).filter((x) => x.answered === 200);
      const last = told.at(-1);
      const reminded = last?.event === 'incident.reminder';
      let phase: Note['event'];
      if (last && last.event !== 'incident.resolved' && reminded) {
        sim.clearFaults();
        phase = 'incident.resolved';
      } else if (!last || last.event === 'incident.resolved') {
        sim.setFaults('threads', [{ type: 'http_5xx' }]);
        phase = 'incident.opened';
      } else phase = 'incident.reminder';
      const seen = notes(n).length;
      const known = new Set(notes(n).map((x) => x.deliveryId));
      const t0 = Date.now();
      const d = start();
      let how: string;
      const r = rng();
      if (r < 0.15) {
        // During start-up (restoring, re-sending) or early in the life.
        const ms = Math.floor(rng() * 1500);
        await sleep(ms);
        how = `${ms} ms after spawn`;
      } else {
        await running(d);
        if (r < 0.3) {
          // A random instant of the life.
          const ms = Math.floor(rng() * 1500);
          await sleep(ms);
          how = `${ms} ms after start`;
        } else {
          // Right after (or during) the delivery of the phase's next new notification (not a re-sent one).
          const delay = Math.floor(rng() * 40);
          const next = await waitFor(() => notes(n).slice(seen).find((x) => !known.has(x.deliveryId) && x.event === phase), `lane${n}: ${phase}`, 4000, 5).catch(() => undefined);
          await sleep(delay);
          how = `${delay} ms after ${next?.event ?? 'nothing'}`;
        }
      }
      d.kill();
      await d.exited;
      if (process.env.OUTPOST_CRASH_DEBUG) console.log(d.stdout().slice(-3000), d.stderr());
      kills.push(`${how} (life ${Date.now() - t0} ms)`);
    }
    // Settle: healthy target, one last clean life until every told incident is resolved.
    sim.clearFaults();
    const d = start();
    await waitFor(
      () => {
        const all = notes(n).filter((x) => x.answered === 200);
        const opened = new Set(all.filter((x) => x.event === 'incident.opened').map((x) => x.incident.id));
        const resolved = new Set(all.filter((x) => x.event === 'incident.resolved').map((x) => x.incident.id));
        return [...opened].every((id) => resolved.has(id)) || undefined;
      },
      `lane${n}: every incident resolved`,
      20_000,
      50,
    ).catch(() => undefined);
    await sleep(400);
    d.child.kill('SIGTERM');
    await d.exited;
    return { kills };
  }

  it(`kills the daemon at ${LANES * KILLS_PER_LANE} seeded instants: nothing lost, no duplicate under a new id`, async () => {
    const results = await Promise.all(Array.from({ length: LANES }, (_, i) => lane(i)));
    const kills = results.flatMap((r) => r.kills);
    if (!process.env.OUTPOST_CRASH_KILLS) expect(kills.length).toBeGreaterThanOrEqual(50);

    const report: string[] = [];
    let sameIdDuplicates = 0;
    for (let n = 0; n < LANES; n++) {
      const all = notes(n);
      const delivered = all.filter((x) => x.answered !== null && x.answered >= 200 && x.answered < 300);
      // Every notification attempted was delivered in the end (the receiver always says 200).
      const ids = new Set(all.map((x) => x.deliveryId));
      const deliveredIds = new Set(delivered.map((x) => x.deliveryId));
      expect([...ids].filter((id) => !deliveredIds.has(id)), `lane${n}: attempted, never delivered`).toEqual([]);
      // Same id twice: allowed (at least once), counted.
      const byId = new Map<string, number>();
      for (const x of delivered) byId.set(x.deliveryId, (byId.get(x.deliveryId) ?? 0) + 1);
      for (const [id, c] of byId) if (c > 1) {
        sameIdDuplicates += c - 1;
        const x = delivered.find((y) => y.deliveryId === id)!;
        report.push(`lane${n} ${x.event} ${x.incident.id} delivery ${id} ×${c}`);
      }
      // One delivery id per opened and per resolved of an incident.
      const incidents = new Set(delivered.map((x) => x.incident.id));
      for (const inc of incidents) {
        const mine = delivered.filter((x) => x.incident.id === inc);
        for (const ev of ['incident.opened', 'incident.resolved'] as const) {
          const distinct = new Set(mine.filter((x) => x.event === ev).map((x) => x.deliveryId));
          expect(distinct.size, `lane${n} ${inc}: ${ev} delivered under ${distinct.size} ids`).toBe(1);
        }
        // Reminders: a new id means a new reminder, at most one per reminder interval the incident was open.
        const reminders = new Set(mine.filter((x) => x.event === 'incident.reminder').map((x) => x.deliveryId)).size;
        const openMs = Math.max(...mine.map((x) => x.at)) - Math.min(...mine.map((x) => x.at));
        expect(reminders, `lane${n} ${inc}: reminders`).toBeLessThanOrEqual(Math.ceil(openMs / REMIND_MS) + 1);
      }
      report.push(`lane${n}: ${incidents.size} incidents, ${delivered.length} deliveries`);
    }
    console.log(`crash-journal seed ${SEED}: ${kills.length} kills; ${sameIdDuplicates} same-id duplicates\n  ${report.join('\n  ')}\n  ${kills.join('\n  ')}`);
  }, 90_000);
});
