// Faults with several servers on one PostgreSQL, under load from simulated clients:
// - a server is SIGKILLed: the others keep serving every client (leases it granted included),
//   nothing it ACKed is lost, and its address blocks return to the others;
// - the database stops for a while and starts again: no server crashes or ACKs a lease it could
//   not store; they reconnect by themselves and serve new clients again.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { runLoad, verifyAll, type LoadStats } from '../durability/client-load.js';
import { LeaseLedger } from '../durability/lease-ledger.js';
import { seeded, sleep } from '../durability/seeded.js';
import { macFor } from '../support/relay-client.js';
import { skipUnlessPostgres } from '../support/postgres.js';
import { PgFleet, TEST_SUBNETS } from './pg-fleet.js';

const SEED = Number(process.env.HYDRA_PG_SEED ?? Math.floor(Math.random() * 2 ** 31));
const skip = skipUnlessPostgres();
const statsText = (s: LoadStats): string =>
  `ops=${s.operations} offers=${s.offers} acks=${s.acks} naks=${s.naks} releases=${s.releases} timeouts=${s.timeouts}`;

describe('faults with servers sharing PostgreSQL', { skip }, () => {
  const fleets: PgFleet[] = [];
  after(async () => {
    for (const f of fleets) await f.destroy();
  });
  /** `servers` servers on one database, started and given `settleMs` to share out the blocks. */
  const startFleet = async (servers: number, settleMs: number): Promise<PgFleet> => {
    const fleet = await PgFleet.create({ servers, subnets: TEST_SUBNETS, claimSeconds: 3 });
    fleets.push(fleet);
    await fleet.startAll();
    await sleep(settleMs);
    return fleet;
  };

  it(`a server killed under load: the others serve its clients, nothing ACKed is lost (seed ${SEED})`, { timeout: 120_000 }, async () => {
    const random = seeded(SEED);
    const fleet = await startFleet(3, 2500);
    const ledger = new LeaseLedger(150, macFor, false);
    ledger.round = 1;
    const alive = () => {
      const list = fleet.running();
      return list[Math.floor(random() * list.length)]!.relay;
    };
    const load = runLoad(alive, ledger, { concurrency: 30, maxOperations: 4000, maxMs: 8_000, stopped: () => false, random });
    await sleep(1500);
    const victim = fleet.members[2]!;
    const exit = await victim.process!.kill('SIGKILL');
    assert.equal(exit.signal, 'SIGKILL');
    // Exchanges in flight with the dead server end as timeouts.
    victim.relay.abort();
    const stats = await load;
    console.log(`server kill: ${statsText(stats)}; holding ${ledger.holds().length}; contested offers ${ledger.contestedOffers}`);
    assert.deepEqual(ledger.violations, [], `seed ${SEED}:\n${ledger.violations.join('\n')}\n${fleet.logs()}`);
    assert.deepEqual(ledger.checkStore(await fleet.leases(), Date.now() / 1000), [], fleet.logs());

    // Every client holding a lease, whichever server granted it, is ACKed again by a survivor.
    ledger.round = 2;
    const holders = ledger.holds().length;
    const final = await verifyAll(alive, ledger, 20);
    assert.deepEqual(ledger.violations, [], `after the kill (seed ${SEED}):\n${ledger.violations.join('\n')}`);
    assert.ok(final.acks >= holders, `every holder ACKed by a surviving server (${final.acks} ACKs for ${holders} holders)\n${fleet.logs()}`);

    // The dead server's claims lapse and the survivors take its blocks: nothing leaks.
    const deadline = Date.now() + 15_000;
    let owned = '';
    for (;;) {
      owned = fleet.db.psql(`SELECT count(*) FROM hydra_pool_block WHERE owner = '${victim.name}'`).trim();
      const orphans = fleet.db.psql('SELECT count(*) FROM hydra_pool_block WHERE owner IS NULL OR claimed_until < now()').trim();
      if (owned === '0' && orphans === '0') break;
      assert.ok(Date.now() < deadline, `the dead server still owns ${owned} blocks, ${orphans} unowned/lapsed, after 15 s\n${fleet.logs()}`);
      await sleep(500);
    }
    for (const m of fleet.running()) assert.notEqual(m.name, victim.name);
    assert.equal(fleet.running().length, 2);
  });

  it(`the database stops and starts again: no crash, no ACK without a stored lease, service resumes (seed ${SEED})`, { timeout: 120_000 }, async () => {
    const random = seeded(SEED + 1);
    const fleet = await startFleet(2, 2000);
    const ledger = new LeaseLedger(150, macFor, false);
    ledger.round = 1;
    const anyServer = () => fleet.members[Math.floor(random() * fleet.members.length)]!.relay;
    const load = runLoad(anyServer, ledger, { concurrency: 20, maxOperations: 6000, maxMs: 9_000, stopped: () => false, random });
    await sleep(1500);
    fleet.db.stop();
    await sleep(2500);
    fleet.db.start();
    const during = await load;
    console.log(`database restart, load across it: ${statsText(during)}; holding ${ledger.holds().length}; contested offers ${ledger.contestedOffers}`);
    for (const m of fleet.members) assert.ok(m.process?.running, `${m.name} survived the database restart:\n${fleet.logs()}`);
    assert.deepEqual(ledger.violations, [], `seed ${SEED}:\n${ledger.violations.join('\n')}\n${fleet.logs()}`);
    assert.deepEqual(ledger.checkStore(await fleet.leases(), Date.now() / 1000), [], fleet.logs());

    // After the restart: new clients get leases again, every holder is ACKed again.
    ledger.round = 2;
    const fresh = new LeaseLedger(30, (i) => macFor(10_000 + i), false);
    fresh.round = 2;
    const deadline = Date.now() + 20_000;
    let after = await runLoad(anyServer, fresh, { concurrency: 10, maxOperations: 60, maxMs: 5_000, stopped: () => false, random });
    while (after.acks === 0 && Date.now() < deadline) {
      await sleep(500);
      after = await runLoad(anyServer, fresh, { concurrency: 10, maxOperations: 60, maxMs: 5_000, stopped: () => false, random });
    }
    assert.ok(after.acks > 0, `new clients are served after the database came back\n${fleet.logs()}`);
    const holders = ledger.holds().length;
    const final = await verifyAll(anyServer, ledger, 20);
    assert.deepEqual([...ledger.violations, ...fresh.violations], []);
    assert.ok(final.acks >= holders, `every holder ACKed again (${final.acks} ACKs for ${holders} holders)\n${fleet.logs()}`);
    for (const m of fleet.members) assert.ok(m.process?.running, `${m.name} still running`);
  });
});
