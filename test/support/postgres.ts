// A throwaway PostgreSQL 15 cluster for tests and benchmarks: the Debian package's initdb and
// pg_ctl, run as the `postgres` user, in a temporary directory, listening on a Unix socket only
// (no TCP: nothing leaves the machine, and parallel clusters cannot collide on a port).
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = process.env.HYDRA_PG_BIN ?? '/usr/lib/postgresql/15/bin';

export interface TestPostgres {
  /** postgresql:// URL for node-postgres (socket directory in `host`). */
  readonly url: string;
  readonly socketDir: string;
  readonly port: number;
  readonly database: string;
  /** libpq-style settings for tools that take them separately (Kea's lease-database). */
  readonly host: string;
  readonly user: string;
  /** Stops the server (fast shutdown: open connections are cut) and keeps the data. */
  stop(): void;
  /** Starts it again on the same socket and data. */
  start(): void;
  /** Runs SQL through psql as the superuser; returns stdout (unaligned, tuples only). */
  psql(sql: string): string;
  /** Stops the server and deletes the cluster. */
  destroy(): void;
}

/** Why PostgreSQL tests cannot run here, or undefined when they can. Fails under HYDRA_REQUIRE_NETNS=1. */
export function skipUnlessPostgres(): string | undefined {
  let reason: string | undefined;
  if (process.platform !== 'linux') reason = 'the test cluster needs Linux';
  else if (process.getuid?.() !== 0) reason = 'needs root to run initdb/pg_ctl as the postgres user (run as root, as CI does)';
  else if (!existsSync(join(BIN, 'initdb'))) reason = `PostgreSQL 15 server binaries not found in ${BIN} (apt-get install postgresql)`;
  else {
    try {
      execFileSync('id', ['postgres'], { stdio: 'ignore' });
    } catch {
      reason = 'no `postgres` user (apt-get install postgresql creates it)';
    }
  }
  if (reason && process.env.HYDRA_REQUIRE_NETNS === '1') {
    throw new Error(`HYDRA_REQUIRE_NETNS=1 but PostgreSQL tests cannot run: ${reason}`);
  }
  return reason;
}

function asPostgres(cmd: string, args: string[], timeout = 60_000): string {
  return execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { encoding: 'utf8', timeout, stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * initdb + start. `settings` become `-c name=value` server options (e.g. max_connections);
 * durability settings are left at PostgreSQL's defaults (fsync, synchronous_commit on).
 */
export function startPostgres(settings: Record<string, string | number> = {}): TestPostgres {
  const root = mkdtempSync(join(tmpdir(), 'hydra-pg-'));
  // The postgres user must reach its data directory through the temp parent.
  chmodSync(root, 0o755);
  const data = join(root, 'data');
  const socketDir = root;
  chownSync(root, uidOf('postgres'), gidOf('postgres'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const database = 'hydra';
  asPostgres(join(BIN, 'initdb'), ['-D', data, '--auth=trust', '--username=postgres', '--no-sync', '-E', 'UTF8']);
  const opts = [`-k ${socketDir}`, `-p ${port}`, "-c listen_addresses=''", ...Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`)].join(' ');
  const ctl = (args: string[]): void => {
    asPostgres(join(BIN, 'pg_ctl'), ['-D', data, '-w', '-t', '60', ...args]);
  };
  const start = (): void => ctl(['-o', opts, '-l', join(root, 'server.log'), 'start']);
  const stop = (): void => ctl(['-m', 'fast', 'stop']);
  const psql = (sql: string, db = database): string =>
    asPostgres('/usr/bin/psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', socketDir, '-p', String(port), '-U', 'postgres', '-d', db, '-c', sql]);
  start();
  try {
    psql(`CREATE DATABASE ${database}`, 'postgres');
  } catch (e) {
    stop();
    throw e;
  }
  let destroyed = false;
  return {
    url: `postgresql://postgres@localhost/${database}?host=${encodeURIComponent(socketDir)}&port=${port}`,
    socketDir,
    port,
    database,
    host: socketDir,
    user: 'postgres',
    stop,
    start,
    psql: (sql) => psql(sql),
    destroy() {
      if (destroyed) return;
      destroyed = true;
      try {
        stop();
      } catch {
        // already stopped
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}

function uidOf(user: string): number {
  return Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
}
function gidOf(user: string): number {
  return Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
}
