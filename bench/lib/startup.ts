/**
 * Start-up: spawn `node <cli> run` (the bench passes the shipped dist/bundle/outpost.cjs) with a
 * one-check config and time process start → the first completed run, seen as
 * `outpost_check_runs_total{…} 1` on /metrics (polled every 5 ms).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { cpuMsOf } from './proc.js';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * `cpuMs`: the child's utime + stime (all its threads) when its first run showed, from /proc
 * (Linux only): steadier than the wall-clock figure on a busy machine.
 */
export async function measureStartup(cli: string, targetOrigin: string): Promise<{ ms: number; processReadyMs?: number; cpuMs?: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-bench-start-'));
  const port = await freePort();
  const configPath = join(dir, 'outpost.yaml');
  writeFileSync(
    configPath,
    [
      'location: bench',
      `listen: 127.0.0.1:${port}`,
      `stateDir: ${join(dir, 'state')}`,
      'logLevel: warn',
      'groups:',
      '  bench:',
      '    endpoints:',
      '      target:',
      `        baseUrl: ${targetOrigin}`,
      '        checks:',
      '          data: { type: http, path: /data, interval: 1s, timeout: 1s }',
      '',
    ].join('\n'),
  );
  const t0 = performance.now();
  const child = spawn(process.execPath, [cli, 'run', '--config', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  try {
    let processReadyMs: number | undefined;
    while (performance.now() - t0 < 15_000) {
      if (child.exitCode !== null) throw new Error(`outpost run exited (${child.exitCode}): ${stderr}`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/metrics`);
        const text = await res.text();
        processReadyMs ??= performance.now() - t0;
        if (/^outpost_check_runs_total\{[^}]*result="(success|failure)"[^}]*\} [1-9]/m.test(text)) {
          const ms = performance.now() - t0;
          let cpuMs: number | undefined;
          try {
            cpuMs = cpuMsOf(child.pid!);
          } catch {
            /* no /proc */
          }
          return { ms, processReadyMs, cpuMs };
        }
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error('no completed run within 15 s');
  } finally {
    child.kill('SIGKILL');
  }
}
