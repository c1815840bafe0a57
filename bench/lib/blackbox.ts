/**
 * prometheus-blackbox-exporter beside Outpost: started with a one-module config on 127.0.0.1 and
 * driven through /probe at a given rate and concurrency; its CPU is read from /proc/PID/stat.
 */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { cpuMsOf } from './proc.js';
import { pace } from './pace.js';

/** The exporter binary, from the Debian package's file list; undefined when not installed. */
export function findBlackbox(): string | undefined {
  const candidates = ['/usr/bin/prometheus-blackbox-exporter', '/usr/bin/blackbox_exporter'];
  try {
    const listed = execFileSync('dpkg', ['-L', 'prometheus-blackbox-exporter'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .split('\n')
      .filter((p) => /\/bin\/[^/]*blackbox[^/]*$/.test(p));
    candidates.unshift(...listed);
  } catch {
    /* not a Debian system, or the package is absent */
  }
  return candidates.find((p) => existsSync(p));
}

export interface BlackboxRun {
  done: number;
  errors: number;
  cpuMs: number;
  elapsedMs: number;
  firstError?: string;
}

export async function runBlackbox(bin: string, o: { target: string; rate: number; concurrency: number; total: number; warmup: number; maxMs: number }): Promise<BlackboxRun> {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-bench-bbe-'));
  const cfg = join(dir, 'blackbox.yml');
  writeFileSync(cfg, 'modules:\n  http_2xx:\n    prober: http\n    timeout: 5s\n    http:\n      preferred_ip_protocol: ip4\n      ip_protocol_fallback: false\n');
  const port = 20000 + Math.floor(Math.random() * 20000);
  const proc = spawn(bin, [`--config.file=${cfg}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=error'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const agent = new Agent({ connections: o.concurrency, pipelining: 1 });
  const probeUrl = `http://127.0.0.1:${port}/probe?module=http_2xx&target=${encodeURIComponent(o.target)}`;
  const one = async () => {
    const res = await request(probeUrl, { dispatcher: agent });
    const text = await res.body.text();
    if (res.statusCode !== 200 || !/^probe_success 1$/m.test(text)) throw new Error(`probe failed: ${res.statusCode}`);
  };
  try {
    const t0 = performance.now();
    for (;;) {
      try {
        await one();
        break;
      } catch (err) {
        if (proc.exitCode !== null || performance.now() - t0 > 10_000) throw new Error(`blackbox_exporter did not start: ${stderr || (err as Error).message}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await pace({ rate: o.rate, concurrency: o.concurrency, total: o.warmup, maxMs: o.maxMs, one });
    const cpu0 = cpuMsOf(proc.pid!);
    const r = await pace({ rate: o.rate, concurrency: o.concurrency, total: o.total, maxMs: o.maxMs, one });
    return { ...r, cpuMs: cpuMsOf(proc.pid!) - cpu0 };
  } finally {
    proc.kill('SIGKILL');
    await agent.close().catch(() => undefined);
  }
}
