// The benchmark's private network: two namespaces named after this process (hyb-s-<pid> for
// the server under test, hyb-c-<pid> for perfdhcp) joined by one veth pair in 10.85.0.0/24, no
// default route. Nothing is created in the host namespace. Every process started here is
// tracked by PID and killed by PID on cleanup, which also runs on a second SIGINT/SIGTERM and at exit.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';

export const SERVER_ADDRESS = '10.85.0.1';
export const CLIENT_ADDRESS = '10.85.0.2';

/** One server address and the relay address perfdhcp sends from (its giaddr) to reach it. */
export interface Endpoint {
  server: string;
  relay: string;
}

/**
 * Endpoint k: the first is the veth pair's own addresses; more (multi-server trials) are extra
 * addresses on the same veth ends, 10.85.0.1k (server) and 10.85.0.2k (perfdhcp), k = 1..9. One
 * perfdhcp per endpoint, because each binds its giaddr's port 67 to receive the replies.
 */
export function endpoint(k: number): Endpoint {
  if (k === 0) return { server: SERVER_ADDRESS, relay: CLIENT_ADDRESS };
  if (!(Number.isInteger(k) && k >= 1 && k <= 9)) throw new Error(`no bench endpoint ${k}`);
  return { server: `10.85.0.1${k}`, relay: `10.85.0.2${k}` };
}

/** Runs a command to completion, bounded in time; rejects on failure with its stderr. */
export function sh(cmd: string, args: string[], timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 8 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}\n${String(stderr)}`));
      else resolve(String(stdout));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A process running inside a namespace; keeps the tail of its output for readiness and errors. */
export class LabProcess {
  output = '';
  exited = false;
  exitDescription = '';
  readonly done: Promise<void>;

  constructor(readonly label: string, readonly child: ChildProcess) {
    const take = (chunk: Buffer): void => {
      this.output += chunk.toString();
      if (this.output.length > 200_000) this.output = this.output.slice(-100_000);
    };
    child.stdout?.on('data', take);
    child.stderr?.on('data', take);
    this.done = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exited = true;
        this.exitDescription = signal ? `signal ${signal}` : `exit ${code}`;
        resolve();
      });
      child.once('error', (e) => {
        this.exited = true;
        this.exitDescription = `spawn error: ${e.message}`;
        resolve();
      });
    });
  }

  /** The PID of the command itself: `ip netns exec` execs it in place. */
  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`${this.label} did not start: ${this.exitDescription}`);
    return this.child.pid;
  }

  tail(chars = 3000): string {
    return this.output.slice(-chars);
  }

  /** SIGTERM, then SIGKILL after graceMs; resolves once the process is gone. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.exited || this.child.pid === undefined) return;
    signalPid(this.child.pid, 'SIGTERM');
    const timer = setTimeout(() => signalPid(this.child.pid!, 'SIGKILL'), graceMs);
    await this.done;
    clearTimeout(timer);
  }
}

function signalPid(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class BenchLab {
  readonly serverNs = `hyb-s-${process.pid}`;
  readonly clientNs = `hyb-c-${process.pid}`;
  readonly serverIface = `hybs${process.pid}`;
  readonly clientIface = `hybc${process.pid}`;
  private readonly procs = new Set<LabProcess>();
  private readonly dirs: string[] = [];
  /** Synchronous teardown steps (e.g. the throwaway PostgreSQL), run last, also at exit. */
  private readonly finalizers: (() => void)[] = [];
  private created = false;
  /** Set by the first SIGINT/SIGTERM: finish the current trial, then report what was measured. */
  interrupted = false;
  private readonly onSignal = (sig: NodeJS.Signals): void => {
    if (!this.interrupted) {
      this.interrupted = true;
      process.stderr.write(`\nbench: ${sig}: finishing the current trial, then reporting (send it again to abort now)\n`);
      return;
    }
    process.stderr.write(`\nbench: ${sig}, cleaning up\n`);
    void this.cleanup().finally(() => process.exit(130));
  };
  private readonly onExit = (): void => this.cleanupSync();

  /** Creates both namespaces and the veth pair (with `endpoints` address pairs); cleans up what it made if a step fails. */
  async create(endpoints = 1): Promise<void> {
    await sweepStale();
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
    process.once('exit', this.onExit);
    this.created = true;
    try {
      for (const ns of [this.serverNs, this.clientNs]) {
        await sh('ip', ['netns', 'add', ns]);
        await sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      }
      await sh('ip', ['-n', this.serverNs, 'link', 'add', this.serverIface, 'type', 'veth', 'peer', 'name', this.clientIface, 'netns', this.clientNs]);
      await sh('ip', ['-n', this.serverNs, 'addr', 'add', `${SERVER_ADDRESS}/24`, 'dev', this.serverIface]);
      await sh('ip', ['-n', this.clientNs, 'addr', 'add', `${CLIENT_ADDRESS}/24`, 'dev', this.clientIface]);
      for (let k = 1; k < endpoints; k++) {
        const e = endpoint(k);
        await sh('ip', ['-n', this.serverNs, 'addr', 'add', `${e.server}/24`, 'dev', this.serverIface]);
        await sh('ip', ['-n', this.clientNs, 'addr', 'add', `${e.relay}/24`, 'dev', this.clientIface]);
      }
      for (const [ns, iface] of [[this.serverNs, this.serverIface], [this.clientNs, this.clientIface]] as const) {
        await sh('ip', ['-n', ns, 'link', 'set', iface, 'up']);
      }
    } catch (e) {
      await this.cleanup();
      throw e;
    }
  }

  /** Starts `cmd args` in a namespace with extra environment variables; tracked for cleanup. */
  spawn(ns: string, label: string, cmd: string, args: string[], env: Record<string, string> = {}): LabProcess {
    const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    const proc = new LabProcess(label, child);
    this.procs.add(proc);
    void proc.done.then(() => this.procs.delete(proc));
    return proc;
  }

  /** A directory to delete at cleanup (also after Ctrl-C). */
  removeOnCleanup(dir: string): void {
    this.dirs.push(dir);
  }

  /** A synchronous teardown step for cleanup, also run at process exit; after the processes are stopped. */
  atCleanup(fn: () => void): void {
    this.finalizers.push(fn);
  }

  private runFinalizers(): void {
    for (const fn of this.finalizers.splice(0).reverse()) {
      try {
        fn();
      } catch (e) {
        process.stderr.write(`bench: cleanup step failed: ${(e as Error).message}\n`);
      }
    }
  }

  async cleanup(): Promise<void> {
    for (const p of [...this.procs]) await p.stop(3000);
    this.runFinalizers();
    for (const dir of this.dirs.splice(0)) await rm(dir, { recursive: true, force: true });
    if (this.created) {
      for (const ns of [this.clientNs, this.serverNs]) await sh('ip', ['netns', 'del', ns]).catch(() => undefined);
      this.created = false;
    }
    process.removeListener('SIGINT', this.onSignal);
    process.removeListener('SIGTERM', this.onSignal);
    process.removeListener('exit', this.onExit);
  }

  /** Last resort at process exit: kill by PID, delete the namespaces. */
  private cleanupSync(): void {
    for (const p of this.procs) if (!p.exited && p.child.pid !== undefined) signalPid(p.child.pid, 'SIGKILL');
    this.runFinalizers();
    if (this.created) for (const ns of [this.clientNs, this.serverNs]) {
      try {
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore', timeout: 5000 });
      } catch {
        /* gone */
      }
    }
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
  }
}

/** Deletes hyb-s-/hyb-c- namespaces left by bench processes that died without cleaning up. */
async function sweepStale(): Promise<void> {
  const list = await sh('ip', ['netns', 'list']).catch(() => '');
  for (const line of list.split('\n')) {
    const m = /^(hyb-[sc]-(\d+))\b/.exec(line);
    if (!m || Number(m[2]) === process.pid || pidAlive(Number(m[2]))) continue;
    await sh('ip', ['netns', 'del', m[1]!]).catch(() => undefined);
  }
}
