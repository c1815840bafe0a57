/** Outpost's version: package.json's, read once (one level up from dist/ and src/, two from dist-bench/src/). */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function packageVersion(): string {
  for (const p of ['../package.json', '../../package.json']) {
    try {
      const v = (require(p) as { version?: unknown }).version;
      if (typeof v === 'string') return v;
    } catch {
      // not at this level
    }
  }
  return 'dev';
}

export const VERSION: string = packageVersion();
