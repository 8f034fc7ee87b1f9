// The crash-safety procedure, shared by every lease store (embedded, PostgreSQL): rounds of load
// with a SIGKILL at a random moment, the store read back after each, then a final restart where
// every holder must be ACKed its address again. See crash.test.ts for the invariants.
import assert from 'node:assert/strict';
import { macFor, RelayClient } from '../support/relay-client.js';
import { runLoad, verifyAll, type LoadStats } from './client-load.js';
import { freePort, HydraProcess } from './hydra-server.js';
import { LeaseLedger, type StoredLease } from './lease-ledger.js';
import type { LoadRig } from './load-rig.js';
import { seeded, sleep } from './seeded.js';

/** 250 clients for 200 addresses: the pool runs out, releases are taken up by others. */
const POPULATION = 250;
const CONCURRENCY = 50;
/** Clients taking part in round r: new ones join each round until the whole population is in. */
const activeIn = (round: number): number => Math.min(POPULATION, 130 + 30 * (round - 1));

export interface CrashRoundsOptions {
  rig: LoadRig;
  rounds: number;
  seed: number;
  /** hydra's arguments after --bind/-U. */
  args: string[];
  /** Every lease record the store holds now (the server is dead), and what it dropped as damaged. */
  readStore(): Promise<{ leases: StoredLease[]; dropped: { place: string; reason: string }[] }>;
  label: string;
}

/** The first 40 problems: enough to see the pattern, short enough to read. */
function first(problems: string[]): string {
  return problems.slice(0, 40).join('\n') + (problems.length > 40 ? `\n… and ${problems.length - 40} more` : '');
}

function statsText(s: LoadStats): string {
  return `ops=${s.operations} offers=${s.offers} acks=${s.acks} naks=${s.naks} releases=${s.releases} timeouts=${s.timeouts}`;
}

export async function crashRounds(o: CrashRoundsOptions): Promise<void> {
  const { rig, rounds: ROUNDS, seed: SEED } = o;
  const random = seeded(SEED);
  const port = await freePort();
  rig.relay = await RelayClient.open({ port, timeoutMs: 400, attempts: 3 });
  const ledger = new LeaseLedger(POPULATION, macFor);
  console.log(`${o.label}: seed ${SEED}, ${ROUNDS} rounds, ${POPULATION} clients, ${CONCURRENCY} at once, work dir ${rig.work}`);

  for (let round = 1; round <= ROUNDS; round++) {
    ledger.round = round;
    rig.server = await HydraProcess.start(port, o.args);
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

    const { leases, dropped } = await o.readStore();
    const now = Date.now() / 1000;
    const problems = [...ledger.violations, ...ledger.checkStore(leases, now)];
    const bound = leases.filter((l) => l.state === 'bound' && l.expiresAt > now).length;
    console.log(
      `${o.label} round ${round}/${ROUNDS}: ${statsText(stats)}; killed at ${killedAt} ms; ` +
        `store: ${leases.length} leases (${bound} bound), ${dropped.length} dropped; clients holding: ${ledger.holds().length}`,
    );
    for (const d of dropped) console.log(`  dropped at ${d.place}: ${d.reason}`);
    assert.deepEqual(problems, [], `round ${round} (seed ${SEED}) broke the durability invariants (${problems.length}):\n${first(problems)}\nserver log tail:\n${rig.server.stderr.slice(-3000)}`);
  }

  // After the last crash: one more start, every holder reboots into its address (must be ACKed)
  // and everyone else runs DORA (must not be offered a held address); then a clean stop.
  ledger.round = ROUNDS + 1;
  rig.server = await HydraProcess.start(port, o.args);
  rig.relay.resume();
  const holders = ledger.holds().length;
  const stats = await verifyAll(rig.relay, ledger, CONCURRENCY);
  const exit = await rig.server.kill('SIGTERM');
  console.log(`${o.label}, final restart: ${holders} holders, ${statsText(stats)}; clean stop ${JSON.stringify(exit)}`);
  assert.equal(exit.code, 0, rig.server.stderr.slice(-3000));
  assert.deepEqual(ledger.violations, [], `after the last restart (seed ${SEED}):\n${ledger.violations.join('\n')}`);
  assert.ok(stats.acks >= holders, `every holder got its ACK (${stats.acks} ACKs for ${holders} holders)`);
  const { leases } = await o.readStore();
  assert.deepEqual(ledger.checkStore(leases, Date.now() / 1000), []);
}
