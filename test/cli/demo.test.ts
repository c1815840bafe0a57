/**
 * `outpost demo`, the README's main command, end to end: the simulator replays 5 March (sped up),
 * the daemon names each failure, one page opens and resolves, and the demo exits 0 by itself.
 */
import { describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { assertBuilt, cleanEnv, runCli } from './helpers.js';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe('outpost demo', () => {
  it('shows the outage detected, paged once and resolved, then stops after --duration', async () => {
    assertBuilt();
    const [sim, sink, listen] = [await freePort(), await freePort(), await freePort()];
    const env = cleanEnv({ OUTPOST_SIM_PORT: String(sim), OUTPOST_SINK_PORT: String(sink), OUTPOST_LISTEN: `127.0.0.1:${listen}` });
    // Speed 8: the outage at 5 s, Facebook back at 25 s.
    const r = await runCli(['demo', '--duration', '42', '--speed', '8'], { env, timeoutMs: 80_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = r.stdout;
    expect(out).toContain(`Status page      http://127.0.0.1:${listen}/`);
    expect(out).toMatch(/CHECK +FAIL facebook\/web\/\w+ +forced_logout/);
    expect(out).toMatch(/CHECK +DOWN facebook\/web\/\w+ +login_rejected/);
    expect(out).toMatch(/CHECK +DOWN instagram\/mobile-api\/feed +feed_stale/);
    expect(out).toMatch(/CHECK +DOWN threads\/web\/feed +error_page/);
    expect(out).toMatch(/WEBHOOK +incident\.opened \(multi_platform\) 3 platforms down at once.*\[signature ok\]/);
    expect(out).toMatch(/WEBHOOK +incident\.resolved \(multi_platform\).*; cost ≈ \$[\d,]+/);
    // config/demo.yaml prices the platforms; the replay is counted in 5 March time (about 2 h of Facebook at $1,200/min).
    const cost = Number(/The 5 March replay cost ≈ \$([\d,]+)/.exec(out)?.[1]?.replace(/,/g, ''));
    expect(cost).toBeGreaterThan(100_000);
    expect(cost).toBeLessThan(400_000);
    expect(out.match(/WEBHOOK +incident\.opened/g)).toHaveLength(1);
    expect(out).toContain('Demo over: 2 notifications received (1 opened, 1 resolved).');
  }, 90_000);
});
