/** `outpost run`: the daemon, until SIGTERM/SIGINT; SIGHUP reloads the configuration. */
import { configPath, formatIssues } from '../config/load.js';
import { ConfigError, startDaemon } from '../daemon.js';
import { parseShard } from '../schedule/shard.js';
import type { CliValues } from '../cli.js';

export async function runCommand(values: CliValues): Promise<number> {
  const path = configPath(values.config);
  let shard;
  const shardText = values.shard ?? process.env.OUTPOST_SHARD;
  try {
    shard = shardText ? parseShard(shardText) : undefined;
  } catch (err) {
    process.stderr.write(`outpost: --shard: ${(err as Error).message}\n`);
    return 2;
  }
  let daemon;
  try {
    daemon = await startDaemon({ configPath: path, shard });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${path}: invalid configuration\n${formatIssues(err.issues)}\n`);
      return 2;
    }
    // The listen address is taken or not allowed: an operator's problem, not a crash.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      process.stderr.write(`outpost: cannot listen (${code}): ${(err as Error).message}\n`);
      return 1;
    }
    throw err;
  }
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      daemon.logger.info({ signal }, 'signal received');
      daemon.stop().then(
        () => resolve(0),
        (err) => {
          daemon.logger.error({ err }, 'error while stopping');
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', () => {
      daemon.logger.info({ signal: 'SIGHUP' }, 'reloading configuration');
      void daemon.reload();
    });
    process.on('unhandledRejection', (reason) => daemon.logger.error({ err: reason }, 'unhandled rejection (bug in Outpost)'));
  });
}
