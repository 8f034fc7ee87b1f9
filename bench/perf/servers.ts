// The servers under test and their equivalent configurations: the same subnet, pool, lease
// times and options for Hydra and Kea, leases persisted under a fresh temporary directory.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchDatabase, KeaDbParams, LeaseCheck } from './database.js';
import { type BenchLab, type Endpoint, endpoint, type LabProcess, SERVER_ADDRESS, sleep } from './lab.js';
import { udpPortBound } from './proc-stats.js';

export type PoolVariant = '/16' | '/8' | '/16b';

export interface PoolSpec {
  subnet: string;
  /** Inclusive ranges; the veth addresses (10.85.0.1 server, 10.85.0.2 perfdhcp) stay out. */
  ranges: [string, string][];
}

/** perfdhcp relays from 10.85.0.2 (giaddr), so each subnet contains it. */
export const POOLS: Record<PoolVariant, PoolSpec> = {
  '/16': { subnet: '10.85.0.0/16', ranges: [['10.85.0.3', '10.85.255.254']] },
  '/8': { subnet: '10.0.0.0/8', ranges: [['10.0.0.1', '10.85.0.0'], ['10.85.0.3', '10.255.255.254']] },
  // The database trials: the /16 without its first /24, which holds the extra veth addresses of
  // the multi-server setup (lab.ts endpoint()); 65,279 addresses, plenty for 50,000 clients.
  '/16b': { subnet: '10.85.0.0/16', ranges: [['10.85.1.0', '10.85.255.254']] },
};

/** Lease times, seconds: T1 and T2 are given explicitly because Kea 2.2 omits them otherwise. */
export const LEASE = { valid: 3600, renew: 1800, rebind: 3150 };
/** Lease caching, set explicitly on both sides (Hydra lease-cache-percent, Kea cache-threshold). */
export const CACHE_PERCENT = 25;
const DOMAIN = 'bench.test';

/** Hydra's `store:` section for the shared PostgreSQL store. */
export interface HydraPgStore {
  url: string;
  serverName: string;
  claimSeconds: number;
}

export function hydraConfig(pool: PoolSpec, store?: HydraPgStore): string {
  const storeLines = store
    ? [
        'store:',
        '  type: postgres',
        `  url: ${JSON.stringify(store.url)}`,
        `  server-name: ${store.serverName}`,
        `  claim-seconds: ${store.claimSeconds}`,
      ]
    : [];
  return [
    ...storeLines,
    `lease-time: ${LEASE.valid}`,
    `renewal-time: ${LEASE.renew}`,
    `rebinding-time: ${LEASE.rebind}`,
    // A shared database confirms every renewal (Hydra refuses caching with store postgres).
    `lease-cache-percent: ${store ? 0 : CACHE_PERCENT}`,
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
  /** memfile's CSV file, unless `postgres` is given. */
  leaseFile: string;
  /** Kea's PostgreSQL lease backend instead of memfile. */
  postgres?: KeaDbParams;
  multiThreaded: boolean;
}

/** Kea 2.2 DHCPv4 configuration: UDP sockets (relayed traffic only), memfile persisted without LFC, or PostgreSQL. */
export function keaConfig(pool: PoolSpec, k: KeaSettings): object {
  const leaseDb = k.postgres
    ? { type: 'postgresql', name: k.postgres.name, host: k.postgres.host, port: k.postgres.port, user: k.postgres.user }
    : { type: 'memfile', persist: true, name: k.leaseFile, 'lfc-interval': 0 };
  return {
    Dhcp4: {
      'interfaces-config': { interfaces: [k.iface], 'dhcp-socket-type': 'udp' },
      'lease-database': leaseDb,
      'valid-lifetime': LEASE.valid,
      'renew-timer': LEASE.renew,
      'rebind-timer': LEASE.rebind,
      // On PostgreSQL, caching is off as it is for Hydra there: Kea 2.2 caches only with a
      // cache-threshold (it accepts no 0), so the key is left out.
      ...(k.postgres ? {} : { 'cache-threshold': CACHE_PERCENT / 100 }),
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
  /** The (first) server process. */
  proc: LabProcess;
  /** Every server process of the trial (several Hydra servers on one database). */
  procs: LabProcess[];
  /** From spawn until the server serves (Hydra: its `serving` line; Kea: its UDP socket). */
  readyMs: number;
  /** Where the load goes, split evenly: one perfdhcp per endpoint. */
  endpoints: Endpoint[];
  /** From spawn until the servers had shared out the address blocks (several servers on one database). */
  settledMs?: number;
  /** The database the trial used (its CPU and lease table are read after the run). */
  database?: { db: BenchDatabase; name: string; check(): LeaseCheck };
  /** Where the server keeps its leases on disk, to be read after it stopped (phase million). */
  leases?: LeaseSource;
}

/** A stopped server's own lease store: Hydra's data directory (read with `hydra leases export`) or Kea's memfile CSV. */
export type LeaseSource = { kind: 'hydra'; main: string; dataDir: string } | { kind: 'kea-memfile'; file: string };

export interface ServerUnderTest {
  /** Short name used in tables and JSON: hydra, kea-st, kea-mt, hydra-pg×3, kea-pg-st… */
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

/** `nodeArgs` go to node before the script (e.g. --cpu-prof), `extraArgs` to hydra after it. */
export function hydraServer(main: string, extraArgs: string[], nodeArgs: string[] = []): ServerUnderTest {
  return {
    name: 'hydra',
    description: `node ${[...nodeArgs, main, ...extraArgs].join(' ')}`,
    async start(lab, pool, dir) {
      if (!existsSync(main)) throw new Error(`${main} is missing: build first (npm run build)`);
      const config = join(dir, 'hydra.yaml');
      await writeFile(config, hydraConfig(pool));
      const dataDir = join(dir, 'data');
      const args = [...nodeArgs, main, '--config', config, '-U', '67', '-I', lab.serverIface, '--data-dir', dataDir, ...extraArgs];
      const t0 = performance.now();
      const proc = lab.spawn(lab.serverNs, 'hydra', process.execPath, args);
      const readyMs = await waitReady(proc, '"serving" log line', () => SERVING.test(proc.output), t0);
      return { proc, procs: [proc], readyMs, endpoints: [endpoint(0)], leases: { kind: 'hydra', main, dataDir } };
    },
  };
}

export interface HydraPgOptions {
  main: string;
  extraArgs: string[];
  nodeArgs?: string[];
  db: BenchDatabase;
  /** Hydra servers sharing the database, each on its own address (lab endpoint k). */
  servers: number;
  claimSeconds: number;
  /** Longest wait for the servers to share out the address blocks before the load starts. */
  settleSeconds: number;
}

/**
 * N Hydra servers on one fresh database: server k binds endpoint k's address (`--bind`, its own
 * server identifier, API off so they do not collide on its port) and is named bench-k. The first
 * starts alone (it creates the schema); the others then start together. The load starts once
 * every server holds address blocks (bounded wait), so the first minutes are not one server's.
 */
export function hydraPgServer(o: HydraPgOptions): ServerUnderTest {
  const name = `hydra-pg×${o.servers}`;
  return {
    name,
    description: `${o.servers} × node ${[...(o.nodeArgs ?? []), o.main].join(' ')} (store: postgres, one database) ${o.extraArgs.join(' ')}`.trim(),
    async start(lab, pool, dir) {
      if (!existsSync(o.main)) throw new Error(`${o.main} is missing: build first (npm run build)`);
      const dbName = o.db.createHydraDb();
      const database = { db: o.db, name: dbName, check: () => o.db.checkHydra(dbName) };
      const procs: LabProcess[] = [];
      const endpoints = Array.from({ length: o.servers }, (_, k) => endpoint(k));
      const names = endpoints.map((_, k) => `bench-${k + 1}`);
      const t0 = performance.now();
      const spawnOne = async (k: number): Promise<number> => {
        const config = join(dir, `hydra-${k + 1}.yaml`);
        await writeFile(config, hydraConfig(pool, { url: o.db.urlOf(dbName), serverName: names[k]!, claimSeconds: o.claimSeconds }));
        const e = endpoints[k]!;
        const args = [...(o.nodeArgs ?? []), o.main, '--config', config, '-U', '67', '-I', lab.serverIface, '--bind', e.server, '--server-id', e.server, '--control', 'off', '--data-dir', join(dir, `data-${k + 1}`), ...o.extraArgs];
        const started = performance.now();
        const proc = lab.spawn(lab.serverNs, names[k]!, process.execPath, args);
        procs.push(proc);
        return waitReady(proc, '"serving" log line', () => SERVING.test(proc.output), started);
      };
      try {
        await spawnOne(0);
        await Promise.all(endpoints.slice(1).map((_, i) => spawnOne(i + 1)));
        const readyMs = performance.now() - t0;
        await waitForBlocks(o.db, dbName, names, procs, o.settleSeconds);
        return { proc: procs[0]!, procs, readyMs, endpoints, settledMs: performance.now() - t0, database };
      } catch (e) {
        for (const p of procs) await p.stop();
        o.db.drop(dbName);
        throw e;
      }
    },
  };
}

/**
 * Waits until every server owns at least half its fair share of the address blocks (bounded):
 * a server that joins later gets blocks only when the others release their excess.
 */
async function waitForBlocks(db: BenchDatabase, dbName: string, names: string[], procs: LabProcess[], maxSeconds: number): Promise<void> {
  const t0 = performance.now();
  const deadline = t0 + maxSeconds * 1000;
  let schemaSeen = false;
  for (;;) {
    for (const p of procs) if (p.exited) throw new Error(`${p.label} exited (${p.exitDescription}):\n${p.tail()}`);
    let owned = new Map<string, number>();
    let total = 0;
    try {
      const rows = db.query(dbName, 'SELECT coalesce(owner, \'\'), count(*) FROM hydra_pool_block GROUP BY 1');
      owned = new Map(rows.map(([o, n]) => [o!, Number(n)]));
      total = rows.reduce((a, [, n]) => a + Number(n), 0);
      schemaSeen = true;
    } catch {
      // The schema may not be there yet; a build that ignores `store:` never creates it.
      if (performance.now() - t0 > 10_000) throw new Error(`no Hydra schema in the database 10 s after "serving": does this hydra build use \`store: postgres\`?`);
    }
    const fair = total / names.length;
    if (schemaSeen && total > 0 && names.every((n) => (owned.get(n) ?? 0) >= Math.max(1, Math.floor(fair / 2)))) return;
    if (performance.now() > deadline) {
      process.stderr.write(`bench: address blocks not shared out after ${maxSeconds} s (${JSON.stringify(Object.fromEntries(owned))}); measuring anyway\n`);
      return;
    }
    await sleep(250);
  }
}

/** Kea with memfile, or with its PostgreSQL lease backend on a fresh database per trial (`db`). */
export function keaServer(binary: string, multiThreaded: boolean, db?: BenchDatabase): ServerUnderTest {
  const name = `kea-${db ? 'pg-' : ''}${multiThreaded ? 'mt' : 'st'}`;
  const threads = multiThreaded ? 'multi-threaded (2 threads, queue 64)' : 'single-threaded';
  return {
    name,
    description: `Kea ${db ? 'PostgreSQL lease backend' : 'memfile'}, ${threads}`,
    async start(lab, pool, dir) {
      await mkdir(join(dir, 'run'), { recursive: true });
      const config = join(dir, 'kea-dhcp4.json');
      const dbName = db?.createKeaDb();
      const leaseFile = join(dir, 'kea-leases4.csv');
      const settings = { iface: lab.serverIface, leaseFile, multiThreaded, ...(db ? { postgres: db.keaParams(dbName!) } : {}) };
      await writeFile(config, JSON.stringify(keaConfig(pool, settings), null, 2));
      // Its PID file and logger lock go to the temp dir, never to /run/kea.
      const env = { KEA_PIDFILE_DIR: join(dir, 'run'), KEA_LOCKFILE_DIR: join(dir, 'run') };
      const t0 = performance.now();
      const proc = lab.spawn(lab.serverNs, name, binary, ['-c', config], env);
      let readyMs: number;
      try {
        readyMs = await waitReady(proc, 'UDP socket on port 67', () => !proc.exited && udpPortBound(proc.pid, 67), t0);
      } catch (e) {
        if (db) db.drop(dbName!);
        throw e;
      }
      const database = db ? { db, name: dbName!, check: () => db.checkKea(dbName!) } : undefined;
      const leases: LeaseSource | undefined = db ? undefined : { kind: 'kea-memfile', file: leaseFile };
      return { proc, procs: [proc], readyMs, endpoints: [endpoint(0)], ...(database ? { database } : {}), ...(leases ? { leases } : {}) };
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
