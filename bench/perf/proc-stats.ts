// What /proc says about a server process: CPU time used (all threads) and resident memory.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { timeout: 5000 }).toString().trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** utime + stime of the whole process (every thread), in microseconds; NaN when it is gone. */
export function cpuMicros(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name, which may itself hold spaces or parens.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line, i.e. 11 and 12 after "state".
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks / clockTicks()) * 1e6;
  } catch {
    return NaN;
  }
}

/** A "VmXXX:  1234 kB" line of /proc/<pid>/status in MiB; NaN when it is gone. */
export function memoryMiB(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** True when some socket in the process's network namespace is bound to this local UDP port. */
export function udpPortBound(pid: number, port: number): boolean {
  try {
    const table = readFileSync(`/proc/${pid}/net/udp`, 'utf8');
    const suffix = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
    // Rows: "sl local_address rem_address …", local_address as "0100550A:0043".
    return table.split('\n').slice(1).some((line) => line.trim().split(/\s+/)[1]?.endsWith(suffix) === true);
  } catch {
    return false;
  }
}

/** CPU ticks spent machine-wide outside idle and iowait (steal included: the host took it). */
function machineBusyTicks(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!; // "cpu  user nice system idle iowait irq softirq steal …"
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  return v[0]! + v[1]! + v[2]! + v[5]! + v[6]! + v[7]!;
}

/** CPU ticks of this process plus its reaped children (every server and perfdhcp run). */
function ownTicks(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime, stime, cutime, cstime: fields 14-17 of the line, 11-14 after "state".
  return Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
}

/**
 * Measures how busy the rest of the machine was between start() and stop(), in cores: the
 * benchmark's own children are reaped by then, so what remains is other people's work.
 */
export class ForeignLoad {
  private readonly t0 = performance.now();
  private readonly machine0 = machineBusyTicks();
  private readonly own0 = ownTicks();

  /** `excludeMicros`: CPU time of processes that are not ours but part of the trial (the database). */
  cores(excludeMicros = 0): number {
    const seconds = (performance.now() - this.t0) / 1000;
    const foreign = machineBusyTicks() - this.machine0 - (ownTicks() - this.own0) - (excludeMicros / 1e6) * clockTicks();
    return Math.max(0, foreign / clockTicks() / seconds);
  }
}

/** Fields after the command name of /proc/<pid>/stat (index 0 = state, 1 = ppid, 11/12 = utime/stime, 13/14 = cutime/cstime). */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** PIDs of `root` and all its live descendants (one /proc scan). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return [root];
  }
  for (const e of entries) {
    const f = statFields(Number(e));
    if (!f) continue;
    const ppid = Number(f[1]);
    let list = children.get(ppid);
    if (!list) children.set(ppid, (list = []));
    list.push(Number(e));
  }
  const out: number[] = [];
  const todo = [root];
  while (todo.length > 0 && out.length < 10_000) {
    const pid = todo.pop()!;
    out.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return out;
}

/**
 * CPU of a process tree in µs: every live member's utime + stime, plus the root's cutime +
 * cstime (children it has reaped: PostgreSQL backends that ended, Hydra workers that exited).
 * Hydra mode (-P N) serves from worker processes, PostgreSQL from one backend per connection:
 * the root's own figure would miss nearly all of the work. NaN when the root is gone.
 */
export function treeCpuMicros(root: number): number {
  const rootFields = statFields(root);
  if (!rootFields) return NaN;
  let ticks = Number(rootFields[13]) + Number(rootFields[14]);
  for (const pid of processTree(root)) {
    const f = pid === root ? rootFields : statFields(pid);
    if (f) ticks += Number(f[11]) + Number(f[12]);
  }
  return (ticks / clockTicks()) * 1e6;
}

/** Sum of a memory field over a process tree, MiB (for VmHWM: the sum of each member's peak). */
export function treeMemoryMiB(root: number, field: 'VmHWM' | 'VmRSS'): number {
  const values = processTree(root).map((pid) => memoryMiB(pid, field)).filter((v) => Number.isFinite(v));
  return values.length > 0 ? values.reduce((a, b) => a + b, 0) : NaN;
}
