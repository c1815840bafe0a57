/** Benchmark configurations: N `http` checks against the target, as a YAML text for parseConfigText. */

export interface BenchConfig {
  targetUrl: string;
  checks: number;
  interval: string;
  timeout: string;
  concurrency: number;
  /** Checks per endpoint (endpoints are spread over groups of 100 endpoints). */
  perEndpoint?: number;
  listen?: string;
  stateDir: string;
}

export function benchConfigText(c: BenchConfig): string {
  const perEndpoint = c.perEndpoint ?? 100;
  const lines = [
    'location: bench',
    `listen: ${c.listen ?? '127.0.0.1:0'}`,
    `stateDir: ${c.stateDir}`,
    'logLevel: info',
    `scheduler: { concurrency: ${c.concurrency} }`,
    `defaults: { interval: ${c.interval}, timeout: ${c.timeout}, retries: 0, failureThreshold: 1 }`,
    'groups:',
  ];
  const endpoints = Math.ceil(c.checks / perEndpoint);
  let made = 0;
  for (let e = 0; e < endpoints; e++) {
    if (e % 100 === 0) lines.push(`  g${e / 100}:`, '    endpoints:');
    lines.push(`      e${e}:`, `        baseUrl: ${c.targetUrl}`, '        checks:');
    for (let k = 0; k < perEndpoint && made < c.checks; k++, made++) {
      lines.push(`          c${k}: { type: http, path: /data, expect: { status: [200], json: [{ path: status, equals: ok }] } }`);
    }
  }
  return lines.join('\n') + '\n';
}
