// Three real `hydra` servers, all active, on one PostgreSQL. Simulated clients (distinct MACs)
// run DORA / INIT-REBOOT / REBINDING / RELEASE, each operation through a randomly chosen server,
// so a lease granted by one server is renewed, rebound or released through another. Checked:
// no server ever ACKs an address another client holds (on the wire; an OFFER that crosses another
// server's re-grant by milliseconds is counted, not failed: it binds nothing), the database
// holds every lease a client was ACKed and no address bound to two clients, and at the end every
// holder is ACKed its address again through a server chosen at random.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { runLoad, verifyAll } from '../durability/client-load.js';
import { LeaseLedger } from '../durability/lease-ledger.js';
import { seeded, sleep } from '../durability/seeded.js';
import { macFor } from '../support/relay-client.js';
import { skipUnlessPostgres } from '../support/postgres.js';
import { PgFleet, TEST_SUBNETS } from './pg-fleet.js';

const SEED = Number(process.env.HYDRA_PG_SEED ?? Math.floor(Math.random() * 2 ** 31));
const skip = skipUnlessPostgres();

describe('several Hydra servers on one PostgreSQL', { skip }, () => {
  let fleet: PgFleet | null = null;
  after(async () => {
    await fleet?.destroy();
  });

  it(`never binds an address to two clients, and any server serves any client (seed ${SEED})`, { timeout: 120_000 }, async () => {
    const random = seeded(SEED);
    fleet = await PgFleet.create({ servers: 3, subnets: TEST_SUBNETS, blockSize: 8, claimSeconds: 3 });
    await fleet.startAll();
    // Claims settle: each server's renewal gives back what exceeds its fair share.
    await sleep(2500);
    const members = fleet.members;
    const anyServer = () => members[Math.floor(random() * members.length)]!.relay;
    // 180 clients for 200 addresses, so the servers' shares matter but everyone can fit.
    const ledger = new LeaseLedger(180, macFor, false);
    for (let round = 1; round <= 3; round++) {
      ledger.round = round;
      const stats = await runLoad(anyServer, ledger, { concurrency: 30, maxOperations: 1500, maxMs: 12_000, stopped: () => false, random });
      const problems: string[] = [...ledger.violations, ...ledger.checkStore(await fleet.leases(), Date.now() / 1000)];
      console.log(`multi-server round ${round}: ops=${stats.operations} offers=${stats.offers} acks=${stats.acks} naks=${stats.naks} releases=${stats.releases} timeouts=${stats.timeouts}; holding ${ledger.holds().length}; contested offers ${ledger.contestedOffers}`);
      assert.deepEqual(problems, [], `round ${round} (seed ${SEED}):\n${problems.slice(0, 30).join('\n')}\n${fleet.logs()}`);
      assert.ok(stats.acks > 100, `round ${round}: the servers served (${stats.acks} ACKs)\n${fleet.logs()}`);
    }
    ledger.round = 4;
    const holders = ledger.holds().length;
    const final = await verifyAll(anyServer, ledger, 30);
    assert.deepEqual(ledger.violations, [], `final check (seed ${SEED}):\n${ledger.violations.join('\n')}`);
    assert.ok(final.acks >= holders, `every holder was ACKed its address through some server (${final.acks} ACKs for ${holders} holders)\n${fleet.logs()}`);
    assert.deepEqual(ledger.checkStore(await fleet.leases(), Date.now() / 1000), []);
    for (const m of members) assert.ok(m.process?.running, `${m.name} still running`);
  });
});
