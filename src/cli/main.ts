#!/usr/bin/env node
import { ConfigError } from '../config/config-error.js';
import { StoreError } from '../leases/lease-store.js';
import { TransportError } from '../net/transport.js';
import { createLogger } from '../runtime/logger.js';
import { startServer } from '../runtime/server.js';
import { HydraModeError, startSupervisor, workerCount } from '../runtime/supervisor.js';
import { VERSION } from '../version.js';
import { parseCommandLine, type Command } from './args.js';
import { runDbCommand } from './db-command.js';
import { runLeasesCommand } from './leases-command.js';
import { REMOTE_COMMANDS, runRemoteCommand } from './remote-commands.js';
import { CliError } from './cli-error.js';
import { usage } from './usage.js';

/** Mistakes a user can make end in one message and a non-zero exit, never a stack trace. */
function fail(message: string, status: number): never {
  process.stderr.write(`hydra: ${message}\n`);
  process.exit(status);
}

/**
 * Exits once everything written to stdout and stderr has left the process. A pipe takes 64 KiB at
 * a time and Node queues the rest, which process.exit() would throw away: `hydra leases export |
 * gzip` lost all but its first 128 KiB. The callback of an empty write runs after every earlier one.
 */
async function exitFlushed(status: number): Promise<never> {
  await Promise.all([process.stdout, process.stderr].map((s) => new Promise<void>((done) => s.write('', () => done()))));
  process.exit(status);
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === 'leases') await exitFlushed(await runLeasesCommand(argv.slice(1)));
  if (argv[0] === 'db') await exitFlushed(await runDbCommand(argv.slice(1)));
  if ((REMOTE_COMMANDS as readonly string[]).includes(argv[0] ?? '')) await exitFlushed(await runRemoteCommand(argv[0]!, argv.slice(1), false));
  let command: Command;
  try {
    command = parseCommandLine(argv);
  } catch (e) {
    if (e instanceof CliError) fail(e.message, 2);
    throw e;
  }
  if (command.kind === 'help') {
    process.stdout.write(usage(VERSION));
    return;
  }
  if (command.kind === 'version') {
    process.stdout.write(`hydra ${VERSION}\n`);
    return;
  }
  const opts = command.options;
  const log = createLogger(opts.debug ? 'debug' : opts.verbose ? 'verbose' : 'info', { format: opts.logFormat });
  let server;
  try {
    // Hydra mode (-P × -M > 1): a supervisor and its worker processes; otherwise one server here.
    server = workerCount(opts) > 1 ? await startSupervisor(opts, log) : await startServer(opts, log);
  } catch (e) {
    if (e instanceof ConfigError || e instanceof TransportError || e instanceof StoreError || e instanceof HydraModeError) fail(e.message, 1);
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EACCES') fail(`cannot bind UDP port ${opts.port}: permission denied (ports below 1024 need root; try -U 6767)`, 1);
    if (err.code === 'EADDRINUSE') fail(`UDP port ${opts.port} is already in use`, 1);
    if (err.code === 'EADDRNOTAVAIL') fail(`cannot bind ${opts.bindAddress ?? '0.0.0.0'}:${opts.port}: address not available`, 1);
    throw e;
  }
  let stopping = false;
  const stop = async (why: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await server.stop();
    log.log('info', 'stopped', { reason: why, ...server.counters.snapshot() });
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  if (opts.timeoutSeconds !== undefined) {
    setTimeout(() => void stop(`timeout ${opts.timeoutSeconds}s`), opts.timeoutSeconds * 1000);
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`hydra: internal error: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(70);
});
