// Crash safety, proven by force: many simulated clients run real DORA / INIT-REBOOT / REBINDING /
// RELEASE exchanges over UDP (loopback, through a fake relay agent) while the real `hydra`
// process is SIGKILLed at a random moment (50–800 ms into the load; new clients join each round); the data dir is then read offline and the server
// restarted on it. Checked every round:
//   (a) every lease a client holds (ACKed, not released or given up since) is in the store, bound
//       to that client, expiring no earlier than the ACK promised (REQUEST send time + lease time,
//       1 s slack for whole seconds);
//   (b) no address is bound in the store to two clients;
//   (c) the server never OFFERs or ACKs to one client an address another client holds — within a
//       round and across restarts — and never NAKs a client for the address it holds.
//
// Rounds: 5 by default (CI, well under 60 s). HYDRA_CRASH_ROUNDS=N runs N rounds; HYDRA_SOAK=1 runs
// a soak of 200 rounds. HYDRA_CRASH_SEED=n replays a run (every run prints its seed).
// HYDRA_IT_MAIN=path/to/main.js runs the test against another build of the server.
import { describe, it } from 'node:test';
import { openEmbeddedStore } from '../../src/leases/embedded-store.js';
import { crashRounds } from './crash-rounds.js';
import type { StoredLease } from './lease-ledger.js';
import { loadRig } from './load-rig.js';

const SOAK = process.env.HYDRA_SOAK === '1';
const ROUNDS = Number(process.env.HYDRA_CRASH_ROUNDS ?? (SOAK ? 200 : 5));
const SEED = Number(process.env.HYDRA_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
const LEASE_TIME = 3600;

const CONFIG = `# crash test: a small pool so addresses change hands
lease-time: ${LEASE_TIME}
subnets:
  - id: 1
    subnet: 10.77.0.0/24
    pools: [10.77.0.20-10.77.0.219]
    options: { routers: [10.77.0.1] }
`;

async function readStore(dataDir: string): Promise<{ leases: StoredLease[]; dropped: { place: string; reason: string }[] }> {
  const store = await openEmbeddedStore({ dataDir });
  try {
    return await store.load();
  } finally {
    await store.close();
  }
}

describe('crash safety: SIGKILL under load, restart on the same data dir', () => {
  const rig = loadRig({ prefix: 'hydra-crash-', config: CONFIG, keepEnv: 'HYDRA_CRASH_KEEP' });

  it(`keeps every ACKed lease and never binds an address twice (${ROUNDS} rounds, seed ${SEED})`, { timeout: 30_000 + ROUNDS * 6_000 }, async () => {
    await crashRounds({
      rig,
      rounds: ROUNDS,
      seed: SEED,
      args: ['--config', rig.configFile, '--data-dir', rig.dataDir],
      readStore: () => readStore(rig.dataDir),
      label: 'crash test',
    });
  });
});
