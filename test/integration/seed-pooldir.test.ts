// The seed's deployment style end to end: hydra -D <pooldir> with one Erlang-term pool file
// (plus the exclude and reservations extensions), answered to BusyBox udhcpc in a namespace.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { skipUnlessRoot, type Proc } from '../support/netns.js';
import { ClientEvents } from '../support/client-events.js';
import { bindAs, singleClientLab } from '../support/single-client-lab.js';
import { udhcpcArgs } from '../support/udhcpc.js';
import { step } from '../support/diagnose.js';

const MAC_RESERVED = '02:ac:82:00:00:06';

// Same shape as the seed's pool1.dat, on a test network; 10.82.0.100 is excluded, so the
// range's only free address is 10.82.0.101.
const POOL = `%% Seed-style pool for the namespace test
{pooldata, {simplepool, [
\t{name, "ns-test"},
\t{range, {10,82,0,100}, {10,82,0,101}},
\t{options, [
\t\t{lease_time, 300},
\t\t{renewal_time, 100},
\t\t{rebinding_time, 200},
\t\t{subnet_mask, {255, 255, 255, 0}},
\t\t{broadcast_address, {10, 82, 0, 255}},
\t\t{dns_server, {10, 82, 0, 1}},
\t\t{domain_name, "seed.hydra.test"},
\t\t{router, {10, 82, 0, 1}}
\t]},
\t{exclude, [{10,82,0,100}]},
\t{reservations, [{hw, "${MAC_RESERVED}", {10,82,0,6}}]}
]}}.
`;

const skip = skipUnlessRoot(['udhcpc', 'tcpdump', 'ss']);

describe('hydra -D with a seed-style pool file (network namespaces)', { skip, timeout: 120_000 }, () => {
  const net = singleClientLab({ tag: 'sdp', serverAddr: '10.82.0.1/24', clientMac: '02:ac:82:00:00:0a', hydra: { pools: { 'ns-test.dat': POOL } } });
  const { lab } = net;

  function startUdhcpc(label: string, events: ClientEvents): Proc {
    return lab.spawn(net.C, label, 'udhcpc', udhcpcArgs(net.cIf, events.script, ['-q']));
  }

  it('leases the range address that is not excluded, with the pool options and T1/T2', async () => {
    const events = await ClientEvents.create(lab.dir, 'a', 'udhcpc');
    const client = startUdhcpc('udhcpc-a', events);
    await step('udhcpc binds from the seed pool', { procs: [net.hydra, client], captures: [net.capture], events: [events] }, async () => {
      const bound = await events.waitReason(['bound']);
      assert.equal(bound.ip, '10.82.0.101');
      assert.equal(bound.subnet, '255.255.255.0');
      assert.equal(bound.router, '10.82.0.1');
      assert.equal(bound.dns, '10.82.0.1');
      assert.equal(bound.domain, 'seed.hydra.test');
      assert.equal(bound.broadcast, '10.82.0.255');
      assert.equal(bound.lease, '300');
      const text = await net.capture.text();
      assert.match(text, /RN \(58\), length 4: 100\b/, 'T1 from renewal_time');
      assert.match(text, /RB \(59\), length 4: 200\b/, 'T2 from rebinding_time');
    });
    await client.stop();
  });

  it('gives the reserved MAC its fixed address', async () => {
    await bindAs(net, {
      mac: MAC_RESERVED, step: 'reserved udhcpc binds', reasons: ['bound'],
      start: async () => {
        const events = await ClientEvents.create(lab.dir, 'r', 'udhcpc');
        return { events, proc: startUdhcpc('udhcpc-r', events) };
      },
      check: (bound) => {
        assert.equal(bound.ip, '10.82.0.6');
        assert.equal(bound.router, '10.82.0.1');
      },
    });
  });
});
