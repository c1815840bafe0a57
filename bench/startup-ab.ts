/**
 * Start-up A/B: `node dist-bench/bench/startup-ab.js [--runs=N] ENTRY...` starts each entry
 * (`dist/bundle/outpost.cjs`, `dist/cli.js`, another build of the CLI) `run` with the benchmark's
 * one-check config, interleaved (A B A B …) so that a busy machine weighs on all of them alike,
 * and prints per entry the median start → first completed run and the median CPU time of the
 * process by then (utime + stime, /proc). Entries are not built here.
 */
import { startTarget } from './lib/target.js';
import { measureStartup } from './lib/startup.js';
import { quantile } from './lib/stats.js';

const args = process.argv.slice(2);
const runs = Number(args.find((a) => a.startsWith('--runs='))?.slice('--runs='.length) ?? 9);
const entries = args.filter((a) => !a.startsWith('--'));
if (entries.length === 0 || !(runs > 0)) {
  process.stderr.write('usage: node dist-bench/bench/startup-ab.js [--runs=N] ENTRY...\n');
  process.exit(2);
}

const target = await startTarget();
const origin = new URL(target.url).origin;
const results = new Map(entries.map((e) => [e, { ms: [] as number[], cpu: [] as number[] }]));
try {
  for (let i = 0; i < runs; i++) {
    for (const entry of entries) {
      const r = await measureStartup(entry, origin);
      const into = results.get(entry)!;
      into.ms.push(r.ms);
      if (r.cpuMs !== undefined) into.cpu.push(r.cpuMs);
    }
  }
} finally {
  target.close();
}
const median = (xs: number[]): string => (xs.length ? String(Math.round(quantile([...xs].sort((a, b) => a - b), 0.5))) : '-');
for (const [entry, r] of results) {
  const sorted = [...r.ms].sort((a, b) => a - b).map(Math.round);
  process.stdout.write(`${entry}: start → first run median ${median(r.ms)} ms (${sorted.join(' ')}), CPU median ${median(r.cpu)} ms\n`);
}
