// What a reload (replaceConfig) does to leases: the engine's side of "reload without restart".
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DhcpEngine } from '../../src/engine/engine.js';
import { ACK, config, ctx, DISCOVER, dora, ip, mac, NAK, REQUEST, req, subnet } from './builder.js';

const T0 = 1_700_000_000;
const shrunk = (): ReturnType<typeof config> => config([subnet({ ranges: [{ start: ip('10.77.0.100'), end: ip('10.77.0.101') }] })]);

test('replaceConfig shrinking a range: leases inside are kept and renew; leases outside are kept, not renewed, and expire', () => {
  const e = new DhcpEngine(config());
  const inside = dora(e, { hw: mac(1) }, T0);
  const outsideA = dora(e, { hw: mac(2) }, T0);
  const outsideB = dora(e, { hw: mac(3) }, T0);
  assert.deepEqual([inside, outsideA, outsideB].map((a) => a - ip('10.77.0.100')), [0, 1, 2]);
  // Shrink to .100-.101 and then to .100 only.
  e.replaceConfig(shrunk());
  e.replaceConfig(config([subnet({ ranges: [{ start: ip('10.77.0.100'), end: ip('10.77.0.100') }] })]));
  for (const a of [inside, outsideA, outsideB]) assert.equal(e.leases.get(a)!.state, 'bound', 'every record is kept');

  // Inside: renews (RENEWING with ciaddr).
  const renewed = e.handle(req({ type: REQUEST, hw: mac(1), ciaddr: inside }), ctx(T0 + 1800));
  assert.equal(renewed.reply!.options.get(53)![0], ACK);
  // Outside: RENEWING and INIT-REBOOT are refused; the record stays bound until it expires.
  const renewOut = e.handle(req({ type: REQUEST, hw: mac(2), ciaddr: outsideA }), ctx(T0 + 1800));
  assert.equal(renewOut.reply!.options.get(53)![0], NAK);
  const rebootOut = e.handle(req({ type: REQUEST, hw: mac(3), requested: outsideB }), ctx(T0 + 1800));
  assert.equal(rebootOut.reply!.options.get(53)![0], NAK);
  assert.equal(e.leases.get(outsideA)!.state, 'bound');
  assert.equal(e.leases.get(outsideA)!.expiresAt, T0 + 3600, 'not extended');

  // A client outside asking again gets nothing outside the range (here: the range is full).
  const again = e.handle(req({ type: DISCOVER, hw: mac(2) }), ctx(T0 + 1800));
  assert.equal(again.reason, 'drop-no-free-address');
  // No one else is given an outside address either, even once it expires.
  e.reclaimExpired(T0 + 3601, 100);
  assert.equal(e.leases.get(outsideA)!.state, 'expired');
  const fresh = e.handle(req({ type: DISCOVER, hw: mac(9) }), ctx(T0 + 3602));
  assert.notEqual(fresh.reply?.yiaddr, outsideA);
  assert.notEqual(fresh.reply?.yiaddr, outsideB);
});

test('replaceConfig growing the range back: an outside lease still held is renewable again', () => {
  const e = new DhcpEngine(config());
  dora(e, { hw: mac(1) }, T0);
  dora(e, { hw: mac(2) }, T0);
  const outside = dora(e, { hw: mac(3) }, T0);
  e.replaceConfig(shrunk());
  e.replaceConfig(config());
  const r = e.handle(req({ type: REQUEST, hw: mac(3), ciaddr: outside }), ctx(T0 + 100));
  assert.equal(r.reply!.options.get(53)![0], ACK);
  // And the allocator knows the address is taken: a new client does not get it.
  const other = e.handle(req({ type: DISCOVER, hw: mac(4) }), ctx(T0 + 100));
  assert.notEqual(other.reply!.yiaddr, outside);
});
