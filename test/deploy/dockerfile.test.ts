import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { copySources, execForm, isIgnored, keyValues, parseDockerfile, parseDockerignore, stagesOf, type Stage } from './dockerfile-parse.js';
import { readRepoFile, repoPath } from './helpers.js';

const instructions = parseDockerfile(readRepoFile('Dockerfile'));
const stages = stagesOf(instructions);
const finalStage = stages.at(-1)!;
const ignoreRules = parseDockerignore(readRepoFile('.dockerignore'));

const SECRETISH = /password|passwd|secret|token|key|credential/i;

/** The chain of stages a stage builds on, itself first, down to the one FROM an image. */
function lineage(stage: Stage): Stage[] {
  const chain = [stage];
  for (let s = stage; ; ) {
    const parent = stages.find((p) => p.name !== undefined && p.name === s.from);
    if (!parent || chain.includes(parent)) return chain;
    chain.push(parent);
    s = parent;
  }
}

function finalInstructions(keyword: string) {
  return lineage(finalStage)
    .reverse()
    .flatMap((s) => s.instructions)
    .filter((i) => i.keyword === keyword);
}

/** Where a COPY in the final stage puts its file: absolute, or relative to the last WORKDIR. */
function copyDestination(args: string): string {
  const words = execForm(args) ?? args.split(/\s+/);
  const dest = words.at(-1)!;
  if (dest.startsWith('/')) return dest;
  const workdir = finalInstructions('WORKDIR').at(-1)?.args ?? '/';
  return `${workdir.replace(/\/$/, '')}/${dest.replace(/^\.\//, '')}`;
}

describe('Dockerfile parser (self-check)', () => {
  it('joins continuations, drops comments, splits stages and key=value pairs', () => {
    const parsed = parseDockerfile('# c\nFROM a:1.2.3 AS x\nRUN one \\\n  # inner comment\n  two\nFROM x\nENV A=1 B="two words"\n');
    expect(parsed.map((i) => [i.keyword, i.args])).toEqual([
      ['FROM', 'a:1.2.3 AS x'],
      ['RUN', 'one two'],
      ['FROM', 'x'],
      ['ENV', 'A=1 B="two words"'],
    ]);
    expect(stagesOf(parsed).map((s) => [s.from, s.name])).toEqual([['a:1.2.3', 'x'], ['x', undefined]]);
    expect(keyValues('A=1 B="two words"')).toEqual([['A', '1'], ['B', 'two words']]);
    expect(keyValues('LEGACY some value')).toEqual([['LEGACY', 'some value']]);
  });
});

describe('Dockerfile', () => {
  it('is multi-stage: a build stage and a runtime stage', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const build = stages.find((s) => s.name === 'build');
    expect(build, 'a stage named build').toBeDefined();
    const buildRuns = build!.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    expect(buildRuns.some((r) => /\bnpm ci\b/.test(r) && !/--omit=dev/.test(r))).toBe(true);
    expect(buildRuns.some((r) => /\bnpm run build\b/.test(r))).toBe(true);
  });

  it('pins every base image by exact version, on an LTS (even) Node major', () => {
    const images = stages.filter((s) => !stages.some((p) => p.name === s.from)).map((s) => s.from);
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) {
      expect(image).toMatch(/^[\w./-]+:\d+\.\d+\.\d+(-[\w.-]+)?(@sha256:[0-9a-f]{64})?$/);
      expect(image).not.toMatch(/:latest\b/);
      const node = /^(?:docker\.io\/)?(?:library\/)?node:(\d+)\./.exec(image);
      expect(node, `${image} is a Node.js image`).not.toBeNull();
      const major = Number(node![1]);
      expect(major % 2, 'LTS lines are even').toBe(0);
      expect(major).toBeGreaterThanOrEqual(20);
    }
  });

  it('runs the final stage as a non-root USER set before ENTRYPOINT', () => {
    const own = finalStage.instructions;
    const users = own.filter((i) => i.keyword === 'USER');
    expect(users.length).toBeGreaterThan(0);
    const last = users.at(-1)!;
    const [user, group] = last.args.split(':');
    expect(['root', '0']).not.toContain(user);
    if (group !== undefined) expect(['root', '0']).not.toContain(group);
    const entrypoint = own.find((i) => i.keyword === 'ENTRYPOINT');
    expect(entrypoint).toBeDefined();
    expect(last.line).toBeLessThan(entrypoint!.line);
  });

  it('has an exec-form ENTRYPOINT node dist/bundle/outpost.cjs and a CMD that runs the mounted config', () => {
    const entrypoint = finalInstructions('ENTRYPOINT').at(-1);
    expect(execForm(entrypoint!.args)).toEqual(['node', 'dist/bundle/outpost.cjs']);
    const cmd = finalInstructions('CMD').at(-1);
    expect(execForm(cmd!.args)).toEqual(['run', '--config', '/etc/outpost/outpost.yaml']);
  });

  it('has a HEALTHCHECK that asks /healthz with node itself', () => {
    const health = finalInstructions('HEALTHCHECK').at(-1);
    expect(health).toBeDefined();
    expect(health!.args).not.toMatch(/^NONE$/i);
    const cmd = /CMD\s+(\[.*\])\s*$/s.exec(health!.args);
    const argv = execForm(cmd?.[1] ?? '');
    expect(argv?.[0]).toBe('node');
    expect(health!.args).not.toMatch(/\bcurl\b|\bwget\b/);
    // The script it runs is copied into the image from the repository and asks /healthz.
    const script = argv!.at(-1)!;
    const copy = finalInstructions('COPY').find((i) => copyDestination(i.args) === script);
    expect(copy, `a COPY that puts ${script} in the image`).toBeDefined();
    const source = copySources(copy!.args).sources[0]!;
    expect(readRepoFile(source)).toContain('/healthz');
  });

  it('exposes 9464, declares the state volume and sets the runtime environment', () => {
    expect(finalInstructions('EXPOSE').map((i) => i.args)).toContain('9464');
    expect(finalInstructions('VOLUME').map((i) => execForm(i.args) ?? i.args.split(/\s+/)).flat()).toContain('/var/lib/outpost');
    const env = new Map(finalInstructions('ENV').flatMap((i) => keyValues(i.args)));
    expect(env.get('OUTPOST_STATE_DIR')).toBe('/var/lib/outpost');
    expect(env.get('NODE_ENV')).toBe('production');
  });

  it('creates the state directory for the runtime user before declaring the VOLUME', () => {
    const own = finalStage.instructions;
    const user = own.filter((i) => i.keyword === 'USER').at(-1)!.args.split(':')[0]!;
    const volume = own.find((i) => i.keyword === 'VOLUME')!;
    const chown = own.find((i) => i.keyword === 'RUN' && new RegExp(`chown\\s+${user}(:\\S+)?\\s+/var/lib/outpost`).test(i.args));
    expect(chown, `RUN chown ${user} /var/lib/outpost`).toBeDefined();
    expect(chown!.line).toBeLessThan(volume.line);
  });

  it('installs only production dependencies and copies only dist/ from the build into the runtime', () => {
    const runs = finalStage.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    expect(runs.some((r) => /\bnpm ci\b.*--omit=dev/.test(r))).toBe(true);
    expect(runs.some((r) => /npm run build|\btsc\b/.test(r))).toBe(false);
    const copies = finalStage.instructions.filter((i) => i.keyword === 'COPY').map((i) => copySources(i.args));
    const fromBuild = copies.filter((c) => c.flags.some((f) => f.startsWith('--from=')));
    expect(fromBuild.flatMap((c) => c.sources)).toEqual(['/app/dist']);
    const local = copies.filter((c) => !c.flags.some((f) => f.startsWith('--from='))).flatMap((c) => c.sources);
    expect(local.some((s) => /^(\.\/)?src\b/.test(s))).toBe(false);
  });

  it('puts no secret in ENV or ARG and copies no .env or key material', () => {
    for (const ins of instructions.filter((i) => i.keyword === 'ENV' || i.keyword === 'ARG')) {
      for (const [name, value] of keyValues(ins.args).length ? keyValues(ins.args) : [[ins.args, '']]) {
        expect(name, `line ${ins.line}`).not.toMatch(SECRETISH);
        expect(value, `line ${ins.line}`).not.toMatch(SECRETISH);
      }
    }
    for (const ins of instructions.filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD')) {
      const { sources } = copySources(ins.args);
      for (const source of sources) {
        expect(source, `line ${ins.line}`).not.toMatch(/(^|\/)\.env(\.|$)|\.pem$|\.key$|id_rsa|\.npmrc$|\.netrc$/);
        expect(source, `line ${ins.line}: copy named paths, not the whole context`).not.toMatch(/^\.\/?$/);
        expect(source, `line ${ins.line}: no downloads`).not.toMatch(/^https?:/);
      }
    }
    expect(instructions.some((i) => i.keyword === 'ADD')).toBe(false);
  });

  it('copies only files that exist and that .dockerignore lets into the context', () => {
    const local = instructions
      .filter((i) => i.keyword === 'COPY' && !copySources(i.args).flags.some((f) => f.startsWith('--from=')))
      .flatMap((i) => copySources(i.args).sources);
    expect(local.length).toBeGreaterThan(0);
    for (const source of local) {
      const path = source.replace(/^\.\//, '').replace(/\/$/, '');
      expect(existsSync(repoPath(path)), `${source} exists`).toBe(true);
      expect(isIgnored(path, ignoreRules), `${source} is in the build context`).toBe(false);
    }
    // A file inside a copied folder is in the context too.
    expect(isIgnored('src/reasons.ts', ignoreRules)).toBe(false);
  });
});

describe('.dockerignore', () => {
  it.each(['node_modules', 'node_modules/yaml/package.json', '.git', '.git/HEAD', 'dist', 'dist/cli.js', 'data', 'data/state.json',
    '.env', 'deploy/compose/.env', 'src/node_modules/x.js', 'coverage/index.html', 'test-artifacts/a.png', 'test/deploy/a.test.ts',
    'deploy/kubernetes/base/secret.yaml', 'dashboards/outpost-overview.json', 'npm-debug.log'])('keeps %s out of the context', (path) => {
    expect(isIgnored(path, ignoreRules)).toBe(true);
  });

  it('names node_modules, .git, dist and data explicitly', () => {
    const lines = readRepoFile('.dockerignore').split(/\r?\n/).map((l) => l.trim().replace(/^\*\*\//, '').replace(/^\//, '').replace(/\/$/, ''));
    for (const name of ['node_modules', '.git', 'dist', 'data']) expect(lines).toContain(name);
  });

  it('matches like Docker (self-check of the matcher)', () => {
    const rules = parseDockerignore('*\n!src/\n**/secret*\n!src/keep.txt\nlogs/*.log\n');
    expect(isIgnored('src/a.ts', rules)).toBe(false);
    expect(isIgnored('README.md', rules)).toBe(true);
    expect(isIgnored('src/deep/secret.json', rules)).toBe(true);
    expect(isIgnored('src/keep.txt', rules)).toBe(false);
    expect(isIgnored('logs/a.log', parseDockerignore('logs/*.log'))).toBe(true);
    expect(isIgnored('logs/x/a.log', parseDockerignore('logs/*.log'))).toBe(false);
  });
});
