import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DhcpEngine } from '../../src/engine/engine.js';
import { formatIpv4 } from '../../src/protocol/ipv4.js';
import { ACK, config, ctx, DISCOVER, ip, mac, msgType, REQUEST, req, SERVER, subnet } from './builder.js';

const T0 = 1_700_000_000;
const scoped = (authoritative = false) =>
  new DhcpEngine(config([subnet({ ranges: [{ start: ip('10.77.0.100'), end: ip('10.77.0.199') }] })], { authoritative }));

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

test('allocation scope: a free address outside the scope is not handed out (its block is another server\'s), a live lease of the client is', () => {
  const e = scoped(true);
  const address = ip('10.77.0.120');
  // The client had 10.77.0.120 and released it; now the block is someone else's.
  e.handle(req({ type: DISCOVER, hw: mac(1), requested: address }), ctx(T0));
  e.handle(req({ type: REQUEST, hw: mac(1), requested: address, serverId: SERVER }), ctx(T0));
  e.setAllocationScope(1, [{ start: ip('10.77.0.150'), end: ip('10.77.0.159') }]);
  // Bound and live: renewing and rebooting through this server works.
  assert.equal(msgType(e.handle(req({ type: REQUEST, hw: mac(1), requested: address }), ctx(T0 + 10)).reply), ACK);
  e.handle(req({ type: 7, hw: mac(1), ciaddr: address, serverId: SERVER }), ctx(T0 + 20));
  // Released: the previous-address preference and the requested address give way to the scope.
  const offer = e.handle(req({ type: DISCOVER, hw: mac(1), requested: address }), ctx(T0 + 30));
  assert.equal(formatIpv4(offer.reply!.yiaddr), '10.77.0.150');
  // An unknown client rebooting into a free address of another server's block is refused.
  const other = e.handle(req({ type: REQUEST, hw: mac(9), requested: ip('10.77.0.130') }), ctx(T0 + 40));
  assert.equal(other.reason, 'nak-wrong-address');
  // Inside the scope the same unknown client gets its address (authoritative, address free).
  const inside = e.handle(req({ type: REQUEST, hw: mac(9), requested: ip('10.77.0.155') }), ctx(T0 + 40));
  assert.equal(msgType(inside.reply), ACK);
});
