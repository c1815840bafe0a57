/**
 * The floor: a bare undici request loop in its own process — same target, a fresh connection per
 * request (`reset: true` on a shared Agent), the JSON body parsed, no scheduling and no metrics.
 * Forked by bench/run.ts; reads {url, rate, concurrency, total, warmup, maxMs} from argv[2] and
 * reports {done, errors, cpuMs, elapsedMs} over IPC, CPU from /proc/self/stat.
 */
import { Agent, Client, request } from 'undici';
import { cpuMsOf } from './lib/proc.js';
import { pace } from './lib/pace.js';

interface Args {
  url: string;
  rate: number;
  concurrency: number;
  total: number;
  warmup: number;
  maxMs: number;
  /** agent: shared Agent, reset: true (the floor); client: a new Client per request. */
  variant?: 'agent' | 'client';
}

const args = JSON.parse(process.argv[2]!) as Args;
const url = new URL(args.url);
const agent = new Agent({ pipelining: 0 });

async function one(): Promise<void> {
  if (args.variant === 'client') {
    const client = new Client(url.origin, { pipelining: 0 });
    try {
      const res = await client.request({ path: url.pathname, method: 'GET', reset: true });
      JSON.parse(await res.body.text());
      if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
    } finally {
      client.destroy().catch(() => undefined);
    }
    return;
  }
  const res = await request(url, { dispatcher: agent, reset: true });
  JSON.parse(await res.body.text());
  if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
}

const warm = await pace({ rate: args.rate, concurrency: args.concurrency, total: args.warmup, maxMs: args.maxMs, one });
const cpu0 = cpuMsOf('self');
const r = await pace({ rate: args.rate, concurrency: args.concurrency, total: args.total, maxMs: args.maxMs, one });
const cpuMs = cpuMsOf('self') - cpu0;
process.send?.({ ...r, cpuMs, warmupErrors: warm.errors }, () => process.exit(0));
