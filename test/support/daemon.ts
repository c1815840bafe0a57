/**
 * The one daemon harness of the tests: a real daemon in this process on a config written to a
 * temporary directory (or on a config file given), with test defaults (no process metrics, fast
 * retries, short shutdown grace, silent logs unless a level is asked for, then kept as parsed
 * JSON), and `spawnRun` for the real `node dist/cli.js run` in a child process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { stringify } from 'yaml';
import { startDaemon, type Daemon, type DaemonOptions } from '../../src/daemon.js';
import { createLogger } from '../../src/log.js';
import { createRedactor } from '../../src/redact.js';
import { CLI, ROOT, cleanEnv } from '../cli/helpers.js';
import { waitFor } from './wait.js';

export interface TestDaemon {
  daemon: Daemon;
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  /** The temporary directory holding the config (removed by stop unless it was given). */
  dir: string;
  configPath: string;
  /** Log lines so far, parsed (empty when logs are silent). */
  logs: Record<string, unknown>[];
  stop(): Promise<void>;
}

export interface TestDaemonOptions extends Partial<Omit<DaemonOptions, 'configPath'>> {
  /** Log level; logs are kept in `logs` unless 'silent' (the default) or a logger is given. */
  logLevel?: string;
  /** Where to write the config (default: a new temporary directory, removed on stop). */
  dir?: string;
}

/** A daemon on `config` (an object written as YAML, or YAML text) or on an existing file `{ configPath }`. */
export async function startTestDaemon(source: object | string | { configPath: string }, opts: TestDaemonOptions = {}): Promise<TestDaemon> {
  const { logLevel = 'silent', dir: givenDir, ...daemonOpts } = opts;
  const dir = givenDir ?? mkdtempSync(join(tmpdir(), 'outpost-test-'));
  let configPath: string;
  if (typeof source === 'object' && 'configPath' in source && typeof source.configPath === 'string') configPath = source.configPath;
  else {
    configPath = join(dir, 'outpost.yaml');
    writeFileSync(configPath, typeof source === 'string' ? source : stringify(source));
  }
  const logs: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n')) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const logger = daemonOpts.logger ?? createLogger({ level: logLevel, redactor: createRedactor(), destination });
  const removeDir = () => {
    if (!givenDir) rmSync(dir, { recursive: true, force: true });
  };
  let daemon: Daemon;
  try {
    daemon = await startDaemon({ env: cleanEnv(), defaultMetrics: false, retryMinMs: 10, graceMs: 2000, ...daemonOpts, configPath, logger });
  } catch (err) {
    removeDir();
    throw err;
  }
  return {
    daemon,
    url: daemon.server.url,
    dir,
    configPath,
    logs,
    async stop() {
      await daemon.stop();
      removeDir();
    },
  };
}

export interface Spawned {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** JSON log lines so far. */
  logs: () => Record<string, unknown>[];
  url: () => Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(): void;
}

/** `node dist/cli.js run --config …` (or `cli`: the bundle); its URL comes from the "outpost running" log line (logLevel ≤ info). */
export function spawnRun(configPath: string, env: NodeJS.ProcessEnv = cleanEnv(), cli: string = CLI): Spawned {
  const child = spawn(process.execPath, [cli, 'run', '--config', configPath], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c) => (out += String(c)));
  child.stderr!.on('data', (c) => (err += String(c)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const logs = () =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    logs,
    url: () => waitFor(() => logs().find((l) => l.msg === 'outpost running')?.url as string | undefined, `the daemon to start (stderr: ${err})`),
    exited,
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
