import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DhcpEngine } from '../../src/engine/engine.js';
import { ACK, config, ctx, DECLINE, DISCOVER, dora, INFORM, ip, mac, msgType, RELEASE, REQUEST, req, SERVER, subnet } from './builder.js';

const T0 = 1_700_000_000;
const one = () => config([subnet({ ranges: [{ start: ip('10.77.0.100'), end: ip('10.77.0.100') }] })]);

test('DECLINE: the address is on probation, offered to nobody, then reused after it ends', () => {
  const e = new DhcpEngine(one());
  const a = dora(e, { hw: mac(1) }, T0);
  const d = e.handle(req({ type: DECLINE, hw: mac(1), requested: a, serverId: SERVER }), ctx(T0 + 1));
  assert.equal(d.reason, 'decline');
  assert.equal(d.reply, null);
  assert.equal(e.leases.get(a)!.state, 'declined');
  assert.equal(e.leases.get(a)!.expiresAt, T0 + 1 + 600);
  // Neither the decliner nor anyone else gets it during probation, even by asking for it.
  assert.equal(e.handle(req({ type: DISCOVER, hw: mac(1) }), ctx(T0 + 2)).reason, 'drop-no-free-address');
  assert.equal(e.handle(req({ type: DISCOVER, hw: mac(2), requested: a }), ctx(T0 + 599)).reason, 'drop-no-free-address');
  assert.equal(e.handle(req({ type: REQUEST, hw: mac(1), ciaddr: a }), ctx(T0 + 3)).reason, 'nak-wrong-address');
  // Probation over: the reclaimer frees it and it is offered again.
  const changes = e.reclaimExpired(T0 + 602, 10);
  assert.deepEqual(changes, [{ kind: 'delete', address: a }]);
  const again = e.handle(req({ type: DISCOVER, hw: mac(2) }), ctx(T0 + 603));
  assert.equal(again.reason, 'offer');
  assert.equal(again.reply!.yiaddr, a);
});

test('DECLINE: lazily freed when probation is over even before the reclaimer runs', () => {
  const e = new DhcpEngine(one());
  const a = dora(e, { hw: mac(1) }, T0);
  e.handle(req({ type: DECLINE, hw: mac(1), requested: a, serverId: SERVER }), ctx(T0));
  assert.equal(e.handle(req({ type: DISCOVER, hw: mac(2) }), ctx(T0 + 601)).reply!.yiaddr, a);
});

test('DECLINE: for another server, or for an address not leased to the client, is ignored', () => {
  const e = new DhcpEngine(config());
  const a = dora(e, { hw: mac(1) }, T0);
  assert.equal(e.handle(req({ type: DECLINE, hw: mac(1), requested: a, serverId: '10.77.0.2' }), ctx(T0)).reason, 'drop-other-server');
  assert.equal(e.handle(req({ type: DECLINE, hw: mac(2), requested: a, serverId: SERVER }), ctx(T0)).reason, 'drop-decline-not-leased');
  assert.equal(e.leases.get(a)!.state, 'bound');
});

test('RELEASE: the address is free for others, yet the client gets it back when nobody took it', () => {
  const e = new DhcpEngine(config([subnet({ ranges: [{ start: ip('10.77.0.100'), end: ip('10.77.0.101') }] })]));
  const a = dora(e, { hw: mac(1) }, T0);
  const r = e.handle(req({ type: RELEASE, hw: mac(1), ciaddr: a, serverId: SERVER }), ctx(T0 + 10));
  assert.equal(r.reason, 'release');
  assert.equal(r.reply, null);
  assert.equal(e.leases.get(a)!.state, 'released');
  // A new client prefers the never-used address, preserving the released client's affinity.
  const b = dora(e, { hw: mac(2) }, T0 + 20);
  assert.notEqual(b, a);
  assert.equal(dora(e, { hw: mac(1) }, T0 + 30), a);
});

test('RELEASE: a released address is given to another client when nothing else is free', () => {
  const e = new DhcpEngine(one());
  const a = dora(e, { hw: mac(1) }, T0);
  e.handle(req({ type: RELEASE, hw: mac(1), ciaddr: a, serverId: SERVER }), ctx(T0 + 10));
  assert.equal(dora(e, { hw: mac(2) }, T0 + 20), a);
  // And then the first client has lost it.
  assert.equal(e.handle(req({ type: DISCOVER, hw: mac(1) }), ctx(T0 + 30)).reason, 'drop-no-free-address');
});

test('RELEASE: from a client that does not hold the address changes nothing', () => {
  const e = new DhcpEngine(config());
  const a = dora(e, { hw: mac(1) }, T0);
  const r = e.handle(req({ type: RELEASE, hw: mac(2), ciaddr: a }), ctx(T0));
  assert.equal(r.reason, 'drop-release-not-leased');
  assert.deepEqual(r.changes, []);
  assert.equal(e.leases.get(a)!.state, 'bound');
});

test('INFORM: ACK with options, yiaddr 0, ciaddr echoed, no lease times, no lease change', () => {
  const e = new DhcpEngine(config());
  const d = e.handle(req({ type: INFORM, hw: mac(1), ciaddr: '10.77.0.40', prl: [6, 3] }), ctx(T0, null));
  assert.equal(d.reason, 'ack-inform');
  assert.equal(msgType(d.reply), ACK);
  assert.equal(d.reply!.yiaddr, 0);
  assert.equal(d.reply!.ciaddr, ip('10.77.0.40'));
  for (const code of [51, 58, 59]) assert.equal(d.reply!.options.has(code), false);
  assert.deepEqual([...d.reply!.options.keys()], [53, 54, 1, 3, 6, 15]);
  assert.deepEqual(d.changes, []);
  assert.equal(e.leases.size, 0);
});

test('INFORM from an address outside our networks is dropped', () => {
  const e = new DhcpEngine(config());
  assert.equal(e.handle(req({ type: INFORM, ciaddr: '192.168.0.5' }), ctx(T0, null)).reason, 'drop-no-subnet');
});
