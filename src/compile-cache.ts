/**
 * Node's on-disk compile cache (Node ≥ 22.1; a no-op on Node 20): V8 bytecode of the modules a
 * command loads is kept in `os.tmpdir()/node-compile-cache` (or NODE_COMPILE_CACHE), so a restart
 * skips compiling them: start → first run 877 ms cold, 659 ms from the cache on Node 22
 * (docs/performance.md#where-the-start-up-goes). NODE_DISABLE_COMPILE_CACHE=1 turns it off; a
 * directory that cannot be written (a read-only filesystem) just means no cache.
 */
import nodeModule from 'node:module';

interface CompileCacheApi {
  enableCompileCache?: () => unknown;
  flushCompileCache?: () => void;
}

const api = nodeModule as unknown as CompileCacheApi;

/** Before the command's modules are imported. */
export function enableCompileCache(): void {
  try {
    api.enableCompileCache?.();
  } catch {
    /* no cache: only slower */
  }
}

/**
 * After they are imported: Node writes the cache at exit, which a daemon killed by SIGKILL or an
 * out-of-memory kill never reaches (Node ≥ 22.10 / 23.0 can write it earlier).
 */
export function flushCompileCache(): void {
  try {
    api.flushCompileCache?.();
  } catch {
    /* as above */
  }
}
