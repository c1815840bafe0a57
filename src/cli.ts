#!/usr/bin/env node
/** `outpost <command>`: parse the command line and hand over to src/commands/. */
import { parseArgs } from 'node:util';
import { enableCompileCache, flushCompileCache } from './compile-cache.js';

/** Each command is loaded only when it runs: `run` starts faster without the simulator and demo. */
const COMMANDS: Record<string, () => Promise<(values: CliValues) => Promise<number>>> = {
  run: async () => (await import('./commands/run.js')).runCommand,
  check: async () => (await import('./commands/check.js')).checkCommand,
  validate: async () => (await import('./commands/validate.js')).validateCommand,
  simulate: async () => (await import('./commands/simulate.js')).simulateCommand,
  demo: async () => (await import('./commands/demo.js')).demoCommand,
  report: async () => (await import('./commands/report.js')).reportCommand,
};

const USAGE = `Usage: outpost <command> [options]

Commands:
  run        the daemon: schedule checks, serve /metrics, the API and the status page
  check      run every check once and print the results (exit 0 all passed, 1 some failed, 2 bad config)
  validate   validate the configuration (exit 0 valid, 2 invalid: every error as path: message)
  simulate   the built-in platform simulator (Facebook-, Instagram- and Threads-style)
  demo       the simulator replaying the 5 March 2024 outage, the daemon and a webhook sink
  report     availability, incidents and estimated impact over a period (default the last 30 days)

Options:
  --config PATH     configuration file (default config/outpost.yaml, env OUTPOST_CONFIG)
  --shard I/N       run only this shard's checks (env OUTPOST_SHARD)          [run]
  --json            machine-readable output                                   [check, validate, report]
  --host H --port P --seed N --scenario NAME|PATH --speed X --loop           [simulate]
  --duration SECONDS  stop after this long                                     [demo]
  -v, --version     print the version and exit
  --since WHEN --until WHEN  a date (2024-03-01) or a duration ago (30d)         [report]
  --format table|json|html --prometheus URL (read Prometheus instead)          [report]
  -h, --help        this help
`;

export const OPTIONS = {
  config: { type: 'string' },
  shard: { type: 'string' },
  json: { type: 'boolean' },
  host: { type: 'string' },
  port: { type: 'string' },
  seed: { type: 'string' },
  scenario: { type: 'string' },
  speed: { type: 'string' },
  loop: { type: 'boolean' },
  duration: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  format: { type: 'string' },
  prometheus: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

export type CliValues = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    process.stderr.write(`outpost: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const [command, ...rest] = parsed.positionals;
  if (parsed.values.version) {
    process.stdout.write(`outpost ${(await import('./version.js')).VERSION}\n`);
    return 0;
  }
  if (parsed.values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (!command) {
    // A usage error: the usage goes to stderr, like for an unknown command.
    process.stderr.write(`outpost: no command given\n\n${USAGE}`);
    return 2;
  }
  if (rest.length) {
    process.stderr.write(`outpost: unexpected argument ${rest[0]}\n`);
    return 2;
  }
  const load = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!load) {
    process.stderr.write(`outpost: unknown command ${command}\n\n${USAGE}`);
    return 2;
  }
  enableCompileCache();
  const runCommand = await load();
  flushCompileCache();
  return runCommand(parsed.values);
}

main(process.argv.slice(2)).then(
  (code) => {
    // Daemon-like commands resolve only when they are done; let stdout drain, then exit.
    process.exitCode = code;
    if (code !== -1) setImmediate(() => process.exit(code));
  },
  (err) => {
    process.stderr.write(`outpost: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(70);
  },
);
