// Hydra serving two directly attached networks at once, with no -I and no default route:
// S has 10.79.0.1/24 toward CA and 10.81.0.1/24 toward CB. Each client must get an address from
// its own interface's subnet and the server id of that interface. CA asks for unicast replies,
// CB for broadcast replies (udhcpc -B), so both reply paths leave by the right interface.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { NetLab, run, skipUnlessRoot, type Capture, type Proc } from '../support/netns.js';
import { ClientEvents } from '../support/client-events.js';
import { labConfig, startHydra, subnetYaml } from '../support/hydra.js';
import { udhcpcArgs } from '../support/udhcpc.js';
import { step } from '../support/diagnose.js';

const CONFIG = labConfig(
  subnetYaml(1, '10.79.0', '10.79.0.100-10.79.0.150', '', { domain: 'a.hydra.test' }),
  subnetYaml(2, '10.81.0', '10.81.0.100-10.81.0.150', '', { domain: 'b.hydra.test' }),
);

const skip = skipUnlessRoot(['udhcpc', 'tcpdump', 'ss']);

describe('hydra on two interfaces without a default route (network namespaces)', { skip, timeout: 120_000 }, () => {
  const lab = new NetLab('mif');
  let S = '';
  let CA = '';
  let CB = '';
  let sA = '';
  let sB = '';
  let cA = '';
  let cB = '';
  let hydra: Proc;
  const captures: Capture[] = [];

  before(async () => {
    await lab.init();
    S = await lab.addNs('s');
    CA = await lab.addNs('ca');
    CB = await lab.addNs('cb');
    sA = lab.ifname('sa');
    sB = lab.ifname('sb');
    cA = lab.ifname('ca');
    cB = lab.ifname('cb');
    await lab.veth({ ns: S, name: sA, addr: '10.79.0.1/24' }, { ns: CA, name: cA, mac: '02:ac:79:00:0a:0a' });
    await lab.veth({ ns: S, name: sB, addr: '10.81.0.1/24' }, { ns: CB, name: cB, mac: '02:ac:81:00:0b:0b' });
    captures.push(await lab.capture(S, sA), await lab.capture(S, sB));
    hydra = await startHydra(lab, S, { config: CONFIG });
  });

  after(async () => {
    await lab.cleanup();
  });

  it('the server namespace has no default route (precondition)', async () => {
    const routes = await run('ip', ['-n', S, '-4', 'route', 'show', 'table', 'all']);
    assert.doesNotMatch(routes.stdout, /^default/m);
    assert.doesNotMatch(routes.stdout, /^(broadcast )?255\.255\.255\.255/m);
  });

  it('each client gets an address from its own interface subnet', async () => {
    const evA = await ClientEvents.create(lab.dir, 'a', 'udhcpc');
    const evB = await ClientEvents.create(lab.dir, 'b', 'udhcpc');
    const clientA = lab.spawn(CA, 'udhcpc-a', 'udhcpc', udhcpcArgs(cA, evA.script, ['-q']));
    const clientB = lab.spawn(CB, 'udhcpc-b', 'udhcpc', udhcpcArgs(cB, evB.script, ['-q', '-B']));
    const w = { procs: [hydra, clientA, clientB], captures, events: [evA, evB] };
    await step('both clients bind on their own subnets', w, async () => {
      const [a, b] = await Promise.all([evA.waitReason(['bound']), evB.waitReason(['bound'])]);
      assert.match(a.ip ?? '', /^10\.79\.0\.(1[0-4]\d|150)$/);
      assert.equal(a.serverid, '10.79.0.1');
      assert.equal(a.router, '10.79.0.1');
      assert.equal(a.domain, 'a.hydra.test');
      assert.match(b.ip ?? '', /^10\.81\.0\.(1[0-4]\d|150)$/);
      assert.equal(b.serverid, '10.81.0.1');
      assert.equal(b.router, '10.81.0.1');
      assert.equal(b.domain, 'b.hydra.test');
      // CB set the broadcast flag: its replies must be broadcast, and leave by CB's interface only.
      await captures[1]!.waitFor('broadcast replies on the second interface', 'ether dst ff:ff:ff:ff:ff:ff and src port 67', 2);
      assert.deepEqual(await captures[0]!.lines('ether dst ff:ff:ff:ff:ff:ff and src port 67'), []);
    });
    await clientA.stop();
    await clientB.stop();
  });
});
