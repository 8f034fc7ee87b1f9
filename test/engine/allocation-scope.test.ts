import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DhcpEngine } from '../../src/engine/engine.js';
import { formatIpv4 } from '../../src/protocol/ipv4.js';
import { ACK, config, ctx, DISCOVER, ip, mac, msgType, REQUEST, req, SERVER, subnet } from './builder.js';

const T0 = 1_700_000_000;
const scoped = () => new DhcpEngine(config([subnet({ ranges: [{ start: ip('10.77.0.100'), end: ip('10.77.0.199') }] })]));

test('allocation scope: fresh addresses come only from the scope, clipped to the pool', () => {
  const e = scoped();
  e.setAllocationScope(1, [{ start: ip('10.77.0.150'), end: ip('10.77.0.152') }, { start: ip('10.77.0.198'), end: ip('10.77.0.250') }]);
  assert.equal(e.availableIn(1), 5);
  const got: string[] = [];
  for (let n = 1; n <= 6; n++) {
    const d = e.handle(req({ type: DISCOVER, hw: mac(n) }), ctx(T0));
    got.push(d.reply ? formatIpv4(d.reply.yiaddr) : d.reason);
  }
  assert.deepEqual(got.slice(0, 5).sort(), ['10.77.0.150', '10.77.0.151', '10.77.0.152', '10.77.0.198', '10.77.0.199']);
  assert.equal(got[5], 'drop-no-free-address');
});

test('allocation scope: a client keeps and renews a lease outside the scope; clearing the scope frees the pool again', () => {
  const e = scoped();
  const offer = e.handle(req({ type: DISCOVER, hw: mac(1) }), ctx(T0));
  const address = offer.reply!.yiaddr;
  e.handle(req({ type: REQUEST, hw: mac(1), requested: address, serverId: SERVER }), ctx(T0));
  e.setAllocationScope(1, [{ start: ip('10.77.0.190'), end: ip('10.77.0.190') }]);
  assert.ok(address !== ip('10.77.0.190'));
  const renew = e.handle(req({ type: REQUEST, hw: mac(1), ciaddr: address }), ctx(T0 + 1000));
  assert.equal(msgType(renew.reply), ACK);
  assert.equal(renew.reply!.yiaddr, address);
  e.setAllocationScope(1, [{ start: ip('10.77.0.190'), end: ip('10.77.0.190') }]);
  assert.equal(formatIpv4(e.handle(req({ type: DISCOVER, hw: mac(2) }), ctx(T0)).reply!.yiaddr), '10.77.0.190');
  assert.equal(e.handle(req({ type: DISCOVER, hw: mac(3) }), ctx(T0)).reason, 'drop-no-free-address');
  e.setAllocationScope(1, null);
  assert.equal(e.availableIn(1), 100 - 2);
  assert.equal(e.handle(req({ type: DISCOVER, hw: mac(3) }), ctx(T0)).reason, 'offer');
});
