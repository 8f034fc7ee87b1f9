// ISC dhclient against the real hydra process: server in namespace S, client in namespace C.
// The pool holds one address, so a second client can only get it once the first released it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NetLab, skipUnlessRoot, type Capture, type Proc } from '../support/netns.js';
import { ClientEvents } from '../support/client-events.js';
import { HYDRA_MAIN, startHydra } from '../support/hydra.js';
import { step } from '../support/diagnose.js';

const MAC_A = '02:ac:79:00:0d:0a';
const MAC_B = '02:ac:79:00:0d:0b';
const MAC_RESERVED = '02:ac:79:00:0d:06';

const CONFIG = `authoritative: true
offer-hold: 30
decline-probation: 3600
lease-time: { default: 600, min: 60, max: 3600 }
subnets:
  - id: 1
    subnet: 10.79.0.0/24
    pools: [ "10.79.0.100-10.79.0.100" ]
    options: { routers: [10.79.0.1], domain-name-servers: [10.79.0.1], domain-name: hydra.test }
    reservations:
      - { hw-address: "${MAC_RESERVED}", ip-address: 10.79.0.6 }
`;

const skip = skipUnlessRoot(['dhclient', 'tcpdump', 'ss']);

describe('ISC dhclient against hydra (network namespaces)', { skip, timeout: 120_000 }, () => {
  const lab = new NetLab('dhc');
  let S = '';
  let C = '';
  let sIf = '';
  let cIf = '';
  let hydra: Proc;
  let capture: Capture;
  let run = 0;

  /** Files for one dhclient identity (lease file, pid file, hook script and its events). */
  async function client(name: string): Promise<{ events: ClientEvents; args: string[] }> {
    const events = await ClientEvents.create(lab.dir, name, 'dhclient');
    const conf = join(lab.dir, name, 'dhclient.conf');
    // A T1 of 3 s makes dhclient renew (unicast REQUEST with ciaddr) within the test's time.
    await writeFile(conf, 'timeout 20;\nretry 1;\nsupersede dhcp-renewal-time 3;\n');
    const args = ['-4', '-v', '-cf', conf, '-sf', events.script, '-lf', join(lab.dir, name, 'leases'), '-pf', join(lab.dir, name, 'pid')];
    return { events, args };
  }

  function startClient(args: string[]): Proc {
    run += 1;
    return lab.spawn(C, `dhclient-${run}`, 'dhclient', [...args, '-d', cIf]);
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

  let a: { events: ClientEvents; args: string[] };
  let dhclientA: Proc;

  it('obtains a lease from the pool with routers, DNS, domain name and mask', async () => {
    a = await client('a');
    dhclientA = startClient(a.args);
    await step('dhclient A binds', { procs: [hydra, dhclientA], captures: [capture], events: [a.events] }, async () => {
      const bound = await a.events.waitReason(['BOUND']);
      assert.equal(bound.new_ip_address, '10.79.0.100');
      assert.equal(bound.new_subnet_mask, '255.255.255.0');
      assert.equal(bound.new_routers, '10.79.0.1');
      assert.equal(bound.new_domain_name_servers, '10.79.0.1');
      assert.equal(bound.new_domain_name, 'hydra.test');
      assert.equal(bound.new_dhcp_server_identifier, '10.79.0.1');
      assert.equal(bound.new_dhcp_lease_time, '600');
      assert.deepEqual(await lab.addresses(C, cIf), ['10.79.0.100/24']);
    });
  });

  it('shows the real client\'s lease through the management API and `hydra leases list`', async () => {
    // The server's API listens on its namespace's loopback (the default 127.0.0.1:8067).
    const listed = await lab.exec(S, process.execPath, [HYDRA_MAIN, 'leases', 'list', '--json']);
    const leases = (JSON.parse(listed.stdout) as { leases: { 'ip-address': string; 'hw-address': string; state: number }[] }).leases;
    assert.deepEqual(
      leases.map((l) => [l['ip-address'], l['hw-address'], l.state]),
      [['10.79.0.100', MAC_A, 0]],
    );
    const table = await lab.exec(S, process.execPath, [HYDRA_MAIN, 'leases', 'list']);
    assert.match(table.stdout, new RegExp(`10\\.79\\.0\\.100\\s+${MAC_A}`));
  });

  it('renews the lease (RENEWING: unicast REQUEST with ciaddr) and keeps its address', async () => {
    await step('dhclient A renews', { procs: [hydra, dhclientA], captures: [capture], events: [a.events] }, async () => {
      const before = (await a.events.all()).length;
      const renewed = await a.events.waitReason(['RENEW'], before, 20_000);
      assert.equal(renewed.new_ip_address, '10.79.0.100');
      // Renewed within the lease cache window (25 % by default), the stored lease is reused
      // and the client is told the seconds that remain of it: a few below 600.
      const renewedFor = Number(renewed.new_dhcp_lease_time);
      assert.ok(renewedFor > 580 && renewedFor <= 600, `renewed lease time ${renewedFor}`);
      // RENEWING, not REBINDING: the REQUEST went unicast to the server from the leased address.
      await capture.waitFor('unicast renew REQUEST', `src host 10.79.0.100 and dst host 10.79.0.1 and dst port 67`);
    });
  });

  it('restarted with its lease file, reboots (INIT-REBOOT) into the same address', async () => {
    await dhclientA.stop();
    dhclientA = startClient(a.args);
    await step('dhclient A reboots', { procs: [hydra, dhclientA], captures: [capture], events: [a.events] }, async () => {
      const before = (await a.events.all()).length;
      const rebooted = await a.events.waitReason(['REBOOT', 'BOUND'], before, 20_000);
      assert.equal(rebooted.reason, 'REBOOT', 'dhclient fell back to DISCOVER instead of INIT-REBOOT');
      assert.equal(rebooted.new_ip_address, '10.79.0.100');
    });
  });

  it('releases (dhclient -r), and the freed address goes to another client', async () => {
    await dhclientA.stop();
    await step('dhclient A releases', { procs: [hydra], captures: [capture], events: [a.events] }, async () => {
      const before = (await a.events.all()).length;
      await lab.exec(C, 'dhclient', [...a.args, '-r', cIf]);
      await a.events.waitReason(['RELEASE'], before, 10_000);
      assert.deepEqual(await lab.addresses(C, cIf), []);
    });
    // A's lease (600 s) would still hold the pool's only address had the RELEASE not freed it.
    await lab.setMac(C, cIf, MAC_B);
    const b = await client('b');
    const dhclientB = startClient(b.args);
    await step('dhclient B gets the released address', { procs: [hydra, dhclientB], captures: [capture], events: [b.events] }, async () => {
      const bound = await b.events.waitReason(['BOUND']);
      assert.equal(bound.new_ip_address, '10.79.0.100');
    });
    await dhclientB.stop();
  });

  it('gives a reserved client its reservation', async () => {
    await lab.setMac(C, cIf, MAC_RESERVED);
    const r = await client('r');
    const dhclientR = startClient(r.args);
    await step('dhclient R gets 10.79.0.6', { procs: [hydra, dhclientR], captures: [capture], events: [r.events] }, async () => {
      const bound = await r.events.waitReason(['BOUND']);
      assert.equal(bound.new_ip_address, '10.79.0.6');
      assert.equal(bound.new_routers, '10.79.0.1');
    });
    await dhclientR.stop();
  });

  it('stops cleanly on SIGTERM', async () => {
    await hydra.stop('SIGTERM', 10_000);
    assert.equal(hydra.exitSignal, null, `hydra was killed:\n${hydra.tail()}`);
    assert.equal(hydra.exitCode, 0, `hydra exit code:\n${hydra.tail()}`);
  });
});
