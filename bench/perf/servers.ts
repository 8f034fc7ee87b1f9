// The servers under test and their equivalent configurations: the same subnet, pool, lease
// times and options for Hydra and Kea, leases persisted under a fresh temporary directory.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchLab, type LabProcess, SERVER_ADDRESS, sleep } from './lab.js';
import { udpPortBound } from './proc-stats.js';

export type PoolVariant = '/16' | '/8';

export interface PoolSpec {
  subnet: string;
  /** Inclusive ranges; the veth addresses (10.85.0.1 server, 10.85.0.2 perfdhcp) stay out. */
  ranges: [string, string][];
}

/** perfdhcp relays from 10.85.0.2 (giaddr), so each subnet contains it. */
export const POOLS: Record<PoolVariant, PoolSpec> = {
  '/16': { subnet: '10.85.0.0/16', ranges: [['10.85.0.3', '10.85.255.254']] },
  '/8': { subnet: '10.0.0.0/8', ranges: [['10.0.0.1', '10.85.0.0'], ['10.85.0.3', '10.255.255.254']] },
};

/** Lease times, seconds: T1 and T2 are given explicitly because Kea 2.2 omits them otherwise. */
export const LEASE = { valid: 3600, renew: 1800, rebind: 3150 };
/** Lease caching, set explicitly on both sides (Hydra lease-cache-percent, Kea cache-threshold). */
export const CACHE_PERCENT = 25;
const DOMAIN = 'bench.test';

export function hydraConfig(pool: PoolSpec): string {
  return [
    `lease-time: ${LEASE.valid}`,
    `renewal-time: ${LEASE.renew}`,
    `rebinding-time: ${LEASE.rebind}`,
    `lease-cache-percent: ${CACHE_PERCENT}`,
    'options:',
    `  domain-name-servers: [${SERVER_ADDRESS}]`,
    'subnets:',
    '  - id: 1',
    `    subnet: ${pool.subnet}`,
    `    pools: [${pool.ranges.map(([a, b]) => `"${a}-${b}"`).join(', ')}]`,
    `    options: { routers: [${SERVER_ADDRESS}], domain-name: ${DOMAIN} }`,
    '',
  ].join('\n');
}

export interface KeaSettings {
  iface: string;
  leaseFile: string;
  multiThreaded: boolean;
}

/** Kea 2.2 DHCPv4 configuration: UDP sockets (relayed traffic only), memfile persisted, no LFC. */
export function keaConfig(pool: PoolSpec, k: KeaSettings): object {
  return {
    Dhcp4: {
      'interfaces-config': { interfaces: [k.iface], 'dhcp-socket-type': 'udp' },
      'lease-database': { type: 'memfile', persist: true, name: k.leaseFile, 'lfc-interval': 0 },
      'valid-lifetime': LEASE.valid,
      'renew-timer': LEASE.renew,
      'rebind-timer': LEASE.rebind,
      'cache-threshold': CACHE_PERCENT / 100,
      'option-data': [{ name: 'domain-name-servers', data: SERVER_ADDRESS }],
      subnet4: [
        {
          id: 1,
          subnet: pool.subnet,
          pools: pool.ranges.map(([a, b]) => ({ pool: `${a} - ${b}` })),
          'option-data': [
            { name: 'routers', data: SERVER_ADDRESS },
            { name: 'domain-name', data: DOMAIN },
          ],
        },
      ],
      'multi-threading': k.multiThreaded
        ? { 'enable-multi-threading': true, 'thread-pool-size': 2, 'packet-queue-size': 64 }
        : { 'enable-multi-threading': false },
      loggers: [{ name: 'kea-dhcp4', output_options: [{ output: 'stdout' }], severity: 'WARN' }],
    },
  };
}

export interface StartedServer {
  proc: LabProcess;
  /** From spawn until the server serves (Hydra: its `serving` line; Kea: its UDP socket). */
  readyMs: number;
}

export interface ServerUnderTest {
  /** Short name used in tables and JSON: hydra, kea-st, kea-mt. */
  name: string;
  description: string;
  start(lab: BenchLab, pool: PoolSpec, dir: string): Promise<StartedServer>;
}

const READY_TIMEOUT_MS = 30_000;

async function waitReady(proc: LabProcess, what: string, ready: () => boolean, t0: number): Promise<number> {
  const deadline = t0 + READY_TIMEOUT_MS;
  for (;;) {
    if (ready()) return performance.now() - t0;
    if (proc.exited) throw new Error(`${proc.label} exited before ${what} (${proc.exitDescription}):\n${proc.tail()}`);
    if (performance.now() > deadline) {
      await proc.stop();
      throw new Error(`${proc.label}: no ${what} within ${READY_TIMEOUT_MS} ms:\n${proc.tail()}`);
    }
    await sleep(5);
  }
}

/** dist/bench/perf/servers.js → dist/src/cli/main.js */
export const DEFAULT_HYDRA_MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** Hydra's "serving" log line, in its text form and its JSON form. */
const SERVING = /\binfo serving\b|"msg":"serving"/;

export function hydraServer(main: string, extraArgs: string[]): ServerUnderTest {
  return {
    name: 'hydra',
    description: `node ${main} ${extraArgs.join(' ')}`.trim(),
    async start(lab, pool, dir) {
      if (!existsSync(main)) throw new Error(`${main} is missing: build first (npm run build)`);
      const config = join(dir, 'hydra.yaml');
      await writeFile(config, hydraConfig(pool));
      const args = [main, '--config', config, '-U', '67', '-I', lab.serverIface, '--data-dir', join(dir, 'data'), ...extraArgs];
      const t0 = performance.now();
      const proc = lab.spawn(lab.serverNs, 'hydra', process.execPath, args);
      const readyMs = await waitReady(proc, '"serving" log line', () => SERVING.test(proc.output), t0);
      return { proc, readyMs };
    },
  };
}

export function keaServer(binary: string, multiThreaded: boolean): ServerUnderTest {
  const name = multiThreaded ? 'kea-mt' : 'kea-st';
  return {
    name,
    description: multiThreaded ? 'Kea memfile, multi-threaded (2 threads, queue 64)' : 'Kea memfile, single-threaded',
    async start(lab, pool, dir) {
      await mkdir(join(dir, 'run'), { recursive: true });
      const config = join(dir, 'kea-dhcp4.json');
      const settings = { iface: lab.serverIface, leaseFile: join(dir, 'kea-leases4.csv'), multiThreaded };
      await writeFile(config, JSON.stringify(keaConfig(pool, settings), null, 2));
      // Its PID file and logger lock go to the temp dir, never to /run/kea.
      const env = { KEA_PIDFILE_DIR: join(dir, 'run'), KEA_LOCKFILE_DIR: join(dir, 'run') };
      const t0 = performance.now();
      const proc = lab.spawn(lab.serverNs, name, binary, ['-c', config], env);
      const readyMs = await waitReady(proc, 'UDP socket on port 67', () => !proc.exited && udpPortBound(proc.pid, 67), t0);
      return { proc, readyMs };
    },
  };
}

/** Full path of a command on PATH (plus the sbin directories), or undefined. */
export function findCommand(cmd: string): string | undefined {
  try {
    const path = `${process.env.PATH ?? ''}:/usr/local/sbin:/usr/sbin:/sbin`;
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { env: { ...process.env, PATH: path }, timeout: 5000 }).toString().trim() || undefined;
  } catch {
    return undefined;
  }
}
