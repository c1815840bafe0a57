import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commandWorks, field, filesUnder, loadYaml, repoPath, REPO_ROOT, type Obj } from './helpers.js';

const COMPOSE_DIR = repoPath('deploy', 'compose');
const compose = loadYaml(join(COMPOSE_DIR, 'docker-compose.yml')) as Obj;
const services = compose.services as Record<string, Obj>;
const RULES_FILE = repoPath('config', 'prometheus', 'outpost.rules.yml');
const temps: string[] = [];
afterAll(() => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

interface Mount {
  service: string;
  source: string;
  target: string;
  readOnly: boolean;
  bind: boolean;
}

/** Every volume of every service, short (`src:dst[:ro]`) or long syntax. */
function mounts(): Mount[] {
  return Object.entries(services).flatMap(([service, def]) =>
    ((def.volumes as unknown[]) ?? []).map((v): Mount => {
      if (typeof v === 'string') {
        const [source = '', target = '', mode = ''] = v.split(':');
        return { service, source, target, readOnly: mode.split(',').includes('ro'), bind: /^[./~]/.test(source) };
      }
      const o = v as Obj;
      return { service, source: String(o.source), target: String(o.target), readOnly: o.read_only === true, bind: o.type === 'bind' };
    }),
  );
}

function mountOf(service: string, target: string): Mount | undefined {
  return mounts().find((m) => m.service === service && m.target === target);
}

describe('deploy/compose/docker-compose.yml', () => {
  it('runs outpost, the simulator, Prometheus, Alertmanager and Grafana', () => {
    expect(Object.keys(services).sort()).toEqual(['alertmanager', 'grafana', 'outpost', 'prometheus', 'simulator']);
  });

  it('builds outpost and the simulator from the repository Dockerfile, as one image', () => {
    for (const name of ['outpost', 'simulator']) {
      const build = services[name]!.build as Obj;
      expect(resolve(COMPOSE_DIR, String(build.context))).toBe(REPO_ROOT);
      expect(existsSync(join(REPO_ROOT, String(build.dockerfile ?? 'Dockerfile')))).toBe(true);
    }
    expect(services.outpost!.image).toBe(services.simulator!.image);
  });

  it('starts the simulator replaying 5 March in a loop', () => {
    expect(services.simulator!.command).toEqual(['simulate', '--host', '0.0.0.0', '--port', '9470', '--scenario', 'march-5', '--loop']);
  });

  it('runs outpost hardened: read-only root, /tmp tmpfs, no capabilities, config mounted read-only', () => {
    const outpost = services.outpost!;
    expect(outpost.read_only).toBe(true);
    expect(outpost.tmpfs).toContain('/tmp');
    expect(outpost.cap_drop).toEqual(['ALL']);
    expect(outpost.security_opt).toContain('no-new-privileges:true');
    const config = mountOf('outpost', '/etc/outpost/outpost.yaml');
    expect(config?.source).toBe('./outpost.yaml');
    expect(config?.readOnly).toBe(true);
    expect(mountOf('outpost', '/var/lib/outpost')?.bind).toBe(false);
    expect(outpost.ports).toContain('9464:9464');
  });

  it('mounts only paths that exist in the repository, and declares its named volumes', () => {
    const named = Object.keys((compose.volumes as Obj | undefined) ?? {});
    for (const m of mounts()) {
      if (m.bind) {
        const source = resolve(COMPOSE_DIR, m.source);
        expect(existsSync(source), `${m.service}: ${m.source}`).toBe(true);
      } else {
        expect(named, `${m.service}: volume ${m.source}`).toContain(m.source);
      }
    }
  });

  it('pins every third-party image by exact version', () => {
    for (const [name, def] of Object.entries(services)) {
      if (def.build) continue;
      expect(String(def.image), name).toMatch(/^[\w./-]+:v?\d+\.\d+\.\d+$/);
    }
  });

  it('gives Prometheus the outpost rules where its config looks for them', () => {
    const rules = mountOf('prometheus', '/etc/prometheus/rules/outpost.rules.yml');
    expect(rules && resolve(COMPOSE_DIR, rules.source)).toBe(RULES_FILE);
    const configMount = mountOf('prometheus', '/etc/prometheus/prometheus.yml')!;
    const prometheus = loadYaml(resolve(COMPOSE_DIR, configMount.source)) as Obj;
    const patterns = (prometheus.rule_files as string[]).map((p) => posix.join('/etc/prometheus', p));
    const glob = (p: string) => new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
    expect(patterns.some((p) => glob(p).test('/etc/prometheus/rules/outpost.rules.yml'))).toBe(true);
    const jobs = prometheus.scrape_configs as Obj[];
    const outpostJob = jobs.find((j) => j.job_name === 'outpost');
    expect(field(outpostJob, 'static_configs')).toEqual([{ targets: ['outpost:9464'] }]);
    const am = field(prometheus, 'alerting.alertmanagers') as Obj[];
    expect(JSON.stringify(am)).toContain('alertmanager:9093');
  });

  it.skipIf(!commandWorks('promtool', ['--version']) || !existsSync(RULES_FILE))('passes promtool check config with the rules in place', () => {
    const dir = mkdtempSync(join(tmpdir(), 'outpost-prom-'));
    temps.push(dir);
    mkdirSync(join(dir, 'rules'));
    copyFileSync(join(COMPOSE_DIR, 'prometheus.yml'), join(dir, 'prometheus.yml'));
    copyFileSync(RULES_FILE, join(dir, 'rules', basename(RULES_FILE)));
    const result = spawnSync('promtool', ['check', 'config', join(dir, 'prometheus.yml')], { encoding: 'utf8', timeout: 60_000 });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout + result.stderr).toMatch(/outpost\.rules\.yml[\s\S]*SUCCESS: \d+ rules found/);
  });

  it.skipIf(!commandWorks('amtool', ['--version']))('has an Alertmanager config that amtool accepts', () => {
    const source = resolve(COMPOSE_DIR, mountOf('alertmanager', '/etc/alertmanager/alertmanager.yml')!.source);
    const result = spawnSync('amtool', ['check-config', source], { encoding: 'utf8', timeout: 60_000 });
    expect(result.status, result.stdout + result.stderr).toBe(0);
  });

  it('mounts the dashboards where the provisioned provider reads them, next to a data source on prometheus:9090', () => {
    const providerFiles = filesUnder(repoPath('dashboards', 'provisioning', 'dashboards'), /\.ya?ml$/);
    const datasourceFiles = filesUnder(repoPath('dashboards', 'provisioning', 'datasources'), /\.ya?ml$/);
    expect(providerFiles.length).toBeGreaterThan(0);
    expect(datasourceFiles.length).toBeGreaterThan(0);
    const grafanaMounts = mounts().filter((m) => m.service === 'grafana' && m.bind);
    const mountedAt = (file: string) =>
      grafanaMounts
        .map((m) => ({ m, source: resolve(COMPOSE_DIR, m.source) }))
        .filter(({ source }) => file === source || file.startsWith(`${source}/`))
        .map(({ m, source }) => posix.join(m.target, file.slice(source.length).split('\\').join('/')));
    for (const file of providerFiles) {
      expect(mountedAt(file).some((p) => p.startsWith('/etc/grafana/provisioning/dashboards/')), file).toBe(true);
      for (const provider of (loadYaml(file) as Obj).providers as Obj[]) {
        const path = String(field(provider, 'options.path'));
        const dashboards = filesUnder(repoPath('dashboards'), /\.json$/).filter((f) => dirname(f) === repoPath('dashboards'));
        expect(dashboards.length).toBeGreaterThan(0);
        for (const json of dashboards) expect(mountedAt(json), json).toContain(posix.join(path, basename(json)));
      }
    }
    for (const file of datasourceFiles) {
      expect(mountedAt(file).some((p) => p.startsWith('/etc/grafana/provisioning/datasources/')), file).toBe(true);
      const urls = ((loadYaml(file) as Obj).datasources as Obj[]).filter((d) => d.type === 'prometheus').map((d) => d.url);
      expect(urls).toContain('http://prometheus:9090');
    }
  });
});

describe('deploy/compose/outpost.yaml', () => {
  const config = loadYaml(join(COMPOSE_DIR, 'outpost.yaml')) as Obj;
  const port = (services.simulator!.command as string[])[(services.simulator!.command as string[]).indexOf('--port') + 1];

  it('listens where the image health check and Prometheus look, and probes the simulator service', () => {
    expect(config.listen).toBe('0.0.0.0:9464');
    const groups = config.groups as Record<string, Obj>;
    const urls = Object.values(groups).flatMap((g) => Object.values(g.endpoints as Record<string, Obj>).map((e) => new URL(String(e.baseUrl))));
    expect(urls.length).toBeGreaterThan(0);
    for (const url of urls) {
      expect(url.hostname).toBe('simulator');
      expect(url.port).toBe(port);
    }
  });

  it('takes every ${VAR} it references from the compose environment, not from the file', () => {
    const text = JSON.stringify(config);
    const refs = [...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(0);
    const env = services.outpost!.environment as Obj;
    for (const ref of refs) expect(Object.keys(env), ref).toContain(ref);
    expect(text).not.toMatch(/"password":"(?!\$\{)/);
  });

  it.skipIf(!existsSync(repoPath('dist', 'cli.js')))('is a valid Outpost config (outpost validate)', () => {
    const result = spawnSync(process.execPath, ['dist/cli.js', 'validate', '--config', 'deploy/compose/outpost.yaml'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 60_000,
      env: { PATH: process.env.PATH ?? '', FB_PASSWORD: 'example-password' },
    });
    expect(result.status, result.stdout + result.stderr).toBe(0);
  });
});

