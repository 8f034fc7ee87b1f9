// ISC dhclient against the real hydra process: server in namespace S, client in namespace C.
// The pool holds one address, so a second client can only get it once the first released it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { skipUnlessRoot, type Proc } from '../support/netns.js';
import { ClientEvents } from '../support/client-events.js';
import { HYDRA_MAIN, labConfig, subnetYaml } from '../support/hydra.js';
import { assertCleanStop, bindAs, singleClientLab } from '../support/single-client-lab.js';
import { step } from '../support/diagnose.js';

const MAC_A = '02:ac:79:00:0d:0a';
const MAC_B = '02:ac:79:00:0d:0b';
const MAC_RESERVED = '02:ac:79:00:0d:06';

const CONFIG = labConfig(subnetYaml(1, '10.79.0', '10.79.0.100-10.79.0.100', `    reservations:
      - { hw-address: "${MAC_RESERVED}", ip-address: 10.79.0.6 }
`));

const skip = skipUnlessRoot(['dhclient', 'tcpdump', 'ss']);

describe('ISC dhclient against hydra (network namespaces)', { skip, timeout: 120_000 }, () => {
  const net = singleClientLab({ tag: 'dhc', serverAddr: '10.79.0.1/24', clientMac: MAC_A, hydra: { config: CONFIG } });
  const { lab } = net;
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
    return lab.spawn(net.C, `dhclient-${run}`, 'dhclient', [...args, '-d', net.cIf]);
  }

  /** A fresh dhclient identity `name`, started: for bindAs. */
  async function startNew(name: string): Promise<{ proc: Proc; events: ClientEvents }> {
    const c = await client(name);
    return { proc: startClient(c.args), events: c.events };
  }

  let a: { events: ClientEvents; args: string[] };
  let dhclientA: Proc;

  it('obtains a lease from the pool with routers, DNS, domain name and mask', async () => {
    a = await client('a');
    dhclientA = startClient(a.args);
    await step('dhclient A binds', { procs: [net.hydra, dhclientA], captures: [net.capture], events: [a.events] }, async () => {
      const bound = await a.events.waitReason(['BOUND']);
      assert.equal(bound.new_ip_address, '10.79.0.100');
      assert.equal(bound.new_subnet_mask, '255.255.255.0');
      assert.equal(bound.new_routers, '10.79.0.1');
      assert.equal(bound.new_domain_name_servers, '10.79.0.1');
      assert.equal(bound.new_domain_name, 'hydra.test');
      assert.equal(bound.new_dhcp_server_identifier, '10.79.0.1');
      assert.equal(bound.new_dhcp_lease_time, '600');
      assert.deepEqual(await lab.addresses(net.C, net.cIf), ['10.79.0.100/24']);
    });
  });

  it('shows the real client\'s lease through the management API and `hydra leases list`', async () => {
    // The server's API listens on its namespace's loopback (the default 127.0.0.1:8067).
    const listed = await lab.exec(net.S, process.execPath, [HYDRA_MAIN, 'leases', 'list', '--json']);
    const leases = (JSON.parse(listed.stdout) as { leases: { 'ip-address': string; 'hw-address': string; state: number }[] }).leases;
    assert.deepEqual(
      leases.map((l) => [l['ip-address'], l['hw-address'], l.state]),
      [['10.79.0.100', MAC_A, 0]],
    );
    const table = await lab.exec(net.S, process.execPath, [HYDRA_MAIN, 'leases', 'list']);
    assert.match(table.stdout, new RegExp(`10\\.79\\.0\\.100\\s+${MAC_A}`));
  });

  it('renews the lease (RENEWING: unicast REQUEST with ciaddr) and keeps its address', async () => {
    await step('dhclient A renews', { procs: [net.hydra, dhclientA], captures: [net.capture], events: [a.events] }, async () => {
      const before = (await a.events.all()).length;
      const renewed = await a.events.waitReason(['RENEW'], before, 20_000);
      assert.equal(renewed.new_ip_address, '10.79.0.100');
      // Renewed within the lease cache window (25 % by default), the stored lease is reused
      // and the client is told the seconds that remain of it: a few below 600.
      const renewedFor = Number(renewed.new_dhcp_lease_time);
      assert.ok(renewedFor > 580 && renewedFor <= 600, `renewed lease time ${renewedFor}`);
      // RENEWING, not REBINDING: the REQUEST went unicast to the server from the leased address.
      await net.capture.waitFor('unicast renew REQUEST', `src host 10.79.0.100 and dst host 10.79.0.1 and dst port 67`);
    });
  });

  it('restarted with its lease file, reboots (INIT-REBOOT) into the same address', async () => {
    await dhclientA.stop();
    dhclientA = startClient(a.args);
    await step('dhclient A reboots', { procs: [net.hydra, dhclientA], captures: [net.capture], events: [a.events] }, async () => {
      const before = (await a.events.all()).length;
      const rebooted = await a.events.waitReason(['REBOOT', 'BOUND'], before, 20_000);
      assert.equal(rebooted.reason, 'REBOOT', 'dhclient fell back to DISCOVER instead of INIT-REBOOT');
      assert.equal(rebooted.new_ip_address, '10.79.0.100');
    });
  });

  it('releases (dhclient -r), and the freed address goes to another client', async () => {
    await dhclientA.stop();
    await step('dhclient A releases', { procs: [net.hydra], captures: [net.capture], events: [a.events] }, async () => {
      const before = (await a.events.all()).length;
      await lab.exec(net.C, 'dhclient', [...a.args, '-r', net.cIf]);
      await a.events.waitReason(['RELEASE'], before, 10_000);
      assert.deepEqual(await lab.addresses(net.C, net.cIf), []);
    });
    // A's lease (600 s) would still hold the pool's only address had the RELEASE not freed it.
    await bindAs(net, {
      mac: MAC_B, step: 'dhclient B gets the released address', start: () => startNew('b'), reasons: ['BOUND'],
      check: (bound) => {
        assert.equal(bound.new_ip_address, '10.79.0.100');
      },
    });
  });

  it('gives a reserved client its reservation', async () => {
    await bindAs(net, {
      mac: MAC_RESERVED, step: 'dhclient R gets 10.79.0.6', start: () => startNew('r'), reasons: ['BOUND'],
      check: (bound) => {
        assert.equal(bound.new_ip_address, '10.79.0.6');
        assert.equal(bound.new_routers, '10.79.0.1');
      },
    });
  });

  it('stops cleanly on SIGTERM', async () => {
    await assertCleanStop(net.hydra, 'SIGTERM');
  });
});
