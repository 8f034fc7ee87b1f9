// BusyBox udhcpc against the real hydra process: server in namespace S, client in namespace C.
// SIGUSR1 makes udhcpc renew (unicast), SIGUSR2 makes it release. The pool holds one address.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { NetLab, skipUnlessRoot, type Capture, type Proc } from '../support/netns.js';
import { ClientEvents } from '../support/client-events.js';
import { startHydra } from '../support/hydra.js';
import { step } from '../support/diagnose.js';

const MAC_A = '02:ac:79:00:0b:0a';
const MAC_B = '02:ac:79:00:0b:0b';

const CONFIG = `authoritative: true
offer-hold: 30
decline-probation: 3600
lease-time: { default: 600, min: 60, max: 3600 }
subnets:
  - id: 1
    subnet: 10.79.0.0/24
    pools: [ "10.79.0.100-10.79.0.100" ]
    options: { routers: [10.79.0.1], domain-name-servers: [10.79.0.1], domain-name: hydra.test }
`;

const skip = skipUnlessRoot(['udhcpc', 'tcpdump', 'ss']);

describe('BusyBox udhcpc against hydra (network namespaces)', { skip, timeout: 120_000 }, () => {
  const lab = new NetLab('udh');
  let S = '';
  let C = '';
  let sIf = '';
  let cIf = '';
  let hydra: Proc;
  let capture: Capture;
  let eventsA: ClientEvents;
  let udhcpcA: Proc;

  function startUdhcpc(label: string, events: ClientEvents, extra: string[] = []): Proc {
    // -f foreground, 5 DISCOVERs 2 s apart, then give up (-n) rather than retry forever.
    return lab.spawn(C, label, 'udhcpc', ['-f', '-n', '-t', '5', '-T', '2', '-i', cIf, '-s', events.script, ...extra]);
  }

  before(async () => {
    await lab.init();
    S = await lab.addNs('s');
    C = await lab.addNs('c');
    sIf = lab.ifname('s');
    cIf = lab.ifname('c');
    await lab.veth({ ns: S, name: sIf, addr: '10.79.0.1/24' }, { ns: C, name: cIf, mac: MAC_A });
    capture = await lab.capture(S, sIf);
    hydra = await startHydra(lab, S, { config: CONFIG, iface: sIf });
  });

  after(async () => {
    await lab.cleanup();
  });

  it('obtains a lease with routers, DNS, domain name, mask, lease time and server id', async () => {
    eventsA = await ClientEvents.create(lab.dir, 'a', 'udhcpc');
    udhcpcA = startUdhcpc('udhcpc-a', eventsA);
    await step('udhcpc A binds', { procs: [hydra, udhcpcA], captures: [capture], events: [eventsA] }, async () => {
      const bound = await eventsA.waitReason(['bound']);
      assert.equal(bound.ip, '10.79.0.100');
      assert.equal(bound.subnet, '255.255.255.0');
      assert.equal(bound.router, '10.79.0.1');
      assert.equal(bound.dns, '10.79.0.1');
      assert.equal(bound.domain, 'hydra.test');
      assert.equal(bound.serverid, '10.79.0.1');
      assert.equal(bound.lease, '600');
      assert.deepEqual(await lab.addresses(C, cIf), ['10.79.0.100/24']);
    });
  });

  it('renews on SIGUSR1 and keeps its address', async () => {
    await step('udhcpc A renews', { procs: [hydra, udhcpcA], captures: [capture], events: [eventsA] }, async () => {
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
      await capture.waitFor('unicast renew REQUEST', `src host 10.79.0.100 and dst host 10.79.0.1 and dst port 67`);
      await capture.waitFor('unicast ACK to the renewing client', `src host 10.79.0.1 and dst host 10.79.0.100 and dst port 68`, 3);
    });
  });

  it('releases on SIGUSR2, and the freed address goes to another client', async () => {
    await step('udhcpc A releases', { procs: [hydra, udhcpcA], captures: [capture], events: [eventsA] }, async () => {
      const before = (await eventsA.all()).length;
      udhcpcA.signal('SIGUSR2');
      await eventsA.waitReason(['deconfig'], before, 10_000);
      assert.match(udhcpcA.output, /unicasting a release of 10\.79\.0\.100 to 10\.79\.0\.1/);
      await capture.waitFor('unicast RELEASE reaching the server', `src host 10.79.0.100 and dst host 10.79.0.1 and dst port 67`, 2);
    });
    await udhcpcA.stop();
    // A's 600 s lease would still hold the pool's only address had the RELEASE not freed it.
    await lab.setMac(C, cIf, MAC_B);
    const eventsB = await ClientEvents.create(lab.dir, 'b', 'udhcpc');
    const udhcpcB = startUdhcpc('udhcpc-b', eventsB, ['-q']);
    await step('udhcpc B gets the released address', { procs: [hydra, udhcpcB], captures: [capture], events: [eventsB] }, async () => {
      const bound = await eventsB.waitReason(['bound']);
      assert.equal(bound.ip, '10.79.0.100');
    });
    await udhcpcB.stop();
  });

  it('stops cleanly on SIGINT', async () => {
    await hydra.stop('SIGINT', 10_000);
    assert.equal(hydra.exitSignal, null, `hydra was killed:\n${hydra.tail()}`);
    assert.equal(hydra.exitCode, 0, `hydra exit code:\n${hydra.tail()}`);
  });
});
