// dhcpcd against the real hydra process: server in namespace S, client in namespace C.
// `dhcpcd -n` makes the running daemon rebind (broadcast REQUEST with ciaddr), `dhcpcd -k`
// makes it release and exit. dhcpcd configures the address itself; our hook only records events.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { skipUnlessRoot, type Proc } from '../support/netns.js';
import { ClientEvents } from '../support/client-events.js';
import { labConfig, subnetYaml } from '../support/hydra.js';
import { bindAs, singleClientLab } from '../support/single-client-lab.js';
import { step } from '../support/diagnose.js';

const MAC_A = '02:ac:79:00:0c:0a';
const MAC_B = '02:ac:79:00:0c:0b';

const CONFIG = labConfig(subnetYaml(1, '10.79.0', '10.79.0.100-10.79.0.100'));

// clientid: identify by MAC (not a DUID kept in /var/lib/dhcpcd), so a new MAC is a new client.
// noarp/noipv4ll: no probing delays; nogateway: the client namespace gets no default route.
const DHCPCD_CONF = `clientid
noarp
noipv4ll
nogateway
timeout 20
option subnet_mask, routers, domain_name_servers, domain_name
`;

const skip = skipUnlessRoot(['dhcpcd', 'tcpdump', 'ss']);

describe('dhcpcd against hydra (network namespaces)', { skip, timeout: 120_000 }, () => {
  let conf = '';
  const net = singleClientLab({
    tag: 'dcd', serverAddr: '10.79.0.1/24', clientMac: MAC_A, hydra: { config: CONFIG },
    prepare: async ({ lab, cIf }) => {
      conf = join(lab.dir, 'dhcpcd.conf');
      await writeFile(conf, DHCPCD_CONF);
      // dhcpcd keeps its lease, pid and control socket under fixed directories, named by interface.
      lab.onCleanup(async () => {
        for (const f of [`/var/lib/dhcpcd/${cIf}.lease`, `/run/dhcpcd/${cIf}-4.pid`, `/run/dhcpcd/${cIf}-4.sock`, `/run/dhcpcd/${cIf}-4.unpriv.sock`]) {
          await rm(f, { force: true });
        }
      });
    },
  });
  const { lab } = net;
  let eventsA: ClientEvents;
  let dhcpcdA: Proc;

  function startDhcpcd(label: string, events: ClientEvents): Proc {
    return lab.spawn(net.C, label, 'dhcpcd', ['-4', '-B', '-d', '-f', conf, '-c', events.script, net.cIf]);
  }

  it('obtains a lease with routers, DNS, domain name, mask and lease time', async () => {
    eventsA = await ClientEvents.create(lab.dir, 'a', 'dhcpcd');
    dhcpcdA = startDhcpcd('dhcpcd-a', eventsA);
    await step('dhcpcd A binds', { procs: [net.hydra, dhcpcdA], captures: [net.capture], events: [eventsA] }, async () => {
      const bound = await eventsA.waitReason(['BOUND'], 0, 25_000);
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

  it('rebinds on `dhcpcd -n` and keeps its address', async () => {
    await step('dhcpcd A rebinds', { procs: [net.hydra, dhcpcdA], captures: [net.capture], events: [eventsA] }, async () => {
      const before = (await eventsA.all()).length;
      await lab.exec(net.C, 'dhcpcd', ['-4', '-n', '-f', conf, net.cIf]);
      const renewed = await eventsA.waitReason(['RENEW', 'REBIND', 'REBOOT'], before, 20_000);
      assert.equal(renewed.new_ip_address, '10.79.0.100');
      // Renewed within the lease cache window (25 % by default), the stored lease is reused
      // and the client is told the seconds that remain of it: a few below 600.
      const renewedFor = Number(renewed.new_dhcp_lease_time);
      assert.ok(renewedFor > 580 && renewedFor <= 600, `renewed lease time ${renewedFor}`);
    });
  });

  it('releases on `dhcpcd -k`, and the freed address goes to another client', async () => {
    await step('dhcpcd A releases', { procs: [net.hydra, dhcpcdA], captures: [net.capture], events: [eventsA] }, async () => {
      await lab.exec(net.C, 'dhcpcd', ['-4', '-k', '-f', conf, net.cIf]);
      assert.ok(await dhcpcdA.waitExit(10_000), 'dhcpcd did not exit after -k');
      assert.match(dhcpcdA.output, /sending RELEASE/);
      assert.deepEqual(await lab.addresses(net.C, net.cIf), []);
    });
    // A's 600 s lease would still hold the pool's only address had the RELEASE not freed it.
    await bindAs(net, {
      mac: MAC_B, step: 'dhcpcd B gets the released address', reasons: ['BOUND'], timeoutMs: 25_000,
      start: async () => {
        const events = await ClientEvents.create(lab.dir, 'b', 'dhcpcd');
        return { events, proc: startDhcpcd('dhcpcd-b', events) };
      },
      check: (bound) => {
        assert.equal(bound.new_ip_address, '10.79.0.100');
      },
      beforeStop: async () => {
        await lab.exec(net.C, 'dhcpcd', ['-4', '-x', '-f', conf, net.cIf], { allowFail: true });
      },
    });
  });
});
