import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DhcpEngine } from '../../src/engine/engine.js';
import { clientKeyOf } from '../../src/engine/client-identity.js';
import { ACK, config, ctx, DISCOVER, dora, ip, mac, msgType, NAK, REQUEST, req, SERVER, subnet, u32 } from './builder.js';

const T0 = 1_700_000_000;
const OTHER_SERVER = '10.77.0.2';

test('SELECTING: REQUEST naming us for the offered address is ACKed and bound', () => {
  const e = new DhcpEngine(config());
  const off = e.handle(req({ type: DISCOVER, hw: mac(1) }), ctx(T0)).reply!;
  const d = e.handle(req({ type: REQUEST, hw: mac(1), requested: off.yiaddr, serverId: SERVER }), ctx(T0 + 1));
  assert.equal(d.reason, 'ack');
  assert.equal(msgType(d.reply), ACK);
  assert.equal(d.reply!.yiaddr, off.yiaddr);
  assert.equal(d.reply!.ciaddr, 0);
  const lease = e.leases.get(off.yiaddr)!;
  assert.equal(lease.state, 'bound');
  assert.equal(lease.expiresAt, T0 + 1 + 3600);
  assert.deepEqual(d.changes, [{ kind: 'upsert', lease }]);
});

test('SELECTING: REQUEST naming us for another address is NAKed', () => {
  const e = new DhcpEngine(config());
  e.handle(req({ type: DISCOVER, hw: mac(1), requested: '10.77.0.150' }), ctx(T0));
  const d = e.handle(req({ type: REQUEST, hw: mac(1), requested: '10.77.0.151', serverId: SERVER }), ctx(T0 + 1));
  assert.equal(d.reason, 'nak-wrong-address');
  assert.equal(msgType(d.reply), NAK);
  assert.equal(e.leases.get(ip('10.77.0.151')), undefined);
});

test('SELECTING: an offered address another client took in between is NAKed', () => {
  const e = new DhcpEngine(config([subnet({ ranges: [{ start: ip('10.77.0.100'), end: ip('10.77.0.100') }] })]));
  e.handle(req({ type: DISCOVER, hw: mac(1) }), ctx(T0));
  // The hold lapses, client 2 takes the address, then client 1 finally requests it.
  dora(e, { hw: mac(2) }, T0 + 60);
  const d = e.handle(req({ type: REQUEST, hw: mac(1), requested: '10.77.0.100', serverId: SERVER }), ctx(T0 + 61));
  assert.equal(d.reason, 'nak-wrong-address');
  assert.equal(e.leases.get(ip('10.77.0.100'))!.clientKey, clientKeyOf(null, 1, mac(2)));
});

test('SELECTING: REQUEST naming another server is ignored and frees our offer', () => {
  const e = new DhcpEngine(config([subnet({ ranges: [{ start: ip('10.77.0.100'), end: ip('10.77.0.100') }] })]));
  e.handle(req({ type: DISCOVER, hw: mac(1) }), ctx(T0));
  const d = e.handle(req({ type: REQUEST, hw: mac(1), requested: '10.77.0.100', serverId: OTHER_SERVER }), ctx(T0 + 1));
  assert.equal(d.reply, null);
  assert.equal(d.reason, 'drop-other-server');
  assert.deepEqual(d.changes, [{ kind: 'delete', address: ip('10.77.0.100') }]);
  // Well within the hold time, another client can have it now.
  assert.equal(e.handle(req({ type: DISCOVER, hw: mac(2) }), ctx(T0 + 2)).reason, 'offer');
});

test('SELECTING: the relay server-id override (82.11) counts as us and is what we answer with', () => {
  const e = new DhcpEngine(config());
  const override = Uint8Array.of(11, 4, 10, 77, 0, 254, 5, 4, 10, 77, 0, 0);
  const opts: [number, Uint8Array][] = [[82, override]];
  const off = e.handle(req({ type: DISCOVER, hw: mac(1), giaddr: '10.77.0.254', options: opts }), ctx(T0)).reply!;
  assert.equal(u32(off.options.get(54)), ip('10.77.0.254'));
  const d = e.handle(
    req({ type: REQUEST, hw: mac(1), giaddr: '10.77.0.254', requested: off.yiaddr, serverId: '10.77.0.254', options: opts }),
    ctx(T0),
  );
  assert.equal(d.reason, 'ack');
});

test('INIT-REBOOT: an address outside the client network is NAKed', () => {
  const e = new DhcpEngine(config());
  const d = e.handle(req({ type: REQUEST, hw: mac(1), requested: '192.168.1.20' }), ctx(T0));
  assert.equal(d.reason, 'nak-wrong-network');
  assert.equal(msgType(d.reply), NAK);
  assert.equal(d.reply!.yiaddr, 0);
});

test('INIT-REBOOT: a known client gets its own address ACKed and another one NAKed', () => {
  const e = new DhcpEngine(config());
  const a = dora(e, { hw: mac(1) }, T0);
  const same = e.handle(req({ type: REQUEST, hw: mac(1), requested: a }), ctx(T0 + 100));
  assert.equal(same.reason, 'ack');
  assert.equal(same.reply!.yiaddr, a);
  const other = e.handle(req({ type: REQUEST, hw: mac(1), requested: a + 1 }), ctx(T0 + 100));
  assert.equal(other.reason, 'nak-wrong-address');
  assert.equal(msgType(other.reply), NAK);
});

test('INIT-REBOOT: an unknown client is ignored unless the server is authoritative', () => {
  const quiet = new DhcpEngine(config());
  const d = quiet.handle(req({ type: REQUEST, hw: mac(1), requested: '10.77.0.150' }), ctx(T0));
  assert.equal(d.reply, null);
  assert.equal(d.reason, 'drop-unknown-client');

  const auth = new DhcpEngine(config(undefined, { authoritative: true }));
  dora(auth, { hw: mac(2), requested: '10.77.0.151' }, T0);
  // Someone else's address → NAK; excluded/out-of-range → NAK; free in range → ACK (documented choice).
  assert.equal(auth.handle(req({ type: REQUEST, hw: mac(1), requested: '10.77.0.151' }), ctx(T0)).reason, 'nak-wrong-address');
  assert.equal(auth.handle(req({ type: REQUEST, hw: mac(1), requested: '10.77.0.20' }), ctx(T0)).reason, 'nak-wrong-address');
  const ok = auth.handle(req({ type: REQUEST, hw: mac(1), requested: '10.77.0.150' }), ctx(T0));
  assert.equal(ok.reason, 'ack');
  assert.equal(auth.leases.get(ip('10.77.0.150'))!.state, 'bound');
});

test('RENEWING: a bound client extends its lease; ciaddr is echoed', () => {
  const e = new DhcpEngine(config());
  const a = dora(e, { hw: mac(1) }, T0);
  const d = e.handle(req({ type: REQUEST, hw: mac(1), ciaddr: a }), ctx(T0 + 1800, null));
  assert.equal(d.reason, 'ack');
  assert.equal(d.reply!.ciaddr, a);
  assert.equal(d.reply!.yiaddr, a);
  assert.equal(e.leases.get(a)!.expiresAt, T0 + 1800 + 3600);
});

test('REBINDING: a relayed rebind from the right network extends the lease', () => {
  const e = new DhcpEngine(config());
  const a = dora(e, { hw: mac(1) }, T0);
  const d = e.handle(req({ type: REQUEST, hw: mac(1), ciaddr: a, giaddr: '10.77.0.254' }), ctx(T0 + 3200, null));
  assert.equal(d.reason, 'ack');
  assert.equal(e.leases.get(a)!.expiresAt, T0 + 3200 + 3600);
});

test('RENEWING: an address not bound to this client is NAKed; a foreign address is ignored', () => {
  const e = new DhcpEngine(config());
  const a = dora(e, { hw: mac(1) }, T0);
  const thief = e.handle(req({ type: REQUEST, hw: mac(2), ciaddr: a }), ctx(T0 + 10));
  assert.equal(thief.reason, 'nak-wrong-address');
  assert.equal(msgType(thief.reply), NAK);
  assert.equal(e.leases.get(a)!.clientKey, clientKeyOf(null, 1, mac(1)));
  const stranger = e.handle(req({ type: REQUEST, hw: mac(3), ciaddr: '10.77.0.160' }), ctx(T0 + 10));
  assert.equal(stranger.reason, 'nak-wrong-address');
  const foreign = e.handle(req({ type: REQUEST, hw: mac(3), ciaddr: '192.168.5.5' }), ctx(T0 + 10));
  assert.equal(foreign.reply, null);
  assert.equal(foreign.reason, 'drop-not-our-network');
});

test('REBINDING: a client that moved to another of our networks is NAKed', () => {
  const e = new DhcpEngine(
    config([subnet(), subnet({ id: 2, name: 'b', network: ip('10.78.0.0'), ranges: [{ start: ip('10.78.0.10'), end: ip('10.78.0.20') }] })]),
  );
  const a = dora(e, { hw: mac(1) }, T0);
  const d = e.handle(req({ type: REQUEST, hw: mac(1), ciaddr: a, giaddr: '10.78.0.1' }), ctx(T0 + 3200));
  assert.equal(d.reason, 'nak-wrong-network');
  assert.equal(d.subnetId, 2);
});

test('RENEWING after expiry: still the client if nobody took the address', () => {
  const e = new DhcpEngine(config());
  const a = dora(e, { hw: mac(1) }, T0);
  e.reclaimExpired(T0 + 4000, 10);
  assert.equal(e.leases.get(a)!.state, 'expired');
  const d = e.handle(req({ type: REQUEST, hw: mac(1), ciaddr: a }), ctx(T0 + 4001));
  assert.equal(d.reason, 'ack');
  assert.equal(e.leases.get(a)!.state, 'bound');
});
