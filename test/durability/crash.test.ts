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
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openEmbeddedStore } from '../../src/leases/embedded-store.js';
import { macFor, RelayClient } from '../support/relay-client.js';
import { runLoad, verifyAll, type LoadStats } from './client-load.js';
import { freePort, HydraProcess } from './hydra-server.js';
import { LeaseLedger, type StoredLease } from './lease-ledger.js';
import { loadRig } from './load-rig.js';
import { seeded, sleep } from './seeded.js';

const SOAK = process.env.HYDRA_SOAK === '1';
const ROUNDS = Number(process.env.HYDRA_CRASH_ROUNDS ?? (SOAK ? 200 : 5));
const SEED = Number(process.env.HYDRA_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
/** 250 clients for 200 addresses: the pool runs out, releases are taken up by others. */
const POPULATION = 250;
const CONCURRENCY = 50;
/** Clients taking part in round r: new ones join each round until the whole population is in. */
const activeIn = (round: number): number => Math.min(POPULATION, 130 + 30 * (round - 1));
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

/** The first 40 problems: enough to see the pattern, short enough to read. */
function first(problems: string[]): string {
  return problems.slice(0, 40).join('\n') + (problems.length > 40 ? `\n… and ${problems.length - 40} more` : '');
}

function statsText(s: LoadStats): string {
  return `ops=${s.operations} offers=${s.offers} acks=${s.acks} naks=${s.naks} releases=${s.releases} timeouts=${s.timeouts}`;
}

describe('crash safety: SIGKILL under load, restart on the same data dir', () => {
  const rig = loadRig({ prefix: 'hydra-crash-', config: CONFIG, keepEnv: 'HYDRA_CRASH_KEEP' });

  it(`keeps every ACKed lease and never binds an address twice (${ROUNDS} rounds, seed ${SEED})`, { timeout: 30_000 + ROUNDS * 6_000 }, async () => {
    const random = seeded(SEED);
    const port = await freePort();
    rig.relay = await RelayClient.open({ port, timeoutMs: 400, attempts: 3 });
    const ledger = new LeaseLedger(POPULATION, macFor);
    const args = ['--config', rig.configFile, '--data-dir', rig.dataDir];
    console.log(`crash test: seed ${SEED}, ${ROUNDS} rounds, ${POPULATION} clients, ${CONCURRENCY} at once, data dir ${rig.dataDir}`);

    for (let round = 1; round <= ROUNDS; round++) {
      ledger.round = round;
      rig.server = await HydraProcess.start(port, args);
      rig.relay.resume();
      let killed = false;
      const killAfterMs = Math.round(50 + random() * 750);
      const started = Date.now();
      const load = runLoad(rig.relay, ledger, { concurrency: CONCURRENCY, active: activeIn(round), maxOperations: 50_000, maxMs: 5_000, stopped: () => killed, random });
      await sleep(killAfterMs);
      killed = true;
      const exit = await rig.server.kill('SIGKILL');
      const killedAt = Date.now() - started;
      // Replies the server sent before it died are already in our socket: take them, then stop.
      await sleep(30);
      rig.relay.abort();
      const stats = await load;
      assert.equal(exit.signal, 'SIGKILL', `round ${round}: the server was meant to die by SIGKILL, it exited ${JSON.stringify(exit)}:\n${rig.server.stderr.slice(-3000)}`);

      const { leases, dropped } = await readStore(rig.dataDir);
      const now = Date.now() / 1000;
      const problems = [...ledger.violations, ...ledger.checkStore(leases, now)];
      const bound = leases.filter((l) => l.state === 'bound' && l.expiresAt > now).length;
      console.log(
        `crash round ${round}/${ROUNDS}: ${statsText(stats)}; killed at ${killedAt} ms; ` +
          `store: ${leases.length} leases (${bound} bound), ${dropped.length} dropped; clients holding: ${ledger.holds().length}`,
      );
      for (const d of dropped) console.log(`  dropped at ${d.place}: ${d.reason}`);
      assert.deepEqual(problems, [], `round ${round} (seed ${SEED}) broke the durability invariants (${problems.length}):\n${first(problems)}\nserver log tail:\n${rig.server.stderr.slice(-3000)}`);
    }

    // After the last crash: one more start, every holder reboots into its address (must be ACKed)
    // and everyone else runs DORA (must not be offered a held address); then a clean stop.
    ledger.round = ROUNDS + 1;
    rig.server = await HydraProcess.start(port, args);
    rig.relay.resume();
    const holders = ledger.holds().length;
    const stats = await verifyAll(rig.relay, ledger, CONCURRENCY);
    const exit = await rig.server.kill('SIGTERM');
    console.log(`crash test, final restart: ${holders} holders, ${statsText(stats)}; clean stop ${JSON.stringify(exit)}`);
    assert.equal(exit.code, 0, rig.server.stderr.slice(-3000));
    assert.deepEqual(ledger.violations, [], `after the last restart (seed ${SEED}):\n${ledger.violations.join('\n')}`);
    assert.ok(stats.acks >= holders, `every holder got its ACK (${stats.acks} ACKs for ${holders} holders)`);
    const { leases } = await readStore(rig.dataDir);
    assert.deepEqual(ledger.checkStore(leases, Date.now() / 1000), []);
  });
});
