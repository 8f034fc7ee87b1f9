// Reload without restart on a real server under live traffic: SIGHUP applies a configuration
// that shrinks the range while relayed clients keep running DORA, INIT-REBOOT, REBINDING and
// RELEASE. No ACKed lease is lost, no address is bound twice, new addresses come from the new
// range only, leases left outside it are kept (not renewed); then a bad configuration is
// refused on SIGHUP with the loader's message and the shrunk one stays in force.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openEmbeddedStore } from '../../src/leases/embedded-store.js';
import { formatIpv4, parseIpv4 } from '../../src/protocol/ipv4.js';
import { runLoad, type LoadStats } from '../durability/client-load.js';
import { freePort, HydraProcess } from '../durability/hydra-server.js';
import { LeaseLedger } from '../durability/lease-ledger.js';
import { findRecord } from '../support/log-records.js';
import { leaseTimeOf, macFor, messageTypeOf, MSG, RelayClient, serverIdOf } from '../support/relay-client.js';
import { controlPortOf, sampleValue, scrape } from './scrape.js';

const config = (lastHost: number): string => `lease-time: 3600
subnets:
  - id: 1
    subnet: 10.77.0.0/24
    pools: [10.77.0.100-10.77.0.${lastHost}]
`;
const NEW_LAST = parseIpv4('10.77.0.139')!;
const FIRST = parseIpv4('10.77.0.100')!;
const inNewRange = (a: number): boolean => a >= FIRST && a <= NEW_LAST;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitForRecord(server: HydraProcess, msg: string, timeoutMs = 5000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = findRecord(server.stderr, msg);
    if (r) return r;
    if (Date.now() > deadline) throw new Error(`no "${msg}" record within ${timeoutMs} ms:\n${server.stderr.slice(-3000)}`);
    await sleep(20);
  }
}

describe('reload on SIGHUP under live traffic', () => {
  const work = mkdtempSync(join(tmpdir(), 'hydra-reload-'));
  const file = join(work, 'hydra.yaml');
  const dataDir = join(work, 'data');
  let server: HydraProcess;
  let relay: RelayClient;
  // 70 clients over a range of 100 addresses; the reload shrinks it to 40.
  const ledger = new LeaseLedger(70, macFor);
  let stats: LoadStats;

  before(async () => {
    const port = await freePort();
    writeFileSync(file, config(199));
    server = await HydraProcess.start(port, ['--config', file, '--data-dir', dataDir, '--control', '127.0.0.1:0']);
    relay = await RelayClient.open({ port });
  });

  after(async () => {
    relay?.close();
    await server?.kill('SIGKILL');
  });

  it('applies a shrunk range mid-traffic without losing or duplicating a lease', async () => {
    let seed = 7;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const load = runLoad(relay, ledger, { concurrency: 12, maxOperations: 100_000, maxMs: 3000, stopped: () => false, random });
    await sleep(1000);
    const heldBefore = ledger.holds().length;
    writeFileSync(file, config(139));
    ledger.round = 1;
    server.child.kill('SIGHUP');
    const applied = await waitForRecord(server, 'configuration reloaded');
    assert.equal(applied.level, 'info');
    stats = await load;
    assert.ok(heldBefore > 20 && stats.acks > 100, `traffic ran across the reload: ${heldBefore} held before, ${JSON.stringify(stats)}`);

    // A NAK after the reload for a held address outside the new range is the rule (not renewed);
    // any other NAK of a held address, and any address given to two clients, is a failure.
    const problems = ledger.violations.filter((v) => {
      const m = /^round 1: NAK to .* for (\S+), which it holds/.exec(v);
      return !(m && !inNewRange(parseIpv4(m[1]!)!));
    });
    assert.deepEqual(problems, []);

    // Clients that hold an address ask for it again: kept and renewed inside the new range,
    // refused (NAK) outside it; clients without one get a new address from the new range only.
    const outside = [];
    for (const c of ledger.clients) {
      if (c.hold) {
        const r = await relay.transact(relay.message(MSG.REQUEST, c.mac, { requested: c.hold.address }));
        const type = messageTypeOf(r.reply);
        if (inNewRange(c.hold.address)) {
          assert.equal(type, MSG.ACK, `${formatIpv4(c.hold.address)} is in the new range: renewed`);
          ledger.acked(c, c.hold.address, leaseTimeOf(r.reply!)!, r.firstSentAt, r.receivedAt);
        } else {
          assert.equal(type, MSG.NAK, `${formatIpv4(c.hold.address)} is outside the new range: not renewed`);
          outside.push(c);
        }
      } else {
        const offer = await relay.transact(relay.message(MSG.DISCOVER, c.mac));
        if (messageTypeOf(offer.reply) !== MSG.OFFER) continue; // the shrunk range may be full
        assert.ok(inNewRange(offer.reply!.yiaddr), `new address ${formatIpv4(offer.reply!.yiaddr)} is from the new range`);
      }
    }
    assert.ok(outside.length > 0, 'some leases were left outside the new range (the test shrinks below what was in use)');
  });

  it('refuses a bad configuration on SIGHUP and keeps serving the running one', async () => {
    writeFileSync(file, config(139) + '    lease-time: soon\n');
    server.child.kill('SIGHUP');
    const refused = await waitForRecord(server, 'configuration refused; the running configuration stays in force');
    assert.equal(refused.level, 'error');
    assert.match(String(refused.reason), /hydra\.yaml:6/, `the reason names the file and line: ${refused.reason}`);
    assert.ok(server.running);
    // Still the shrunk range: a new client is served from 10.77.0.100-139 or finds it full.
    const mac = macFor(5000);
    const offer = await relay.transact(relay.message(MSG.DISCOVER, mac));
    if (messageTypeOf(offer.reply) === MSG.OFFER) {
      assert.ok(inNewRange(offer.reply!.yiaddr), formatIpv4(offer.reply!.yiaddr));
      const ack = await relay.transact(relay.message(MSG.REQUEST, mac, { requested: offer.reply!.yiaddr, serverId: serverIdOf(offer.reply!)! }));
      assert.equal(messageTypeOf(ack.reply), MSG.ACK);
    }
    const s = await scrape(controlPortOf(server));
    assert.equal(sampleValue(s, 'hydra_config_reloads_total', { result: 'ok' }), 1);
    assert.equal(sampleValue(s, 'hydra_config_reloads_total', { result: 'refused' }), 1);
    assert.equal(sampleValue(s, 'hydra_pool_addresses', { subnet: '1' }), 40);
  });

  it('kept every ACKed lease durable, bound to its client, none bound twice', async () => {
    const exit = await server.kill('SIGTERM');
    assert.equal(exit.code, 0, server.stderr.slice(-3000));
    const store = await openEmbeddedStore({ dataDir });
    try {
      const { leases } = await store.load();
      assert.deepEqual(ledger.checkStore(leases, Date.now() / 1000), []);
      // Leases outside the shrunk range are still there, bound until they expire.
      assert.ok(leases.some((l) => l.state === 'bound' && !inNewRange(l.address)), 'out-of-range leases are kept');
    } finally {
      await store.close();
    }
  });
});
