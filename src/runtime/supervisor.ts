// Hydra mode (-P cores × -M middlemen workers): the seed's supervision tree. The supervisor
// prepares the lease layout (re-sharding if needed), makes one reuseport socket per worker in
// worker order with the client-steering program attached (so socket k is worker k's, and every
// packet of a client reaches the worker holding that client's leases), forks the workers, and
// restarts any worker that dies on its own shard.
//
// The supervisor keeps every socket open itself, for two reasons: the kernel renumbers a
// reuseport group when a member closes (the last socket moves into the hole), which would hand a
// dead worker's clients to another worker; and packets for a worker that is restarting wait in
// its socket's queue instead of being lost.
import { fork, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServeOptions } from '../cli/args.js';
import { loadConfig } from '../config/load-config.js';
import { lockDataDir, type DirLock } from '../leases/data-dir-lock.js';
import { loadSteeringNet, type SteeringNet } from '../net/native.js';
import { Counters } from './counters.js';
import type { WorkerMessage, WorkerSpec } from './hydra-worker.js';
import type { Logger } from './logger.js';
import { prepareLayout } from './shard-layout.js';

/** A Hydra-mode start that cannot go on: one line for the user. */
export class HydraModeError extends Error {
  override readonly name = 'HydraModeError';
}

/** Workers = cores × middlemen (the seed's -M: packet processors per core). */
export function workerCount(opts: ServeOptions): number {
  return (opts.cores ?? 1) * (opts.middleman ?? 1);
}

/** Restart intensity, as an OTP supervisor's: more restarts than this within the window ends the server. */
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 30_000;
const START_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 10_000;
/** The socket's descriptor number inside a worker (stdio 0-2, IPC 3). */
const WORKER_FD = 4;

const WORKER_ENTRY = fileURLToPath(new URL('./hydra-worker.js', import.meta.url));

export interface RunningSupervisor {
  readonly counters: Counters;
  readonly port: number;
  /** Worker k's current process id (changes when it is restarted). */
  pids(): number[];
  stop(): Promise<void>;
}

interface Seat {
  index: number;
  fd: number;
  child: ChildProcess | null;
  restarts: number[];
}

function openGroup(net: SteeringNet, opts: ServeOptions, n: number): { fds: number[]; port: number } {
  const address = opts.bindAddress ?? '0.0.0.0';
  const fds: number[] = [];
  try {
    for (let k = 0; k < n; k++) fds.push(net.openReusePortUdp(address, k === 0 ? opts.port : net.boundPort(fds[0]!), opts.iface ?? null));
    net.attachClientSteering(fds[0]!, n);
    return { fds, port: net.boundPort(fds[0]!) };
  } catch (e) {
    for (const fd of fds) net.closeFd(fd);
    const err = e as NodeJS.ErrnoException;
    if (/REUSEPORT_CBPF/.test(err.message)) throw new HydraModeError(`Hydra mode (-P ${n}) needs SO_ATTACH_REUSEPORT_CBPF, which this kernel refused: ${err.message}`);
    if (err.code === 'EADDRINUSE') throw new HydraModeError(`UDP port ${opts.port} is already in use`);
    if (err.code === 'EACCES') throw new HydraModeError(`cannot bind UDP port ${opts.port}: permission denied (ports below 1024 need root; try -U 6767)`);
    throw new HydraModeError(`Hydra mode: cannot open the worker sockets: ${err.message}`);
  }
}

export async function startSupervisor(opts: ServeOptions, log: Logger, onFatal?: (message: string) => void): Promise<RunningSupervisor> {
  const n = workerCount(opts);
  const steering = loadSteeringNet();
  if (!steering.ok) throw new HydraModeError(`Hydra mode (-P ${n}) needs the hydra_net addon's client steering: ${steering.reason}`);
  const net = steering.addon;
  // A bad configuration stops us here, once, before any worker starts.
  const config = loadConfig({ configFile: opts.configFile, poolDir: opts.poolDir });
  const dataDir = resolve(opts.dataDir);
  await prepareLayout(dataDir, n, config, log);
  const lock: DirLock = await lockDataDir(dataDir, (m, f) => log.log('warn', m, f));
  let group: { fds: number[]; port: number };
  try {
    group = openGroup(net, opts, n);
  } catch (e) {
    await lock.release();
    throw e;
  }
  const workerOptions: ServeOptions = { ...opts, port: group.port, timeoutSeconds: undefined };
  const seats: Seat[] = group.fds.map((fd, index) => ({ index, fd, child: null, restarts: [] }));
  let stopping = false;
  let started = false;
  let failStart: ((e: Error) => void) | null = null;

  let stopped: Promise<void> | null = null;
  const stopAll = (): Promise<void> =>
    (stopped ??= (async () => {
      stopping = true;
      await Promise.all(seats.map((s) => stopChild(s.child)));
      for (const s of seats) net.closeFd(s.fd);
      await lock.release();
    })());

  const spawnWorker = (seat: Seat): ChildProcess => {
    const spec: WorkerSpec = { index: seat.index, count: n, fd: WORKER_FD, options: workerOptions };
    const child = fork(WORKER_ENTRY, [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc', seat.fd],
      env: { ...process.env, HYDRA_WORKER: JSON.stringify(spec) },
    });
    seat.child = child;
    child.on('message', (m: WorkerMessage) => {
      if (m.kind === 'failed' && !started) failStart?.(new HydraModeError(`worker ${m.index}: ${m.message}`));
    });
    child.once('exit', (code, signal) => {
      if (seat.child === child) seat.child = null;
      if (stopping) return;
      if (!started) {
        failStart?.(new HydraModeError(`worker ${seat.index} exited during start (${signal ?? `code ${code}`})`));
        return;
      }
      const now = Date.now();
      seat.restarts = seat.restarts.filter((t) => now - t < RESTART_WINDOW_MS);
      seat.restarts.push(now);
      if (seat.restarts.length > MAX_RESTARTS) {
        const msg = `worker ${seat.index} died ${seat.restarts.length} times within ${RESTART_WINDOW_MS / 1000} s; stopping`;
        log.log('error', msg);
        void stopAll().then(() => (onFatal ? onFatal(msg) : process.exit(1)));
        return;
      }
      // Its store lock is stale now; the restarted worker takes it over and reloads the shard.
      log.log('warn', 'worker died; restarting it on its shard', { worker: seat.index, pid: child.pid, code, signal });
      setTimeout(() => {
        if (stopping) return;
        const next = spawnWorker(seat);
        next.on('message', (m: WorkerMessage) => {
          if (m.kind === 'ready') log.log('info', 'worker restarted', { worker: seat.index, pid: m.pid });
        });
      }, 50 * seat.restarts.length);
    });
    return child;
  };

  try {
    await new Promise<void>((resolveAll, reject) => {
      let ready = 0;
      const timer = setTimeout(() => reject(new HydraModeError(`workers not ready within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
      failStart = (e) => {
        clearTimeout(timer);
        reject(e);
      };
      for (const seat of seats) {
        spawnWorker(seat).on('message', (m: WorkerMessage) => {
          if (m.kind === 'ready' && ++ready === n && !started) {
            clearTimeout(timer);
            resolveAll();
          }
        });
      }
    });
  } catch (e) {
    await stopAll();
    throw e;
  }
  started = true;
  log.log('info', 'serving', {
    mode: 'hydra',
    workers: n,
    port: group.port,
    address: opts.bindAddress ?? '0.0.0.0',
    iface: opts.iface,
    pids: seats.map((s) => s.child?.pid).join(','),
  });
  return {
    counters: new Counters(),
    port: group.port,
    pids: () => seats.map((s) => s.child?.pid ?? 0),
    stop: stopAll,
  };
}

function stopChild(child: ChildProcess | null): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(kill);
      resolveStop();
    });
    child.kill('SIGTERM');
  });
}
