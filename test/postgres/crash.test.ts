// The embedded store's crash test (test/durability/crash.test.ts, same invariants, same
// procedure) against the PostgreSQL store: the server is SIGKILLed under load at random moments,
// the database is read back after each kill, every ACKed lease must be there.
import { describe, it } from 'node:test';
import { crashRounds } from '../durability/crash-rounds.js';
import { loadRig } from '../durability/load-rig.js';
import { skipUnlessPostgres, startPostgres, type TestPostgres } from '../support/postgres.js';
import { readLeaseRows, TEST_SUBNETS } from './pg-fleet.js';

const ROUNDS = Number(process.env.HYDRA_CRASH_ROUNDS ?? (process.env.HYDRA_SOAK === '1' ? 100 : 4));
const SEED = Number(process.env.HYDRA_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
const skip = skipUnlessPostgres();

describe('crash safety on PostgreSQL: SIGKILL under load, restart on the same database', { skip }, () => {
  let db: TestPostgres | null = null;
  if (!skip) db = startPostgres();
  const config = `lease-time: 3600
store: { type: postgres, url: ${JSON.stringify(db?.url ?? '')}, server-name: crash, claim-seconds: 3 }
${TEST_SUBNETS}`;
  const rig = loadRig({ prefix: 'hydra-pgcrash-', config, keepEnv: 'HYDRA_CRASH_KEEP' });

  it(`keeps every ACKed lease and never binds an address twice (${ROUNDS} rounds, seed ${SEED})`, { timeout: 60_000 + ROUNDS * 10_000 }, async () => {
    try {
      await crashRounds({
        rig,
        rounds: ROUNDS,
        seed: SEED,
        args: ['--config', rig.configFile, '--data-dir', rig.dataDir],
        readStore: async () => ({ leases: await readLeaseRows(db!.url), dropped: [] }),
        label: 'postgres crash test',
      });
    } finally {
      db?.destroy();
    }
  });
});
