/**
 * Keeping the V8 bytecode of the modules a command loads, so that a restart skips compiling them.
 *
 * - Node ≥ 22.1: Node's own compile cache (`module.enableCompileCache()`), in
 *   `os.tmpdir()/node-compile-cache` (or NODE_COMPILE_CACHE): start → first run 877 ms cold,
 *   659 ms from the cache on Node 22 (docs/performance.md#where-the-start-up-goes).
 * - Older Node (20): the same for the CommonJS chunks of the bundle (dist/bundle/*.cjs, the
 *   directory this code is bundled into), compiled through `vm.Script` with V8's `cachedData`
 *   in `os.tmpdir()/outpost-v8-cache-<uid>`: compiling them was ~64 ms of the profile, and the
 *   cache also holds the functions compiled while the command's modules loaded. The unbundled
 *   dist/ is ESM and is left alone.
 *
 * NODE_DISABLE_COMPILE_CACHE=1 turns both off. A directory that cannot be written (a read-only
 * filesystem) or that is not private to this user just means no cache: V8 trusts the bytecode it
 * reads back, so it is read only from a directory nobody else can write.
 */
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import nodeModule from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

interface CompileCacheApi {
  enableCompileCache?: () => unknown;
  flushCompileCache?: () => void;
}

const api = nodeModule as unknown as CompileCacheApi;

/** What Node's CommonJS loader hands `_compile` (not in @types/node). */
interface CjsModule {
  exports: unknown;
  require(id: string): unknown;
  _compile(content: string, filename: string): unknown;
}
interface CjsModuleStatics {
  prototype: CjsModule;
  wrap(content: string): string;
  _resolveFilename(request: string, parent: CjsModule, isMain: boolean, options?: unknown): string;
  _cache: unknown;
}

/** Scripts compiled without usable cached data: their bytecode is written by flushCompileCache. */
const fresh: { script: vm.Script; file: string }[] = [];

/** Before the command's modules are imported. */
export function enableCompileCache(): void {
  if (process.env.NODE_DISABLE_COMPILE_CACHE) return;
  try {
    if (api.enableCompileCache) api.enableCompileCache();
    else enableBundleCodeCache();
  } catch {
    /* no cache: only slower */
  }
}

/**
 * After they are imported: Node writes its cache at exit, which a daemon killed by SIGKILL or an
 * out-of-memory kill never reaches (Node ≥ 22.10 / 23.0 can write it earlier).
 */
export function flushCompileCache(): void {
  try {
    api.flushCompileCache?.();
  } catch {
    /* as above */
  }
  if (fresh.length === 0) return;
  writeCodeCache();
  // Once more a second later, when the first runs have compiled the code they use (start-up, the
  // prober): a daemon's next start finds that compiled too. Only on a start that wrote a cache.
  setTimeout(() => {
    writeCodeCache();
    fresh.length = 0;
  }, 1_000).unref();
}

function writeCodeCache(): void {
  for (const { script, file } of fresh) {
    try {
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
      renameSync(tmp, file);
    } catch {
      /* no cache: only slower */
    }
  }
}

/** The cache directory, made private to this user; undefined when it cannot be (then: no cache). */
function privateCacheDir(): string | undefined {
  const uid = process.getuid?.();
  if (uid === undefined) return undefined;
  const dir = path.join(os.tmpdir(), `outpost-v8-cache-${uid}`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = lstatSync(dir);
    // Not a symlink, ours, and writable by nobody else.
    return st.isDirectory() && st.uid === uid && (st.mode & 0o022) === 0 ? dir : undefined;
  } catch {
    return undefined;
  }
}

/** Compile the bundle's CommonJS chunks with V8's code cache (Node without enableCompileCache). */
function enableBundleCodeCache(): void {
  const bundleDir = path.dirname(fileURLToPath(import.meta.url));
  const Module = nodeModule as unknown as CjsModuleStatics;
  const original = Module.prototype._compile;
  if (typeof original !== 'function' || typeof Module.wrap !== 'function') return;
  const tag = `${process.version}-${process.arch}`;
  let cacheDir: string | undefined | null = null; // null: not looked at yet (the unbundled dist/ never does)

  Module.prototype._compile = function compileWithCodeCache(this: CjsModule, content: string, filename: string): unknown {
    // Only the bundle's chunks; `import()` would need a loader vm.Script has not got (none there today).
    if (!filename.endsWith('.cjs') || path.dirname(filename) !== bundleDir || content.includes('import(')) return original.call(this, content, filename);
    if (cacheDir === null) cacheDir = privateCacheDir();
    if (cacheDir === undefined) return original.call(this, content, filename);
    const hash = createHash('sha256').update(tag).update(content).digest('hex').slice(0, 32);
    const file = path.join(cacheDir, `${path.basename(filename)}.${hash}`);
    let cachedData: Buffer | undefined;
    try {
      cachedData = readFileSync(file);
    } catch {
      /* not cached yet */
    }
    const script = new vm.Script(Module.wrap(content), { filename, ...(cachedData ? { cachedData } : {}) });
    if (!cachedData || script.cachedDataRejected) fresh.push({ script, file });
    const fn = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    // The `require` Node gives a module, as far as the bundle's chunks use it.
    const mod = this;
    const require = Object.assign((id: string) => mod.require(id), {
      resolve: (request: string, options?: unknown) => Module._resolveFilename(request, mod, false, options),
      main: process.mainModule,
      cache: Module._cache,
    });
    return fn.call(mod.exports, mod.exports, require, mod, filename, path.dirname(filename));
  };
}
