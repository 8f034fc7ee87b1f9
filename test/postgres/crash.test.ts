// The embedded store's crash test (test/durability/crash.test.ts, same invariants, same
// procedure) against the PostgreSQL store: the server is SIGKILLed under load at random moments,
// the database is read back after each kill, every ACKed lease must be there.
import { describe, it } from 'node:test';
import pg from 'pg';
import { crashRounds } from '../durability/crash-rounds.js';
import type { StoredLease } from '../durability/lease-ledger.js';
import { loadRig } from '../durability/load-rig.js';
import { skipUnlessPostgres, startPostgres, type TestPostgres } from '../support/postgres.js';

const ROUNDS = Number(process.env.HYDRA_CRASH_ROUNDS ?? (process.env.HYDRA_SOAK === '1' ? 100 : 4));
const SEED = Number(process.env.HYDRA_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
const skip = skipUnlessPostgres();

async function readDatabase(url: string): Promise<{ leases: StoredLease[]; dropped: { place: string; reason: string }[] }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const r = await client.query<{ address: string; client_key: string; state: string; expires_at: number }>(
      'SELECT address, client_key, state, expires_at FROM hydra_lease4',
    );
    return { leases: r.rows.map((row) => ({ address: Number(row.address), clientKey: row.client_key, state: row.state, expiresAt: Number(row.expires_at) })), dropped: [] };
  } finally {
    await client.end();
  }
}

describe('crash safety on PostgreSQL: SIGKILL under load, restart on the same database', { skip }, () => {
  let db: TestPostgres | null = null;
  if (!skip) db = startPostgres();
  const config = `lease-time: 3600
store: { type: postgres, url: ${JSON.stringify(db?.url ?? '')}, server-name: crash, claim-seconds: 3 }
subnets:
  - id: 1
    subnet: 10.77.0.0/24
    pools: [10.77.0.20-10.77.0.219]
    options: { routers: [10.77.0.1] }
`;
  const rig = loadRig({ prefix: 'hydra-pgcrash-', config, keepEnv: 'HYDRA_CRASH_KEEP' });

  it(`keeps every ACKed lease and never binds an address twice (${ROUNDS} rounds, seed ${SEED})`, { timeout: 60_000 + ROUNDS * 10_000 }, async () => {
    try {
      await crashRounds({
        rig,
        rounds: ROUNDS,
        seed: SEED,
        args: ['--config', rig.configFile, '--data-dir', rig.dataDir],
        readStore: () => readDatabase(db!.url),
        label: 'postgres crash test',
      });
    } finally {
      db?.destroy();
    }
  });
});
