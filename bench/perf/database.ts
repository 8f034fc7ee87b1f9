// The PostgreSQL the database-backed trials share: one throwaway cluster per bench run (the test
// suite's startPostgres: PostgreSQL 15, Unix socket only, durability settings at their defaults),
// a fresh database per trial, and the per-trial facts read from it afterwards: its CPU time and
// what the lease table holds. The socket is a path under /tmp: the servers reach it from inside
// the bench's network namespace because a path-bound Unix socket belongs to the file system,
// not to a network namespace.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { skipUnlessPostgres, startPostgres, type TestPostgres } from '../../test/support/postgres.js';
import { treeCpuMicros } from './proc-stats.js';

/** Connections: three Hydra servers with a few each, Kea MT with one per thread, psql. */
const SETTINGS = { max_connections: 200 };

/** Where Kea's lease-database finds the cluster (libpq: a host starting with '/' is a socket directory). */
export interface KeaDbParams {
  host: string;
  port: number;
  name: string;
  user: string;
}

/** What the lease table held after a trial. */
export interface LeaseCheck {
  /** Rows per state (Hydra: its state names; Kea: state numbers, 0 = default/bound). */
  rowsByState: Record<string, number>;
  /** Rows per writing server (Hydra only). */
  rowsByWriter?: Record<string, number>;
  /** Addresses held by two different clients: must be 0 (each table keys rows by address, so this double-checks). */
  addressesWithTwoClients: number;
  /** Clients holding more than one unexpired lease: a sign that servers disagreed. */
  clientsWithTwoLeases: number;
}

/** Why the database trials cannot run, or undefined (never throws, unlike skipUnlessPostgres under CI). */
export function postgresUnavailable(): string | undefined {
  try {
    return skipUnlessPostgres();
  } catch (e) {
    return (e as Error).message;
  }
}

let counter = 0;

export class BenchDatabase {
  private constructor(private readonly pg: TestPostgres, readonly postmasterPid: number, readonly keaTemplate: string | undefined) {}

  /** Starts the cluster; with `keaAdmin`, prepares a template database holding Kea's schema. */
  static start(keaAdmin: string | undefined): BenchDatabase {
    const pg = startPostgres(SETTINGS);
    try {
      const dataDir = pg.psql('SHOW data_directory').trim();
      const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      let template: string | undefined;
      if (keaAdmin) {
        template = 'kea_template';
        pg.psql(`CREATE DATABASE ${template}`);
        execFileSync(keaAdmin, ['db-init', 'pgsql', '-h', pg.socketDir, '-P', String(pg.port), '-u', pg.user, '-n', template], {
          timeout: 60_000,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
      }
      return new BenchDatabase(pg, pid, template);
    } catch (e) {
      pg.destroy();
      throw e;
    }
  }

  /** Settings that matter for the comparison, as the server reports them. */
  settings(): Record<string, string> {
    const names = ['server_version', 'fsync', 'synchronous_commit', 'wal_sync_method', 'full_page_writes', 'commit_delay', 'shared_buffers', 'max_connections'];
    const out: Record<string, string> = {};
    for (const n of names) out[n] = this.pg.psql(`SHOW ${n}`).trim();
    return out;
  }

  /** A new empty database for Hydra (it creates its schema at start); returns its name. */
  createHydraDb(): string {
    const name = `hydra_t${++counter}`;
    this.pg.psql(`CREATE DATABASE ${name}`);
    return name;
  }

  /** A new database with Kea's schema, copied from the template. */
  createKeaDb(): string {
    if (!this.keaTemplate) throw new Error('no Kea schema template (kea-admin missing)');
    const name = `kea_t${++counter}`;
    this.pg.psql(`CREATE DATABASE ${name} TEMPLATE ${this.keaTemplate}`);
    return name;
  }

  /** node-postgres URL of one database (socket directory and port as query parameters). */
  urlOf(db: string): string {
    return `postgresql://${this.pg.user}@localhost/${db}?host=${encodeURIComponent(this.pg.socketDir)}&port=${this.pg.port}`;
  }

  keaParams(db: string): KeaDbParams {
    return { host: this.pg.socketDir, port: this.pg.port, name: db, user: this.pg.user };
  }

  /** Drops a trial's database, ending any session a killed server left behind. */
  drop(db: string): void {
    this.pg.psql(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  }

  /** CPU of the postmaster and all its processes (backends, WAL writer, checkpointer…), µs. */
  cpuMicros(): number {
    return treeCpuMicros(this.postmasterPid);
  }

  query(db: string, sql: string): string[][] {
    const text = this.psqlIn(db, sql);
    return text.split('\n').filter((l) => l.length > 0).map((l) => l.split('|'));
  }

  private psqlIn(db: string, sql: string): string {
    return execFileSync('runuser', ['-u', 'postgres', '--', '/usr/bin/psql', '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', this.pg.socketDir, '-p', String(this.pg.port), '-U', this.pg.user, '-d', db, '-c', sql], {
      encoding: 'utf8',
      timeout: 60_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  checkHydra(db: string): LeaseCheck {
    const byState = Object.fromEntries(this.query(db, 'SELECT state, count(*) FROM hydra_lease4 GROUP BY state').map(([s, n]) => [s!, Number(n)]));
    const byWriter = Object.fromEntries(this.query(db, 'SELECT writer, count(*) FROM hydra_lease4 GROUP BY writer').map(([w, n]) => [w!, Number(n)]));
    const two = this.query(db, 'SELECT count(*) FROM (SELECT address FROM hydra_lease4 GROUP BY address HAVING count(DISTINCT client_key) > 1) x');
    const many = this.query(db, `SELECT count(*) FROM (SELECT client_key FROM hydra_lease4 WHERE state = 'bound' AND expires_at > extract(epoch FROM now()) GROUP BY client_key HAVING count(*) > 1) x`);
    return { rowsByState: byState, rowsByWriter: byWriter, addressesWithTwoClients: Number(two[0]?.[0] ?? NaN), clientsWithTwoLeases: Number(many[0]?.[0] ?? NaN) };
  }

  checkKea(db: string): LeaseCheck {
    const byState = Object.fromEntries(this.query(db, 'SELECT state, count(*) FROM lease4 GROUP BY state').map(([s, n]) => [s!, Number(n)]));
    const two = this.query(db, 'SELECT count(*) FROM (SELECT address FROM lease4 GROUP BY address HAVING count(DISTINCT hwaddr) > 1) x');
    const many = this.query(db, 'SELECT count(*) FROM (SELECT hwaddr FROM lease4 WHERE state = 0 AND expire > now() GROUP BY hwaddr HAVING count(*) > 1) x');
    return { rowsByState: byState, addressesWithTwoClients: Number(two[0]?.[0] ?? NaN), clientsWithTwoLeases: Number(many[0]?.[0] ?? NaN) };
  }

  destroy(): void {
    this.pg.destroy();
  }
}
