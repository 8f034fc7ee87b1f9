// A Hydra-mode worker process (forked by supervisor.ts): today's server path — configuration,
// its own store, engine, the reuseport socket the supervisor passed as fd 4, pipeline — for
// shard `index` of `count`. It reports ready/failed over IPC and stops on SIGTERM, SIGINT or
// when the supervisor goes away.
import type { ServeOptions } from '../cli/args.js';
import { createLogger, type Logger } from './logger.js';
import { startServer, type RunningServer } from './server.js';

export interface WorkerSpec {
  index: number;
  count: number;
  fd: number;
  options: ServeOptions;
}

export type WorkerMessage = { kind: 'ready'; index: number; pid: number } | { kind: 'failed'; index: number; message: string };

function send(m: WorkerMessage): void {
  process.send?.(m);
}

async function run(spec: WorkerSpec): Promise<void> {
  const opts = spec.options;
  const base = createLogger(opts.debug ? 'debug' : opts.verbose ? 'verbose' : 'info', { format: opts.logFormat });
  const log: Logger = {
    enabled: (level) => base.enabled(level),
    log: (level, message, fields) => base.log(level, message, { worker: spec.index, ...fields }),
  };
  let server: RunningServer;
  try {
    server = await startServer(opts, log, { index: spec.index, count: spec.count, fd: spec.fd });
  } catch (e) {
    send({ kind: 'failed', index: spec.index, message: (e as Error).message });
    process.exit(1);
  }
  let stopping = false;
  const stop = async (why: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await server.stop();
    log.log('info', 'worker stopped', { reason: why, ...server.counters.snapshot() });
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('disconnect', () => void stop('supervisor gone'));
  send({ kind: 'ready', index: spec.index, pid: process.pid });
}

const text = process.env.HYDRA_WORKER;
if (!text) {
  process.stderr.write('hydra: hydra-worker is started by the Hydra-mode supervisor (hydra -P N)\n');
  process.exit(2);
}
run(JSON.parse(text) as WorkerSpec).catch((e: unknown) => {
  process.stderr.write(`hydra worker: internal error: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(70);
});
