// What /proc says about a server process: CPU time used (all threads) and resident memory.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

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
