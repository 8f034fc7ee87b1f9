// A small lab of network namespaces joined by veth pairs, for end-to-end tests with real DHCP
// clients. Everything it creates carries this process's PID in its name, lives only inside
// namespaces it created (no interface ever exists in the host namespace), and is torn down by
// cleanup() even when a test fails. It never adds a default or broadcast route.
import { spawn, execFile, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Output of a finished command. */
export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  timeoutMs?: number;
  /** Resolve with the result instead of rejecting when the exit code is non-zero. */
  allowFail?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** Runs a command to completion, bounded in time; rejects on non-zero exit unless allowFail. */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const timeout = opts.timeoutMs ?? 20_000;
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { timeout, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024, env: opts.env ?? process.env },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null) : 0;
        const result = { code, stdout: String(stdout), stderr: String(stderr) };
        if (code === 0 || opts.allowFail) resolve(result);
        else reject(new Error(`${cmd} ${args.join(' ')} failed (${err?.message ?? code}):\n${result.stderr}${result.stdout}`));
      },
    );
  });
}

/** Polls `probe` until it returns a truthy value, at most `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 20_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(Math.min(intervalMs, Math.max(1, deadline - Date.now())));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function commandExists(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * Why namespace tests cannot run here, or undefined when they can. For `node:test`'s `{ skip }`.
 * With HYDRA_REQUIRE_NETNS=1 (set by .ci/run) a missing capability is an error, never a skip,
 * so CI cannot pass without running the real-client tests.
 */
export function skipUnlessRoot(tools: string[] = []): string | undefined {
  const reason = whyNoNetns(tools);
  if (reason && process.env.HYDRA_REQUIRE_NETNS === '1') {
    throw new Error(`HYDRA_REQUIRE_NETNS=1 but namespace tests cannot run: ${reason}`);
  }
  return reason;
}

function whyNoNetns(tools: string[]): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'needs root to create network namespaces (run as root, as CI does)';
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore', timeout: 5000 });
  } catch {
    return '`ip netns` is unavailable (install iproute2)';
  }
  const missing = tools.filter((t) => !commandExists(t));
  if (missing.length > 0) return `missing tools: ${missing.join(', ')}`;
  return undefined;
}

/** A long-running process inside a namespace, with its combined output kept for diagnostics. */
export class Proc {
  output = '';
  exitCode: number | null = null;
  exitSignal: NodeJS.Signals | null = null;
  readonly exited: Promise<void>;
  private readonly log: WriteStream;

  constructor(
    readonly label: string,
    readonly child: ChildProcess,
    logPath: string,
  ) {
    this.log = createWriteStream(logPath);
    const take = (chunk: Buffer): void => {
      this.log.write(chunk);
      // Keep memory bounded: the tail is what diagnostics need.
      this.output += chunk.toString();
      if (this.output.length > 2_000_000) this.output = this.output.slice(-1_000_000);
    };
    child.stdout?.on('data', take);
    child.stderr?.on('data', take);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitCode = code;
        this.exitSignal = signal;
        resolve();
      });
      child.once('error', (err) => {
        this.output += `\n[spawn error: ${err.message}]\n`;
        resolve();
      });
    });
    void this.exited.then(() => this.log.end());
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitCode === null && this.exitSignal === null && this.child.pid !== undefined && !this.child.killed;
  }

  /** Sends a signal to this process (by PID) without waiting. */
  signal(sig: NodeJS.Signals): void {
    if (this.child.pid !== undefined && this.exitCode === null && this.exitSignal === null) {
      try {
        process.kill(this.child.pid, sig);
      } catch {
        /* already gone */
      }
    }
  }

  /** Waits for the process to exit by itself, at most timeoutMs; true when it did. */
  async waitExit(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const done = await Promise.race([
      this.exited.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    return done;
  }

  /** SIGTERM (or `sig`), then SIGKILL if it has not exited within graceMs. */
  async stop(sig: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<void> {
    if (this.exitCode !== null || this.exitSignal !== null || this.child.pid === undefined) return;
    this.signal(sig);
    if (await this.waitExit(graceMs)) return;
    this.signal('SIGKILL');
    await this.waitExit(2000);
  }

  tail(chars = 4000): string {
    return this.output.slice(-chars);
  }
}

export interface VethEnd {
  ns: string;
  /** Interface name; at most 15 characters. Use lab.ifname() to make a unique one. */
  name: string;
  /** CIDR address to assign, e.g. 10.79.0.1/24; none for a DHCP client's interface. */
  addr?: string;
  mac?: string;
}

/** Every lab alive in this process, so an abrupt exit still removes namespaces. */
const liveLabs = new Set<NetLab>();
let exitHookInstalled = false;

export class NetLab {
  readonly namespaces: string[] = [];
  readonly procs: Proc[] = [];
  dir = '';
  private readonly cleanups: (() => Promise<void>)[] = [];
  private readonly pidTag: string;

  /** `tag`: 2–3 lowercase letters naming the test file, so files never share names. */
  constructor(readonly tag: string) {
    if (!/^[a-z]{2,3}$/.test(tag)) throw new Error(`lab tag must be 2-3 lowercase letters: ${tag}`);
    this.pidTag = process.pid.toString(36);
  }

  async init(): Promise<this> {
    await sweepStaleNamespaces();
    this.dir = await mkdtemp(join(tmpdir(), `hydra-it-${this.tag}-`));
    liveLabs.add(this);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.once('exit', () => {
        for (const lab of liveLabs) lab.cleanupSync();
      });
    }
    return this;
  }

  /** A unique interface name: tag + pid (base 36) + suffix, checked against IFNAMSIZ. */
  ifname(suffix: string): string {
    const name = `${this.tag}${this.pidTag}${suffix}`;
    if (name.length > 15) throw new Error(`interface name too long: ${name}`);
    return name;
  }

  /** Creates a namespace with `lo` up and IPv6 off (keeps captures to the DHCP traffic). */
  async addNs(suffix: string): Promise<string> {
    const name = `hx-${this.tag}-${process.pid}-${suffix}`;
    await run('ip', ['netns', 'add', name]);
    this.namespaces.push(name);
    await run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    await this.exec(name, 'sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
    return name;
  }

  /** A veth pair created directly inside the two namespaces, addressed and up. */
  async veth(a: VethEnd, b: VethEnd): Promise<void> {
    for (const end of [a, b]) if (end.name.length > 15) throw new Error(`interface name too long: ${end.name}`);
    const args = ['-n', a.ns, 'link', 'add', a.name];
    if (a.mac) args.push('address', a.mac);
    args.push('type', 'veth', 'peer', 'name', b.name);
    if (b.mac) args.push('address', b.mac);
    args.push('netns', b.ns);
    await run('ip', args);
    for (const end of [a, b]) {
      if (end.addr) await run('ip', ['-n', end.ns, 'addr', 'add', end.addr, 'dev', end.name]);
      await run('ip', ['-n', end.ns, 'link', 'set', end.name, 'up']);
    }
  }

  /** A specific route (never a default one: the issue forbids it). */
  async route(ns: string, dest: string, via: string): Promise<void> {
    if (dest === 'default' || dest.endsWith('/0')) throw new Error('tests must not add a default route');
    await run('ip', ['-n', ns, 'route', 'add', dest, 'via', via]);
  }

  /** Gives the interface a new MAC (a new client identity) and drops its IPv4 addresses. */
  async setMac(ns: string, iface: string, mac: string): Promise<void> {
    await run('ip', ['-n', ns, '-4', 'addr', 'flush', 'dev', iface]);
    await run('ip', ['-n', ns, 'link', 'set', iface, 'down']);
    await run('ip', ['-n', ns, 'link', 'set', iface, 'address', mac]);
    await run('ip', ['-n', ns, 'link', 'set', iface, 'up']);
  }

  /** IPv4 addresses (CIDR) on an interface. */
  async addresses(ns: string, iface: string): Promise<string[]> {
    const r = await run('ip', ['-n', ns, '-4', '-o', 'addr', 'show', 'dev', iface]);
    return [...r.stdout.matchAll(/inet (\d+\.\d+\.\d+\.\d+\/\d+)/g)].map((m) => m[1]!);
  }

  /** Runs a command inside a namespace to completion. */
  exec(ns: string, cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
    return run('ip', ['netns', 'exec', ns, cmd, ...args], opts);
  }

  /**
   * Starts a long-running command inside a namespace. `ip netns exec` execs the command, so the
   * child's PID is the command's own PID. Output goes to `<dir>/<label>.log` and Proc.output.
   */
  spawn(ns: string, label: string, cmd: string, args: string[], env?: NodeJS.ProcessEnv): Proc {
    const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: env ?? process.env,
    });
    const proc = new Proc(label, child, join(this.dir, `${label}.log`));
    this.procs.push(proc);
    return proc;
  }

  /** Captures DHCP traffic on an interface into a pcap file; dump it with capture.text(). */
  async capture(ns: string, iface: string): Promise<Capture> {
    const file = join(this.dir, `${iface}.pcap`);
    const proc = this.spawn(ns, `tcpdump-${iface}`, 'tcpdump', ['-i', iface, '-n', '-U', '--immediate-mode', '-s', '1500', '-w', file, 'udp port 67 or udp port 68']);
    await waitFor(`tcpdump on ${iface} to start`, () => /listening on/.test(proc.output) || !proc.running, 10_000);
    if (!proc.running) throw new Error(`tcpdump failed: ${proc.tail()}`);
    return new Capture(file);
  }

  /** Registers extra teardown (e.g. files a client insists on writing outside the temp dir). */
  onCleanup(fn: () => Promise<void>): void {
    this.cleanups.push(fn);
  }

  /** Stops every process (last started first), deletes the namespaces and the temp dir. */
  async cleanup(): Promise<void> {
    for (const p of [...this.procs].reverse()) await p.stop('SIGTERM', 3000);
    for (const fn of this.cleanups.splice(0)) {
      try {
        await fn();
      } catch (err) {
        process.stderr.write(`# cleanup step failed: ${String(err)}\n`);
      }
    }
    for (const ns of [...this.namespaces].reverse()) {
      await run('ip', ['netns', 'del', ns], { allowFail: true });
    }
    this.namespaces.length = 0;
    if (this.dir && process.env.HYDRA_TEST_KEEP !== '1') await rm(this.dir, { recursive: true, force: true });
    else if (this.dir) process.stderr.write(`# kept test files in ${this.dir}\n`);
    liveLabs.delete(this);
  }

  /** Last-resort teardown on process exit: kill by PID, delete namespaces. */
  cleanupSync(): void {
    for (const p of this.procs) if (p.pid !== undefined && p.exitCode === null && p.exitSignal === null) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    for (const ns of this.namespaces) {
      try {
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore', timeout: 5000 });
      } catch {
        /* gone */
      }
    }
  }
}

/** Deletes namespaces left by test processes that died without cleanup (`hx-<tag>-<pid>-…`, pid gone). */
async function sweepStaleNamespaces(): Promise<void> {
  const list = await run('ip', ['netns', 'list'], { allowFail: true });
  for (const line of list.stdout.split('\n')) {
    const m = /^(hx-[a-z]{2,3}-(\d+)-[a-z0-9]+)\b/.exec(line);
    if (!m || Number(m[2]) === process.pid || pidAlive(Number(m[2]))) continue;
    await run('ip', ['netns', 'del', m[1]!], { allowFail: true });
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class Capture {
  constructor(readonly file: string) {}

  /** One summary line per captured packet matching a tcpdump filter expression. */
  async lines(filter = ''): Promise<string[]> {
    if (!existsSync(this.file)) return [];
    const args = ['-r', this.file, '-n', '-e'];
    if (filter) args.push(filter);
    const r = await run('tcpdump', args, { allowFail: true });
    return r.stdout.split('\n').filter((l) => l.trim().length > 0);
  }

  /** Waits until at least `count` packets match `filter` (the writer flushes every packet). */
  async waitFor(what: string, filter: string, count = 1, timeoutMs = 5000): Promise<string[]> {
    return waitFor(what, async () => {
      const lines = await this.lines(filter);
      return lines.length >= count ? lines : undefined;
    }, timeoutMs, 100);
  }

  /** The capture decoded by tcpdump -v (for failure messages). */
  async text(): Promise<string> {
    if (!existsSync(this.file)) return '(no capture file)';
    const r = await run('tcpdump', ['-r', this.file, '-n', '-v', '-e'], { allowFail: true });
    return r.stdout + r.stderr;
  }
}
