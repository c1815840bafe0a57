#!/usr/bin/env node
/**
 * `npm run build`, after tsc: bundle dist/cli.js and what it imports (node_modules included) into
 * dist/bundle/outpost.cjs plus one chunk per command (the dynamic imports in src/cli.ts), minified.
 * That is what ships (package.json "bin", the image, the demo): Node resolves, reads and compiles
 * a few files instead of hundreds, which is most of the start-up (docs/performance.md#where-the-start-up-goes).
 * dist/cli.js stays a working, unbundled entry (the tests spawn it).
 *
 * CommonJS, not ESM: Node loads it without its ESM loader (module jobs, asynchronous linking),
 * ~30 ms less CPU to the first run on Node 20 in A/B runs. rolldown turns the sources' ESM into
 * CommonJS, `import.meta.url` into the file's URL and the commands' `import()` into `require`; a
 * top-level await in src/ would stop this build. `.cjs`: package.json says "type": "module".
 *
 * Files found relative to import.meta.url keep working: dist/bundle/ is as deep as dist/<dir>/, so
 * `../../package.json` (src/version.ts) and `../../config/scenarios/` (src/simulator/scenario.ts)
 * land at the repository (or image) root from the bundle too.
 *
 * `undici` is replaced by scripts/undici-client.cjs (why: there). Build-time checks stop the build
 * when that replacement could be wrong: an undici internal path it requires is gone, or dist/
 * imports a name from undici the replacement does not export.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync, chmodSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
const OUT = join(DIST, 'bundle');
const UNDICI_SLIM = join(ROOT, 'scripts', 'undici-client.cjs');

function fail(msg) {
  process.stderr.write(`bundle: ${msg}\n`);
  process.exit(1);
}

function jsFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return p === OUT ? [] : jsFiles(p);
    return e.name.endsWith('.js') ? [p] : [];
  });
}

/** Every `require('undici/…')` of the replacement must resolve to a file of the installed undici. */
function checkUndiciInternals() {
  const req = createRequire(UNDICI_SLIM);
  const internals = [...readFileSync(UNDICI_SLIM, 'utf8').matchAll(/require\('(undici\/[^']+)'\)/g)].map((m) => m[1]);
  if (internals.length === 0) fail(`${relative(ROOT, UNDICI_SLIM)} requires no undici file: the check below would prove nothing`);
  for (const id of internals) {
    try {
      req.resolve(id);
    } catch {
      const version = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'undici', 'package.json'), 'utf8')).version;
      fail(`undici ${version} has no ${id}: its internals moved; update ${relative(ROOT, UNDICI_SLIM)} from undici's index.js`);
    }
  }
  return req(UNDICI_SLIM);
}

/** The names dist/ imports from 'undici' (type-only imports are gone after tsc) must all be in the replacement. */
function checkUndiciImports(slim) {
  for (const file of jsFiles(DIST)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/import\s+([^;]*?)\s+from\s+['"]undici['"]/g)) {
      const clause = m[1].trim();
      const named = /^\{([^}]*)\}$/.exec(clause);
      if (!named) fail(`${relative(ROOT, file)}: \`import ${clause} from 'undici'\`: only named imports can be checked against ${relative(ROOT, UNDICI_SLIM)}`);
      for (const spec of named[1].split(',').map((s) => s.trim()).filter(Boolean)) {
        const name = spec.split(/\s+as\s+/)[0].trim();
        if (!(name in slim)) fail(`${relative(ROOT, file)} imports ${name} from undici, which ${relative(ROOT, UNDICI_SLIM)} does not export: add it there`);
      }
    }
    if (/\brequire\(['"]undici['"]\)|import\(['"]undici['"]\)/.test(text)) fail(`${relative(ROOT, file)} loads undici dynamically: not checked, import it statically`);
  }
}

if (!existsSync(join(DIST, 'cli.js'))) fail('dist/cli.js is missing: run tsc -p tsconfig.build.json first');
checkUndiciImports(checkUndiciInternals());

const started = performance.now();
rmSync(OUT, { recursive: true, force: true });
await build({
  input: join(DIST, 'cli.js'),
  platform: 'node',
  logLevel: 'warn',
  plugins: [
    {
      name: 'outpost-undici-client',
      // Exactly 'undici': the replacement's own `undici/lib/…` requires resolve as usual.
      resolveId: (id) => (id === 'undici' ? UNDICI_SLIM : null),
    },
  ],
  output: {
    dir: OUT,
    format: 'cjs',
    entryFileNames: 'outpost.cjs',
    // A chunk that is a package (tough-cookie, imported on demand) is named after it, not its index.js.
    chunkFileNames: (chunk) => `${/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(chunk.facadeModuleId ?? '')?.[1]?.replace('/', '-') ?? '[name]'}-[hash].cjs`,
    minify: true,
    // Stack traces of a minified bundle point into dist/bundle/*.cjs; the maps lead back to dist/*.js
    // for `node --enable-source-maps`. Unused unless asked for: they cost nothing at start-up.
    sourcemap: true,
  },
});
const entry = join(OUT, 'outpost.cjs');
if (!readFileSync(entry, 'utf8').startsWith('#!')) fail('dist/bundle/outpost.cjs lost its #! line: it cannot be package.json\'s bin');
chmodSync(entry, 0o755);
const files = readdirSync(OUT).filter((f) => f.endsWith('.cjs'));
const kb = files.reduce((s, f) => s + statSync(join(OUT, f)).size, 0) / 1024;
process.stdout.write(`bundle: dist/bundle/outpost.cjs + ${files.length - 1} chunks, ${kb.toFixed(0)} KB, in ${Math.round(performance.now() - started)} ms\n`);
