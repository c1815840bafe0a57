import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { parseShard } from '../../src/schedule/shard.js';
import { commandWorks, field, filesUnder, isObj, loadYaml, loadYamlDocuments, repoPath, REPO_ROOT, type Obj } from './helpers.js';

const K8S = repoPath('deploy', 'kubernetes');
const BASE = join(K8S, 'base');
const RULES = join(K8S, 'rules');
const OVERLAYS = ['eu-west', 'us-east'].map((name) => ({ name, dir: join(K8S, 'overlays', name) }));
const RULES_FILE = repoPath('config', 'prometheus', 'outpost.rules.yml');

type Kustomization = Obj & {
  resources?: string[];
  patches?: { path?: string; patch?: string }[];
  configMapGenerator?: { name: string; files?: string[] }[];
  secretGenerator?: { name: string; files?: string[] }[];
  configurations?: string[];
  components?: string[];
  nameSuffix?: string;
};

function kustomization(dir: string): Kustomization {
  return loadYaml(join(dir, 'kustomization.yaml')) as Kustomization;
}

/** Manifests listed as resources of a kustomization (files only; folders are other kustomizations). */
function manifestsOf(dir: string): { file: string; doc: Obj }[] {
  return (kustomization(dir).resources ?? [])
    .map((r) => resolve(dir, r))
    .filter((path) => statSync(path).isFile())
    .flatMap((file) => loadYamlDocuments(file).map((doc) => ({ file, doc: doc as Obj })));
}

const baseManifests = manifestsOf(BASE);
function baseObject(kind: string): Obj {
  const found = baseManifests.filter((m) => m.doc.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0]!.doc;
}

const deployment = baseObject('StatefulSet');
const podSpec = field(deployment, 'spec.template.spec') as Obj;
const container = (podSpec.containers as Obj[])[0]!;
const podLabels = field(deployment, 'spec.template.metadata.labels') as Record<string, string>;

function envNames(c: Obj): string[] {
  return ((c.env as Obj[]) ?? []).map((e) => String(e.name));
}

function selects(selector: unknown, labels: Record<string, string>): boolean {
  return isObj(selector) && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);
}

describe('deploy/kubernetes: every YAML file', () => {
  const files = filesUnder(K8S, /\.ya?ml$/);

  it('parses (multi-document aware)', () => {
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) expect(() => loadYamlDocuments(file), relative(REPO_ROOT, file)).not.toThrow();
  });

  it('every resource has apiVersion, kind and metadata.name', () => {
    const dirs = [BASE, RULES, ...OVERLAYS.map((o) => o.dir)];
    const manifests = dirs.flatMap(manifestsOf);
    expect(manifests.length).toBeGreaterThanOrEqual(6);
    for (const { file, doc } of manifests) {
      const where = relative(REPO_ROOT, file);
      expect(typeof doc.apiVersion, where).toBe('string');
      expect(typeof doc.kind, where).toBe('string');
      expect(typeof field(doc, 'metadata.name'), where).toBe('string');
    }
  });

  it('every path a kustomization references exists relative to it', () => {
    for (const file of filesUnder(K8S, /^kustomization\.ya?ml$/)) {
      const dir = dirname(file);
      const k = loadYaml(file) as Kustomization;
      const paths = [
        ...(k.resources ?? []),
        ...(k.components ?? []),
        ...(k.configurations ?? []),
        ...(k.patches ?? []).flatMap((p) => (p.path ? [p.path] : [])),
        ...[...(k.configMapGenerator ?? []), ...(k.secretGenerator ?? [])].flatMap((g) => (g.files ?? []).map((f) => f.replace(/^[^=]+=/, ''))),
      ];
      expect(paths.length, relative(REPO_ROOT, file)).toBeGreaterThan(0);
      for (const path of paths) {
        const target = resolve(dir, path);
        expect(existsSync(target), `${relative(REPO_ROOT, file)}: ${path}`).toBe(true);
        if (statSync(target).isDirectory()) expect(existsSync(join(target, 'kustomization.yaml')), path).toBe(true);
      }
    }
  });

  it('includes the Prometheus Operator objects and the rest of the base', () => {
    expect(baseManifests.map((m) => `${String(m.doc.apiVersion)} ${String(m.doc.kind)}`).sort()).toEqual([
      'apps/v1 StatefulSet',
      'monitoring.coreos.com/v1 ServiceMonitor',
      'networking.k8s.io/v1 NetworkPolicy',
      'policy/v1 PodDisruptionBudget',
      'v1 Secret',
      'v1 Service',
    ]);
    expect(kustomization(BASE).configMapGenerator?.map((g) => g.name)).toEqual(['outpost-config']);
  });
});

describe('deploy/kubernetes/base StatefulSet', () => {
  it('runs one process with the image, the config and the state dir', () => {
    expect(field(deployment, 'spec.replicas')).toBe(1);
    expect(field(deployment, 'spec.strategy')).toBeUndefined();
    expect(field(deployment, 'spec.updateStrategy.type')).toBe('RollingUpdate');
    expect(typeof container.image).toBe('string');
    expect(container.args).toEqual(['run', '--config', '/etc/outpost/outpost.yaml']);
    const env = new Map(((container.env as Obj[]) ?? []).map((e) => [e.name, e.value]));
    expect(env.get('OUTPOST_STATE_DIR')).toBe('/var/lib/outpost');
    expect(envNames(container)).toContain('OUTPOST_LOCATION');
  });

  it('probes liveness on /healthz and readiness on /readyz on the metrics port', () => {
    const port = (container.ports as Obj[]).find((p) => p.name === 'metrics');
    expect(port?.containerPort).toBe(9464);
    expect(field(container, 'livenessProbe.httpGet.path')).toBe('/healthz');
    expect(field(container, 'readinessProbe.httpGet.path')).toBe('/readyz');
    expect(field(container, 'livenessProbe.httpGet.port')).toBe('metrics');
    expect(field(container, 'readinessProbe.httpGet.port')).toBe('metrics');
  });

  it('sets resource requests and limits', () => {
    for (const kind of ['requests', 'limits']) {
      expect(field(container, `resources.${kind}.cpu`), kind).toBeDefined();
      expect(field(container, `resources.${kind}.memory`), kind).toBeDefined();
    }
  });

  it('is locked down: non-root, read-only root, no privilege escalation, no capabilities, RuntimeDefault seccomp', () => {
    const sc = container.securityContext as Obj;
    expect(sc.runAsNonRoot).toBe(true);
    expect(sc.readOnlyRootFilesystem).toBe(true);
    expect(sc.allowPrivilegeEscalation).toBe(false);
    expect(field(sc, 'capabilities.drop')).toEqual(['ALL']);
    expect(field(sc, 'seccompProfile.type') ?? field(podSpec, 'securityContext.seccompProfile.type')).toBe('RuntimeDefault');
    expect(sc.runAsUser ?? field(podSpec, 'securityContext.runAsUser')).not.toBe(0);
    expect(podSpec.automountServiceAccountToken).toBe(false);
  });

  it('writes only to volumes: the state dir on its own volume claim, /tmp an emptyDir, the config read-only', () => {
    const volumes = new Map((podSpec.volumes as Obj[]).map((v) => [v.name, v]));
    const mounts = new Map((container.volumeMounts as Obj[]).map((m) => [m.mountPath, m]));
    // The state directory survives a reschedule: a claim per pod from volumeClaimTemplates, never an emptyDir.
    const stateName = mounts.get('/var/lib/outpost')?.name;
    expect(volumes.has(stateName)).toBe(false);
    const claim = ((field(deployment, 'spec.volumeClaimTemplates') as Obj[]) ?? []).find((t) => field(t, 'metadata.name') === stateName);
    expect(claim, 'a volumeClaimTemplate for the state dir').toBeDefined();
    expect(field(claim!, 'spec.accessModes')).toEqual(['ReadWriteOnce']);
    expect(field(claim!, 'spec.resources.requests.storage')).toMatch(/^\d+[MG]i$/);
    expect(field(deployment, 'spec.persistentVolumeClaimRetentionPolicy.whenDeleted')).toBe('Retain');
    expect(volumes.get(mounts.get('/tmp')?.name)?.emptyDir).toBeDefined();
    const config = mounts.get('/etc/outpost')!;
    expect(config.readOnly).toBe(true);
    const generator = kustomization(BASE).configMapGenerator![0]!;
    expect(field(volumes.get(config.name), 'configMap.name')).toBe(generator.name);
    expect(generator.files).toContain('outpost.yaml');
  });

  it('gets credentials from the Secret and provides every ${VAR} the config references', () => {
    const secret = baseObject('Secret');
    const fromSecret = ((container.envFrom as Obj[]) ?? []).map((e) => field(e, 'secretRef.name'));
    expect(fromSecret).toContain(field(secret, 'metadata.name'));
    const stringData = secret.stringData as Record<string, string>;
    for (const value of Object.values(stringData)) expect(value).toBe('CHANGE_ME');
    const config = readFileSync(join(BASE, 'outpost.yaml'), 'utf8');
    const refs = [...config.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]!);
    expect(refs).toEqual(expect.arrayContaining(['OUTPOST_LOCATION', 'FB_PASSWORD']));
    const provided = [...envNames(container), ...Object.keys(stringData)];
    for (const ref of refs) expect(provided, ref).toContain(ref);
    expect((parse(config) as Obj).listen).toBe('0.0.0.0:9464');
  });

  it('is selected by the Service, the ServiceMonitor (job "outpost") and the PDB', () => {
    const service = baseObject('Service');
    expect(selects(field(deployment, 'spec.selector.matchLabels'), podLabels)).toBe(true);
    expect(selects(field(service, 'spec.selector'), podLabels)).toBe(true);
    expect(selects(field(baseObject('PodDisruptionBudget'), 'spec.selector.matchLabels'), podLabels)).toBe(true);
    const monitor = baseObject('ServiceMonitor');
    const serviceLabels = field(service, 'metadata.labels') as Record<string, string>;
    expect(selects(field(monitor, 'spec.selector.matchLabels'), serviceLabels)).toBe(true);
    expect(serviceLabels[String(field(monitor, 'spec.jobLabel'))]).toBe('outpost');
    const servicePort = (field(service, 'spec.ports') as Obj[])[0]!;
    expect((field(monitor, 'spec.endpoints') as Obj[]).map((e) => e.port)).toEqual([servicePort.name]);
    expect(servicePort.targetPort).toBe('metrics');
  });
});

describe('deploy/kubernetes/rules PrometheusRule (one for all locations)', () => {
  const rules = manifestsOf(RULES);
  const rule = rules[0]!.doc;

  it('is the only object there, and no overlay or the base has one', () => {
    expect(rules.map((m) => m.doc.kind)).toEqual(['PrometheusRule']);
    expect(baseManifests.some((m) => m.doc.kind === 'PrometheusRule')).toBe(false);
    for (const o of OVERLAYS) expect(kustomization(o.dir).resources ?? []).not.toContain('../../rules');
  });

  it('is a monitoring.coreos.com/v1 PrometheusRule with rule groups', () => {
    expect(rule.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(Array.isArray(field(rule, 'spec.groups'))).toBe(true);
  });

  it.skipIf(!existsSync(RULES_FILE))('is in sync with config/prometheus/outpost.rules.yml', () => {
    expect(field(rule, 'spec.groups')).toEqual((parse(readFileSync(RULES_FILE, 'utf8')) as Obj).groups);
    const check = spawnSync(process.execPath, [join(K8S, 'gen-prometheusrule.mjs'), '--check'], { encoding: 'utf8', cwd: REPO_ROOT, timeout: 30_000 });
    expect(check.status, check.stdout + check.stderr).toBe(0);
  });
});

describe('deploy/kubernetes/overlays', () => {
  it('name one location each, with a name suffix', () => {
    const locations = OVERLAYS.map(({ name, dir }) => {
      const k = kustomization(dir);
      expect(k.nameSuffix).toBe(`-${name}`);
      expect(k.resources).toContain('../../base');
      const patches = (k.patches ?? []).flatMap((p) => (p.path ? loadYamlDocuments(join(dir, p.path)) : []));
      const values = patches.flatMap((doc) =>
        ((field(doc, 'spec.template.spec.containers') as Obj[] | undefined) ?? []).flatMap((c) =>
          ((c.env as Obj[]) ?? []).filter((e) => e.name === 'OUTPOST_LOCATION').map((e) => e.value),
        ),
      );
      expect(values).toEqual([name]);
      return name;
    });
    expect(new Set(locations).size).toBe(OVERLAYS.length);
  });

  it('the shard environment that the StatefulSet pods get parses as INDEX/COUNT for every ordinal', () => {
    // Kubernetes expands $(OUTPOST_SHARD_INDEX) from the pod-index label: 0..replicas-1.
    const dir = join(K8S, 'overlays', 'us-east');
    const ops = loadYamlDocuments(join(dir, 'shard.yaml'))[0] as Obj[];
    const shardEnv = ops.map((op) => op.value).find((v) => isObj(v) && v.name === 'OUTPOST_SHARD') as Obj;
    expect(shardEnv).toBeDefined();
    const replicas = (kustomization(dir).replicas as Obj[])[0]!.count as number;
    expect(replicas).toBeGreaterThan(1);
    // The replacement rewrites COUNT (after the "/") from spec.replicas.
    const template = String(shardEnv.value).replace(/\/\d+$/, `/${replicas}`);
    for (let ordinal = 0; ordinal < replicas; ordinal++) {
      expect(parseShard(template.replace('$(OUTPOST_SHARD_INDEX)', String(ordinal)))).toEqual({ index: ordinal, count: replicas });
    }
  });
});

const kustomizeWorks = commandWorks('kubectl', ['kustomize', '--help']);

describe.skipIf(!kustomizeWorks)('kubectl kustomize: the rendered overlays', () => {
  function render(dir: string): Obj[] {
    const result = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8', timeout: 60_000 });
    expect(result.status, result.stderr).toBe(0);
    return parseAllDocuments(result.stdout).map((d) => d.toJS() as Obj);
  }
  const cache = new Map<string, Obj[]>();
  const rendered = {
    get(name: string): Obj[] | undefined {
      const overlay = OVERLAYS.find((o) => o.name === name);
      if (overlay && !cache.has(name)) cache.set(name, render(overlay.dir));
      return cache.get(name);
    },
  };

  it.each(OVERLAYS.map((o) => o.name))('%s: one workload, wired to its own ConfigMap, Secret, Service, monitor and PDB', (name) => {
    const objects = rendered.get(name)!;
    const byKind = (kind: string) => objects.filter((o) => o.kind === kind);
    for (const o of objects) {
      expect(field(o, 'metadata.namespace')).toBe('outpost');
      expect(String(field(o, 'metadata.name'))).toContain(name);
    }
    const workloads = objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');
    expect(workloads.map((o) => o.kind)).toEqual(['StatefulSet']);
    expect(field(workloads[0], 'spec.serviceName')).toBe(field(byKind('Service')[0], 'metadata.name'));
    expect(((field(workloads[0], 'spec.volumeClaimTemplates') as Obj[]) ?? []).map((t) => field(t, 'metadata.name'))).toEqual(['state']);
    expect(workloads).toHaveLength(1);
    const workload = workloads[0]!;
    const spec = field(workload, 'spec.template.spec') as Obj;
    const c = (spec.containers as Obj[])[0]!;
    const labels = field(workload, 'spec.template.metadata.labels') as Record<string, string>;
    expect(labels['app.kubernetes.io/instance']).toBe(`outpost-${name}`);
    expect(c.image).toMatch(/^[\w./-]+\/outpost:\d+\.\d+\.\d+$/);
    expect(((c.env as Obj[]) ?? []).find((e) => e.name === 'OUTPOST_LOCATION')?.value).toBe(name);
    const configMap = byKind('ConfigMap')[0]!;
    expect((spec.volumes as Obj[]).map((v) => field(v, 'configMap.name'))).toContain(field(configMap, 'metadata.name'));
    expect(((c.envFrom as Obj[]) ?? []).map((e) => field(e, 'secretRef.name'))).toEqual([field(byKind('Secret')[0], 'metadata.name')]);
    expect(selects(field(workload, 'spec.selector.matchLabels'), labels)).toBe(true);
    for (const [kind, path] of [['Service', 'spec.selector'], ['PodDisruptionBudget', 'spec.selector.matchLabels']] as const) {
      const selector = field(byKind(kind)[0], path) as Record<string, string>;
      expect(selects(selector, labels), kind).toBe(true);
      expect(selector['app.kubernetes.io/instance'], kind).toBe(`outpost-${name}`);
    }
    const service = byKind('Service')[0]!;
    const monitorSelector = field(byKind('ServiceMonitor')[0], 'spec.selector.matchLabels');
    expect(selects(monitorSelector, field(service, 'metadata.labels') as Record<string, string>)).toBe(true);
    expect((monitorSelector as Record<string, string>)['app.kubernetes.io/instance']).toBe(`outpost-${name}`);
  });

  it('no location selects another location\'s pods', () => {
    const podLabelsOf = (name: string) =>
      field(rendered.get(name)!.find((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet'), 'spec.template.metadata.labels') as Record<string, string>;
    for (const a of OVERLAYS) {
      for (const b of OVERLAYS) {
        if (a === b) continue;
        const service = rendered.get(a.name)!.find((o) => o.kind === 'Service');
        expect(selects(field(service, 'spec.selector'), podLabelsOf(b.name))).toBe(false);
      }
    }
  });

  it('us-east: a StatefulSet of N pods, pod i running OUTPOST_SHARD=i/N from its ordinal', () => {
    const objects = rendered.get('us-east')!;
    const set = objects.find((o) => o.kind === 'StatefulSet')!;
    expect(set).toBeDefined();
    expect(field(set, 'spec.strategy')).toBeUndefined();
    expect(field(set, 'spec.serviceName')).toBe(field(objects.find((o) => o.kind === 'Service'), 'metadata.name'));
    const replicas = field(set, 'spec.replicas') as number;
    expect(replicas).toBe(3);
    const env = ((field(set, 'spec.template.spec.containers') as Obj[])[0]!.env as Obj[]).map((e) => ({ ...e }));
    const indexAt = env.findIndex((e) => e.name === 'OUTPOST_SHARD_INDEX');
    const shardAt = env.findIndex((e) => e.name === 'OUTPOST_SHARD');
    expect(indexAt).toBeGreaterThanOrEqual(0);
    expect(shardAt).toBeGreaterThan(indexAt); // $(VAR) expands only variables defined earlier
    expect(field(env[indexAt], 'valueFrom.fieldRef.fieldPath')).toBe("metadata.labels['apps.kubernetes.io/pod-index']");
    expect(env[shardAt]!.value).toBe(`$(OUTPOST_SHARD_INDEX)/${replicas}`);
  });
});

describe.skipIf(!existsSync(repoPath('dist', 'cli.js')))('deploy/kubernetes/base/outpost.yaml', () => {
  it('is a valid Outpost config once the Secret and the overlay fill it in (outpost validate)', () => {
    const result = spawnSync(process.execPath, ['dist/cli.js', 'validate', '--config', 'deploy/kubernetes/base/outpost.yaml'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 60_000,
      env: { PATH: process.env.PATH ?? '', OUTPOST_LOCATION: 'eu-west', FB_USERNAME: 'seller1@example.test', FB_PASSWORD: 'example-password' },
    });
    expect(result.status, result.stdout + result.stderr).toBe(0);
  });
});

describe('deploy/kubernetes/base NetworkPolicy', () => {
  const policy = baseObject('NetworkPolicy');
  const ports = (rule: unknown) => ((field(rule, 'ports') as Obj[]) ?? []).map((p) => `${String(p.protocol)}/${String(p.port)}`).sort();

  it('selects the Outpost pods and restricts both directions', () => {
    expect(selects(field(policy, 'spec.podSelector.matchLabels'), podLabels)).toBe(true);
    expect(field(policy, 'spec.policyTypes')).toEqual(['Ingress', 'Egress']);
  });

  it('lets in only scrapes of the metrics port', () => {
    const ingress = field(policy, 'spec.ingress') as Obj[];
    expect(ingress).toHaveLength(1);
    expect(ports(ingress[0])).toEqual(['TCP/metrics']);
    expect((container.ports as Obj[]).map((p) => p.name)).toContain('metrics');
  });

  it('lets out only DNS and HTTPS/HTTP (platforms and webhook receivers)', () => {
    const egress = field(policy, 'spec.egress') as Obj[];
    expect(egress.map(ports).flat().sort()).toEqual(['TCP/443', 'TCP/53', 'TCP/80', 'UDP/53']);
  });
});

describe.skipIf(!kustomizeWorks)('kubectl kustomize: the rules and the policies', () => {
  const render = (dir: string): Obj[] => {
    const result = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8', timeout: 60_000 });
    expect(result.status, result.stderr).toBe(0);
    return parseAllDocuments(result.stdout).map((d) => d.toJS() as Obj);
  };

  it('rules: one PrometheusRule in the outpost namespace with the label kube-prometheus-stack selects by', () => {
    const objects = render(RULES);
    expect(objects.map((o) => o.kind)).toEqual(['PrometheusRule']);
    expect(field(objects[0], 'metadata.namespace')).toBe('outpost');
    expect(field(objects[0], 'metadata.labels.release')).toBe('kube-prometheus-stack');
    expect((field(objects[0], 'spec.groups') as Obj[]).length).toBeGreaterThan(0);
  });

  it.each(OVERLAYS.map((o) => o.name))('%s: no PrometheusRule; a NetworkPolicy for its own pods; a ServiceMonitor kube-prometheus-stack selects', (name) => {
    const objects = render(OVERLAYS.find((o) => o.name === name)!.dir);
    expect(objects.filter((o) => o.kind === 'PrometheusRule')).toEqual([]);
    const workload = objects.find((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');
    const labels = field(workload, 'spec.template.metadata.labels') as Record<string, string>;
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
    expect(policies).toHaveLength(1);
    const selector = field(policies[0], 'spec.podSelector.matchLabels') as Record<string, string>;
    expect(selects(selector, labels)).toBe(true);
    expect(selector['app.kubernetes.io/instance']).toBe(`outpost-${name}`);
    expect(field(objects.find((o) => o.kind === 'ServiceMonitor'), 'metadata.labels.release')).toBe('kube-prometheus-stack');
  });
});
