import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DhcpEngine } from '../../src/engine/engine.js';
import { formatIpv4 } from '../../src/protocol/ipv4.js';
import { config, ctx, DISCOVER, dora, ip, mac, msgType, OFFER, RELEASE, req, SERVER, subnet } from './builder.js';

const T0 = 1_700_000_000;
const offerTo = (e: DhcpEngine, spec: Parameters<typeof req>[0], now = T0) => e.handle(req(spec), ctx(now));
const offered = (d: ReturnType<DhcpEngine['handle']>) => formatIpv4(d.reply!.yiaddr);

test('DISCOVER: a reservation by MAC wins over everything else', () => {
  const e = new DhcpEngine(config([subnet({ reservations: [{ hwAddress: mac(7), address: ip('10.77.0.50') }] })]));
  const d = offerTo(e, { type: DISCOVER, hw: mac(7), requested: '10.77.0.120' });
  assert.equal(d.reason, 'offer');
  assert.equal(msgType(d.reply), OFFER);
  assert.equal(offered(d), '10.77.0.50'); // outside the range, inside the network: still offered
});

test('DISCOVER: a reservation by client-id is preferred to one by MAC', () => {
  const cid = Uint8Array.of(1, 2, 3, 4);
  const e = new DhcpEngine(
    config([
      subnet({
        reservations: [
          { hwAddress: mac(7), address: ip('10.77.0.50') },
          { clientId: cid, address: ip('10.77.0.51') },
        ],
      }),
    ]),
  );
  assert.equal(offered(offerTo(e, { type: DISCOVER, hw: mac(7), clientId: cid })), '10.77.0.51');
  assert.equal(offered(offerTo(e, { type: DISCOVER, hw: mac(7) })), '10.77.0.50');
});

test('DISCOVER: a reserved address is never offered to another client, even when requested', () => {
  const e = new DhcpEngine(config([subnet({ reservations: [{ hwAddress: mac(7), address: ip('10.77.0.100') }] })]));
  const d = offerTo(e, { type: DISCOVER, hw: mac(8), requested: '10.77.0.100' });
  assert.notEqual(offered(d), '10.77.0.100');
});

test('DISCOVER: the current binding is offered again, not the requested address', () => {
  const e = new DhcpEngine(config());
  const bound = dora(e, { hw: mac(1) }, T0);
  const d = offerTo(e, { type: DISCOVER, hw: mac(1), requested: '10.77.0.150' }, T0 + 10);
  assert.equal(d.reply!.yiaddr, bound);
  // Offering a live binding must not downgrade it to an offer.
  assert.equal(e.leases.get(bound)!.state, 'bound');
});

test('DISCOVER: a previous (released) address comes back when still free', () => {
  const e = new DhcpEngine(config());
  const first = dora(e, { hw: mac(1) }, T0);
  e.handle(req({ type: RELEASE, hw: mac(1), ciaddr: first, serverId: SERVER }), ctx(T0 + 5));
  const d = offerTo(e, { type: DISCOVER, hw: mac(1), requested: '10.77.0.150' }, T0 + 10);
  assert.equal(d.reply!.yiaddr, first);
});

test('DISCOVER: the requested address is offered when valid and free, else a new one', () => {
  const e = new DhcpEngine(config([subnet({ exclusions: [ip('10.77.0.130')] })]));
  assert.equal(offered(offerTo(e, { type: DISCOVER, hw: mac(1), requested: '10.77.0.150' })), '10.77.0.150');
  // Excluded, outside the range, other network: all refused in favour of a new address.
  for (const bad of ['10.77.0.130', '10.77.0.20', '10.88.0.150']) {
    const a = offered(offerTo(e, { type: DISCOVER, hw: mac(2), requested: bad }));
    assert.notEqual(a, bad);
    assert.ok(ip(a) >= ip('10.77.0.100') && ip(a) <= ip('10.77.0.199'));
  }
});

test('DISCOVER: an offer is held; another client cannot get it until the hold ends', () => {
  const e = new DhcpEngine(config([subnet({ ranges: [{ start: ip('10.77.0.100'), end: ip('10.77.0.100') }] })]));
  assert.equal(offered(offerTo(e, { type: DISCOVER, hw: mac(1) })), '10.77.0.100');
  const other = offerTo(e, { type: DISCOVER, hw: mac(2), requested: '10.77.0.100' }, T0 + 29);
  assert.equal(other.reply, null);
  assert.equal(other.reason, 'drop-no-free-address');
  // After offerHoldSeconds (30 s), the held offer lapses and the address is free again.
  assert.equal(offered(offerTo(e, { type: DISCOVER, hw: mac(2) }, T0 + 31)), '10.77.0.100');
});

test('DISCOVER: exhaustion means no OFFER', () => {
  const e = new DhcpEngine(config([subnet({ ranges: [{ start: ip('10.77.0.100'), end: ip('10.77.0.103') }] })]));
  const got = new Set<number>();
  for (let i = 1; i <= 4; i++) got.add(dora(e, { hw: mac(i) }, T0));
  assert.equal(got.size, 4);
  const d = offerTo(e, { type: DISCOVER, hw: mac(99) }, T0 + 1);
  assert.equal(d.reply, null);
  assert.equal(d.reason, 'drop-no-free-address');
  assert.deepEqual(d.changes, []);
});

test('DISCOVER: network and broadcast addresses are never offered', () => {
  const e = new DhcpEngine(config([subnet({ ranges: [{ start: ip('10.77.0.0'), end: ip('10.77.0.1') }, { start: ip('10.77.0.255'), end: ip('10.77.0.255') }] })]));
  assert.equal(offered(offerTo(e, { type: DISCOVER, hw: mac(1) })), '10.77.0.1');
  assert.equal(offerTo(e, { type: DISCOVER, hw: mac(2) }).reason, 'drop-no-free-address');
});

test('DISCOVER: a client gets one held offer at a time', () => {
  const e = new DhcpEngine(config());
  offerTo(e, { type: DISCOVER, hw: mac(1), requested: '10.77.0.150' });
  offerTo(e, { type: DISCOVER, hw: mac(1), requested: '10.77.0.151' });
  const held = [...e.leases.all()].filter((l) => l.state === 'offered');
  assert.equal(held.length, 1);
});

test('DISCOVER: the offer is recorded as a change and as an offered lease', () => {
  const e = new DhcpEngine(config());
  const d = offerTo(e, { type: DISCOVER, hw: mac(1), hostname: 'pc1' });
  assert.equal(d.changes.length, 1);
  const c = d.changes[0]!;
  assert.equal(c.kind, 'upsert');
  if (c.kind === 'upsert') {
    assert.equal(c.lease.state, 'offered');
    assert.equal(c.lease.expiresAt, T0 + 30);
    assert.equal(c.lease.hostname, 'pc1');
    assert.equal(c.lease.subnetId, 1);
  }
});

test('non-BOOTREQUEST and plain BOOTP are dropped', () => {
  const e = new DhcpEngine(config());
  assert.equal(e.handle(req({ type: DISCOVER, op: 2 }), ctx(T0)).reason, 'drop-not-request');
  assert.equal(e.handle(req({ type: null }), ctx(T0)).reason, 'drop-bootp');
  assert.equal(e.handle(req({ type: 2 }), ctx(T0)).reason, 'drop-unexpected-type');
});

test('a request with neither client identifier nor hardware address is dropped', () => {
  const e = new DhcpEngine(config());
  const r = req({ type: DISCOVER, hw: new Uint8Array(0) });
  assert.equal(r.hlen, 0);
  assert.equal(e.handle(r, ctx(T0)).reason, 'drop-no-client-identity');
  const withId = req({ type: DISCOVER, hw: new Uint8Array(0), clientId: Uint8Array.of(0, 1, 2) });
  assert.equal(e.handle(withId, ctx(T0)).reason, 'offer');
});
