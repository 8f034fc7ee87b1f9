import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DhcpEngine } from '../../src/engine/engine.js';
import { ipv4Bytes } from '../../src/protocol/ipv4.js';
import { config, ctx, DISCOVER, ip, mac, NAK, REQUEST, req, SERVER, subnet, u32 } from './builder.js';

const T0 = 1_700_000_000;
const relay82 = Uint8Array.of(1, 3, 0x61, 0x62, 0x63, 2, 2, 9, 9);

test('options: 53, 54, lease times, 1 before 3, then the 55 order, then the rest, 61 and 82 last', () => {
  const opts = new Map<number, Uint8Array>([
    [42, ipv4Bytes(ip('10.77.0.9'))],
    [15, new TextEncoder().encode('example.test')],
    [6, ipv4Bytes(ip('10.77.0.53'))],
    [3, ipv4Bytes(ip('10.77.0.1'))],
    [1, ipv4Bytes(ip('255.255.255.0'))],
  ]);
  const e = new DhcpEngine(config([subnet({ options: opts })]));
  const cid = Uint8Array.of(0xff, 1, 2, 3);
  const d = e.handle(
    req({ type: DISCOVER, hw: mac(1), clientId: cid, prl: [3, 15, 99, 1, 6], giaddr: '10.77.0.254', options: [[82, relay82]] }),
    ctx(T0),
  );
  const m = d.reply!;
  assert.deepEqual([...m.options.keys()], [53, 54, 51, 58, 59, 1, 3, 15, 6, 42, 61, 82]);
  assert.deepEqual(m.options.get(61), cid);
  assert.deepEqual(m.options.get(82), relay82);
  assert.equal(u32(m.options.get(54)), SERVER);
});

test('options: the subnet mask is derived from the prefix when not configured', () => {
  const e = new DhcpEngine(config([subnet({ prefixLength: 24 })]));
  const m = e.handle(req({ type: DISCOVER, hw: mac(1) }), ctx(T0)).reply!;
  assert.equal(u32(m.options.get(1)), ip('255.255.255.0'));
});

test('reply fields: op 2, xid/flags/giaddr/chaddr copied, hops/secs/siaddr zero', () => {
  const e = new DhcpEngine(config());
  const r = req({ type: DISCOVER, hw: mac(5), xid: 0xdeadbeef, giaddr: '10.77.0.254' });
  r.flags = 0x8000;
  r.hops = 2;
  r.secs = 9;
  const m = e.handle(r, ctx(T0)).reply!;
  assert.equal(m.op, 2);
  assert.equal(m.xid, 0xdeadbeef);
  assert.equal(m.flags, 0x8000);
  assert.equal(m.giaddr, ip('10.77.0.254'));
  assert.deepEqual(m.chaddr, r.chaddr);
  assert.equal(m.hlen, 6);
  assert.equal(m.hops, 0);
  assert.equal(m.secs, 0);
  assert.equal(m.siaddr, 0);
  assert.equal(m.ciaddr, 0);
  assert.equal(m.hasMagicCookie, true);
});

test('NAK carries only 53, 54, 56, 61 and 82, with yiaddr 0', () => {
  const e = new DhcpEngine(config());
  const cid = Uint8Array.of(1, 2, 0, 0, 0, 0, 9);
  const d = e.handle(
    req({ type: REQUEST, hw: mac(1), clientId: cid, requested: '192.168.1.1', giaddr: '10.77.0.254', options: [[82, relay82]] }),
    ctx(T0),
  );
  const m = d.reply!;
  assert.equal(m.options.get(53)![0], NAK);
  assert.deepEqual([...m.options.keys()], [53, 54, 56, 61, 82]);
  assert.equal(m.yiaddr, 0);
});

test('server-managed codes in the configuration are never sent as configured', () => {
  const e = new DhcpEngine(config([subnet({ options: new Map([[51, ipv4Bytes(1)], [54, ipv4Bytes(ip('1.2.3.4'))]]) })]));
  const m = e.handle(req({ type: DISCOVER, hw: mac(1) }), ctx(T0)).reply!;
  assert.equal(u32(m.options.get(51)), 3600);
  assert.equal(u32(m.options.get(54)), SERVER);
});

test('a reservation hostname is sent as option 12 and recorded on the lease', () => {
  const e = new DhcpEngine(config([subnet({ reservations: [{ hwAddress: mac(3), address: ip('10.77.0.30'), hostname: 'printer' }] })]));
  const d = e.handle(req({ type: DISCOVER, hw: mac(3) }), ctx(T0));
  assert.equal(new TextDecoder().decode(d.reply!.options.get(12)), 'printer');
  assert.equal(e.leases.get(ip('10.77.0.30'))!.hostname, 'printer');
});

test('option 118 (subnet selection) is echoed unchanged, before 82 (RFC 3011 §3)', () => {
  const e = new DhcpEngine(config([subnet()]));
  const sel = ipv4Bytes(ip('10.77.0.0'));
  const m = e.handle(
    req({ type: DISCOVER, hw: mac(7), giaddr: '10.99.0.1', options: [[118, sel], [82, relay82]] }),
    ctx(T0),
  ).reply!;
  assert.deepEqual(m.options.get(118), sel);
  assert.deepEqual([...m.options.keys()].slice(-2), [118, 82]);
});
