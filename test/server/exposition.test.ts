/**
 * /metrics negotiated like an exporter's: the classic text by default, OpenMetrics 1.0.0 (ending
 * with `# EOF`) to Prometheus's Accept header, gzip to Accept-Encoding: gzip. Both formats pass
 * `promtool check metrics` and a second, strict parser (the Python prometheus_client's parsers,
 * Debian package python3-prometheus-client).
 */
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { negotiateFormat, wantsGzip } from '../../src/server/negotiate.js';
import { checkLabels, startOutpost, stopOutposts, type Outpost } from '../journey/daemon-harness.js';
import { closeTargets, reply, startTarget } from '../support/targets.js';
import { PROMETHEUS_BIN, startPrometheus } from '../support/promstack.js';
import { waitFor } from '../support/wait.js';

/** What Prometheus 2.x sends when scraping (scrape.go's acceptHeader). */
const PROMETHEUS_ACCEPT = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

function get(url: string, headers: Record<string, string>): Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(parts) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** The Debian package's interpreter first: a pyenv or venv python3 on PATH does not see it. */
const PYTHON = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import prometheus_client']).status === 0);
const python = { error: PYTHON ? undefined : new Error('no python3 with prometheus_client'), status: 0 };
const hasPython = !python.error && python.status === 0;
const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
const hasPromtool = !promtool.error && promtool.status === 0;

/** The strict Python parser of a format: the family names it read, or its error. */
function pythonParse(text: string, format: 'prometheus' | 'openmetrics'): { ok: boolean; out: string } {
  const parser = format === 'openmetrics' ? 'prometheus_client.openmetrics.parser' : 'prometheus_client.parser';
  const code = `import sys\nfrom ${parser} import text_string_to_metric_families as p\nfor f in p(sys.stdin.read()):\n  print(f.name, f.type, len(f.samples))`;
  const r = spawnSync(PYTHON!, ['-c', code], { input: text, encoding: 'utf8', timeout: 30_000 });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

/**
 * promtool's complaints about our series (prom-client's nodejs_active_*_total gauges aside).
 * promtool 2.x lints with the classic parser only: in OpenMetrics a counter family is named
 * without `_total` (`# HELP outpost_check_runs …`) while its samples keep it, so it reports
 * `outpost_check_runs_total no help text`; those lines are dropped when that HELP is there.
 */
function promtoolProblems(text: string): string[] {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 20_000 });
  return `${r.stdout}\n${r.stderr}`
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^nodejs_active_\w+_total\b/.test(l))
    .filter((l) => {
      const m = /^(\w+)_total no help text$/.exec(l);
      return !(m && text.includes(`\n# HELP ${m[1]} `) && text.includes(`\n# TYPE ${m[1]} counter\n`));
    });
}

describe('negotiation', () => {
  it('OpenMetrics only when preferred, the classic text otherwise', () => {
    expect(negotiateFormat(undefined)).toBe('prometheus');
    expect(negotiateFormat('*/*')).toBe('prometheus');
    expect(negotiateFormat('text/plain;version=0.0.4')).toBe('prometheus');
    expect(negotiateFormat(PROMETHEUS_ACCEPT)).toBe('openmetrics');
    expect(negotiateFormat('application/openmetrics-text')).toBe('openmetrics');
    expect(negotiateFormat('application/openmetrics-text; version="1.0.0"; q=0.9, text/plain; q=1')).toBe('prometheus');
    expect(negotiateFormat('application/openmetrics-text;version=2.0.0')).toBe('prometheus');
    expect(negotiateFormat('application/openmetrics-text;q=0')).toBe('prometheus');
  });

  it('gzip when asked and not refused', () => {
    expect(wantsGzip(undefined)).toBe(false);
    expect(wantsGzip('gzip')).toBe(true);
    expect(wantsGzip('br, gzip;q=0.5')).toBe(true);
    expect(wantsGzip('gzip;q=0')).toBe(false);
    expect(wantsGzip('identity')).toBe(false);
    expect(wantsGzip('*')).toBe(true);
    expect(wantsGzip('*, gzip;q=0')).toBe(false);
  });
});

describe('/metrics of a running daemon', () => {
  let o: Outpost;
  let url: string;
  beforeAll(async () => {
    const t = await startTarget({ routes: { '/ok': reply.json(200, { ok: true }), '/bad': reply.json(503, { error: 'down' }) } });
    o = await startOutpost({
      endpoints: {
        ep: {
          baseUrl: t.url,
          checks: {
            ok: { type: 'http', path: '/ok' },
            // Full detail and a failure: histogram, phases and a failures_total{reason} series are exercised too.
            bad: { type: 'http', path: '/bad', metrics: { detail: 'full' } },
          },
        },
      },
    });
    await o.run('ok');
    await o.run('bad');
    url = `${o.daemon.server.url}/metrics`;
  });
  afterAll(async () => {
    await stopOutposts();
    await closeTargets();
  });

  it('classic text by default, gzip when asked: the same series', async () => {
    const plain = await get(url, {});
    expect(plain.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(plain.headers['content-encoding']).toBeUndefined();
    const zipped = await get(url, { 'accept-encoding': 'gzip, deflate' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toBe('Accept, Accept-Encoding');
    const text = gunzipSync(zipped.body).toString('utf8');
    expect(zipped.body.length).toBeLessThan(text.length / 3);
    const checkLines = (t: string) => t.split('\n').filter((l) => l.startsWith('outpost_check_'));
    expect(checkLines(text)).toEqual(checkLines(plain.body.toString('utf8')));
    expect(text).toContain(`outpost_check_runs_total{${Object.entries(checkLabels('bad')).map(([k, v]) => `${k}="${v}"`).join(',')},result="failure"} 1`);
  });

  it('OpenMetrics to Prometheus\'s Accept header (gzipped too), ending with # EOF', async () => {
    const r = await get(url, { accept: PROMETHEUS_ACCEPT, 'accept-encoding': 'gzip' });
    expect(r.headers['content-type']).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    const text = gunzipSync(r.body).toString('utf8');
    expect(text.endsWith('\n# EOF\n')).toBe(true);
    expect(text.split('\n').slice(0, -1)).not.toContain('');
    expect(text).toContain('# TYPE outpost_check_runs counter\n');
    expect(text).toContain('# TYPE outpost_check_duration_seconds histogram\n');
    expect(text).toMatch(/\noutpost_check_runs_total\{[^}]*check="bad"[^}]*result="failure"\} 1\n/);
  });

  describe.skipIf(!hasPromtool)('promtool check metrics (Debian package prometheus)', () => {
    for (const accept of [undefined, PROMETHEUS_ACCEPT]) {
      it(`${accept ? 'OpenMetrics' : 'classic'}: nothing about our series`, async () => {
        const text = (await get(url, accept ? { accept } : {})).body.toString('utf8');
        expect(promtoolProblems(text)).toEqual([]);
      });
    }
  });

  describe.skipIf(!hasPython)('a second parser: the Python prometheus_client (Debian package python3-prometheus-client)', () => {
    it('parses the classic text', async () => {
      const r = pythonParse((await get(url, {})).body.toString('utf8'), 'prometheus');
      expect(r.ok, r.out).toBe(true);
      expect(r.out).toMatch(/^outpost_check_runs counter 4$/m);
    });
    it('parses the OpenMetrics text (strict: # EOF, counter names, histogram buckets)', async () => {
      const r = pythonParse((await get(url, { accept: PROMETHEUS_ACCEPT })).body.toString('utf8'), 'openmetrics');
      expect(r.ok, r.out).toBe(true);
      expect(r.out).toMatch(/^outpost_check_runs counter 4$/m);
      expect(r.out).toMatch(/^outpost_check_duration_seconds histogram 12$/m);
    });
    it('would catch a broken exposition', () => {
      expect(pythonParse('# TYPE x counter\nx_total 1\n', 'openmetrics').ok).toBe(false);
    });
  });

  it.skipIf(!PROMETHEUS_BIN)('a real Prometheus scrapes it (it asks for OpenMetrics and gzip) and reads every series', async () => {
    const prom = await startPrometheus({ scrapeTargets: [new URL(url).host] });
    try {
      const bad = Object.entries(checkLabels('bad')).map(([k, v]) => `${k}="${v}"`).join(',');
      const got = await waitFor(async () => (await prom.query(`outpost_check_runs_total{${bad},result="failure"}`))[0], `the counter in Prometheus\n${prom.output()}`, 20_000);
      expect(got.value[1]).toBe('1');
      const buckets = await prom.query(`count(outpost_check_duration_seconds_bucket{${bad}})`);
      expect(buckets[0]?.value[1]).toBe('10');
      expect((await prom.query('up{job="outpost"}'))[0]?.value[1]).toBe('1');
    } finally {
      await prom.stop();
    }
  });
});
