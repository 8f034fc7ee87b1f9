// BusyBox udhcpc against the real hydra process: server in namespace S, client in namespace C.
// SIGUSR1 makes udhcpc renew (unicast), SIGUSR2 makes it release. The pool holds one address.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { skipUnlessRoot, type Proc } from '../support/netns.js';
import { ClientEvents } from '../support/client-events.js';
import { labConfig, subnetYaml } from '../support/hydra.js';
import { assertCleanStop, bindAs, singleClientLab } from '../support/single-client-lab.js';
import { udhcpcArgs } from '../support/udhcpc.js';
import { step } from '../support/diagnose.js';

const MAC_A = '02:ac:79:00:0b:0a';
const MAC_B = '02:ac:79:00:0b:0b';

const CONFIG = labConfig(subnetYaml(1, '10.79.0', '10.79.0.100-10.79.0.100'));

const skip = skipUnlessRoot(['udhcpc', 'tcpdump', 'ss']);

describe('BusyBox udhcpc against hydra (network namespaces)', { skip, timeout: 120_000 }, () => {
  const net = singleClientLab({ tag: 'udh', serverAddr: '10.79.0.1/24', clientMac: MAC_A, hydra: { config: CONFIG } });
  const { lab } = net;
  let eventsA: ClientEvents;
  let udhcpcA: Proc;

  function startUdhcpc(label: string, events: ClientEvents, extra: string[] = []): Proc {
    return lab.spawn(net.C, label, 'udhcpc', udhcpcArgs(net.cIf, events.script, extra));
  }

  it('obtains a lease with routers, DNS, domain name, mask, lease time and server id', async () => {
    eventsA = await ClientEvents.create(lab.dir, 'a', 'udhcpc');
    udhcpcA = startUdhcpc('udhcpc-a', eventsA);
    await step('udhcpc A binds', { procs: [net.hydra, udhcpcA], captures: [net.capture], events: [eventsA] }, async () => {
      const bound = await eventsA.waitReason(['bound']);
      assert.equal(bound.ip, '10.79.0.100');
      assert.equal(bound.subnet, '255.255.255.0');
      assert.equal(bound.router, '10.79.0.1');
      assert.equal(bound.dns, '10.79.0.1');
      assert.equal(bound.domain, 'hydra.test');
      assert.equal(bound.serverid, '10.79.0.1');
      assert.equal(bound.lease, '600');
      assert.deepEqual(await lab.addresses(net.C, net.cIf), ['10.79.0.100/24']);
    });
  });

  it('renews on SIGUSR1 and keeps its address', async () => {
    await step('udhcpc A renews', { procs: [net.hydra, udhcpcA], captures: [net.capture], events: [eventsA] }, async () => {
      const before = (await eventsA.all()).length;
      udhcpcA.signal('SIGUSR1');
      const renewed = await eventsA.waitReason(['renew'], before, 15_000);
      assert.equal(renewed.ip, '10.79.0.100');
      // Renewed within the lease cache window (25 % by default), the stored lease is reused
      // and the client is told the seconds that remain of it: a few below 600.
      const renewedFor = Number(renewed.lease);
      assert.ok(renewedFor > 580 && renewedFor <= 600, `renewed lease time ${renewedFor}`);
      assert.match(udhcpcA.output, /sending renew to server 10\.79\.0\.1/);
      // RENEWING: the REQUEST is unicast from the leased address, and so is the ACK.
      await net.capture.waitFor('unicast renew REQUEST', `src host 10.79.0.100 and dst host 10.79.0.1 and dst port 67`);
      await net.capture.waitFor('unicast ACK to the renewing client', `src host 10.79.0.1 and dst host 10.79.0.100 and dst port 68`, 3);
    });
  });

  it('releases on SIGUSR2, and the freed address goes to another client', async () => {
    await step('udhcpc A releases', { procs: [net.hydra, udhcpcA], captures: [net.capture], events: [eventsA] }, async () => {
      const before = (await eventsA.all()).length;
      udhcpcA.signal('SIGUSR2');
      await eventsA.waitReason(['deconfig'], before, 10_000);
      assert.match(udhcpcA.output, /unicasting a release of 10\.79\.0\.100 to 10\.79\.0\.1/);
      await net.capture.waitFor('unicast RELEASE reaching the server', `src host 10.79.0.100 and dst host 10.79.0.1 and dst port 67`, 2);
    });
    await udhcpcA.stop();
    // A's 600 s lease would still hold the pool's only address had the RELEASE not freed it.
    await bindAs(net, {
      mac: MAC_B, step: 'udhcpc B gets the released address', reasons: ['bound'],
      start: async () => {
        const events = await ClientEvents.create(lab.dir, 'b', 'udhcpc');
        return { events, proc: startUdhcpc('udhcpc-b', events, ['-q']) };
      },
      check: (bound) => {
        assert.equal(bound.ip, '10.79.0.100');
      },
    });
  });

  it('stops cleanly on SIGINT', async () => {
    await assertCleanStop(net.hydra, 'SIGINT');
  });
});
