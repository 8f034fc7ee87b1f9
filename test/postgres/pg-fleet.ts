// Several real `hydra` processes on loopback sharing one throwaway PostgreSQL: each on its own
// port (the fake relay for server k binds 127.0.0.2:<port k>) with its own server name.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, HydraProcess } from '../durability/hydra-server.js';
import type { StoredLease } from '../durability/lease-ledger.js';
import { RelayClient } from '../support/relay-client.js';
import { startPostgres, type TestPostgres } from '../support/postgres.js';

/** The pool the PostgreSQL tests share: 200 addresses, so they change hands under load. */
export const TEST_SUBNETS = `subnets:
  - id: 1
    subnet: 10.77.0.0/24
    pools: [10.77.0.20-10.77.0.219]
    options: { routers: [10.77.0.1] }
`;

/** Every lease row of the database at `url`, as the ledger checks them. */
export async function readLeaseRows(url: string): Promise<StoredLease[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const r = await client.query<{ address: string; client_key: string; state: string; expires_at: number }>(
      'SELECT address, client_key, state, expires_at FROM hydra_lease4',
    );
    return r.rows.map((row) => ({ address: Number(row.address), clientKey: row.client_key, state: row.state, expiresAt: Number(row.expires_at) }));
  } finally {
    await client.end();
  }
}

export interface FleetOptions {
  servers: number;
  /** The subnets part of the YAML configuration. */
  subnets: string;
  leaseTime?: number;
  blockSize?: number;
  claimSeconds?: number;
  relayTimeoutMs?: number;
}

export interface FleetMember {
  name: string;
  port: number;
  args: string[];
  relay: RelayClient;
  process: HydraProcess | null;
}

export class PgFleet {
  readonly members: FleetMember[] = [];
  private constructor(
    readonly db: TestPostgres,
    readonly work: string,
  ) {}

  static async create(opts: FleetOptions): Promise<PgFleet> {
    const db = startPostgres({ max_connections: 200 });
    const fleet = new PgFleet(db, mkdtempSync(join(tmpdir(), 'hydra-pgfleet-')));
    try {
      for (let k = 0; k < opts.servers; k++) {
        const name = `hydra-${String.fromCharCode(97 + k)}`;
        const port = await freePort();
        const config = join(fleet.work, `${name}.yaml`);
        writeFileSync(
          config,
          [
            `lease-time: ${opts.leaseTime ?? 3600}`,
            'store:',
            '  type: postgres',
            `  url: ${JSON.stringify(db.url)}`,
            `  server-name: ${name}`,
            `  block-size: ${opts.blockSize ?? 8}`,
            `  claim-seconds: ${opts.claimSeconds ?? 3}`,
            opts.subnets,
          ].join('\n'),
        );
        // Distinct server identifiers, as separate machines would have.
        const args = ['--config', config, '--data-dir', join(fleet.work, `${name}-data`), '--server-id', `127.0.0.${11 + k}`];
        const relay = await RelayClient.open({ port, timeoutMs: opts.relayTimeoutMs ?? 400, attempts: 3 });
        fleet.members.push({ name, port, args, relay, process: null });
      }
    } catch (e) {
      await fleet.destroy();
      throw e;
    }
    return fleet;
  }

  async start(k: number): Promise<HydraProcess> {
    const m = this.members[k]!;
    m.process = await HydraProcess.start(m.port, m.args);
    m.relay.resume();
    return m.process;
  }

  async startAll(): Promise<void> {
    for (let k = 0; k < this.members.length; k++) await this.start(k);
  }

  running(): FleetMember[] {
    return this.members.filter((m) => m.process?.running);
  }

  /** Every lease row, as the ledger checks them. */
  leases(): Promise<StoredLease[]> {
    return readLeaseRows(this.db.url);
  }

  logs(): string {
    return this.members.map((m) => `--- ${m.name}:\n${m.process?.stderr.slice(-2500) ?? '(not started)'}`).join('\n');
  }

  async destroy(): Promise<void> {
    for (const m of this.members) {
      m.relay.close();
      await m.process?.kill('SIGKILL');
    }
    this.db.destroy();
    if (process.env.HYDRA_PGFLEET_KEEP !== '1') rmSync(this.work, { recursive: true, force: true });
  }
}
