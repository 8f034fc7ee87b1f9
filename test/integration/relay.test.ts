// A client behind ISC dhcrelay: C (udhcpc) — R (dhcrelay, 10.80.0.1 down, 10.79.0.2 up) — S (hydra).
// S reaches the relay's network by a specific route (no default route). The client must get an
// address from the relay's subnet, 10.80.0.0/24, chosen by giaddr.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { NetLab, skipUnlessRoot, waitFor, type Capture, type Proc } from '../support/netns.js';
import { ClientEvents } from '../support/client-events.js';
import { labConfig, startHydra, subnetYaml } from '../support/hydra.js';
import { udhcpcArgs } from '../support/udhcpc.js';
import { step } from '../support/diagnose.js';

const CONFIG = labConfig(
  subnetYaml(1, '10.79.0', '10.79.0.100-10.79.0.150'),
  subnetYaml(2, '10.80.0', '10.80.0.100-10.80.0.150', '', { dns: '10.79.0.1', domain: 'relayed.hydra.test' }),
);

const skip = skipUnlessRoot(['udhcpc', 'dhcrelay', 'tcpdump', 'ss']);

describe('client behind ISC dhcrelay against hydra (network namespaces)', { skip, timeout: 120_000 }, () => {
  const lab = new NetLab('rly');
  let C = '';
  let R = '';
  let S = '';
  let cIf = '';
  let rDown = '';
  let rUp = '';
  let sIf = '';
  let hydra: Proc;
  let relay: Proc;
  const captures: Capture[] = [];

  before(async () => {
    await lab.init();
    S = await lab.addNs('s');
    R = await lab.addNs('r');
    C = await lab.addNs('c');
    sIf = lab.ifname('s');
    rUp = lab.ifname('ru');
    rDown = lab.ifname('rd');
    cIf = lab.ifname('c');
    await lab.veth({ ns: S, name: sIf, addr: '10.79.0.1/24' }, { ns: R, name: rUp, addr: '10.79.0.2/24' });
    await lab.veth({ ns: R, name: rDown, addr: '10.80.0.1/24' }, { ns: C, name: cIf, mac: '02:ac:80:00:00:0a' });
    await lab.route(S, '10.80.0.0/24', '10.79.0.2');
    captures.push(await lab.capture(S, sIf), await lab.capture(R, rDown));
    hydra = await startHydra(lab, S, { config: CONFIG, iface: sIf });
    relay = lab.spawn(R, 'dhcrelay', 'dhcrelay', ['-d', '-4', '-id', rDown, '-iu', rUp, '10.79.0.1']);
    // dhcrelay prints its interfaces once it listens; a client started before that loses a DISCOVER.
    await waitFor('dhcrelay to listen', () => (relay.output.match(/Listening on/g) ?? []).length >= 2 || !relay.running, 10_000);
    assert.ok(relay.running, `dhcrelay exited:\n${relay.tail()}`);
  });

  after(async () => {
    await lab.cleanup();
  });

  it('gets an address from the relay subnet with that subnet options', async () => {
    const events = await ClientEvents.create(lab.dir, 'c', 'udhcpc');
    const client = lab.spawn(C, 'udhcpc', 'udhcpc', udhcpcArgs(cIf, events.script, ['-q']));
    await step('relayed udhcpc binds', { procs: [hydra, relay, client], captures, events: [events] }, async () => {
      const bound = await events.waitReason(['bound']);
      assert.match(bound.ip ?? '', /^10\.80\.0\.(1[0-4]\d|150)$/);
      assert.equal(bound.subnet, '255.255.255.0');
      assert.equal(bound.router, '10.80.0.1');
      assert.equal(bound.domain, 'relayed.hydra.test');
      assert.equal(bound.serverid, '10.79.0.1');
    });
    await client.stop();
  });
});
