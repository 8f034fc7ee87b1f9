import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DhcpEngine } from '../../src/engine/engine.js';
import { ipv4Bytes } from '../../src/protocol/ipv4.js';
import { config, ctx, DISCOVER, INFORM, ip, mac, req, subnet } from './builder.js';

const T0 = 1_700_000_000;
const three = () =>
  config([
    subnet(),
    subnet({ id: 2, name: 'b', network: ip('10.78.0.0'), ranges: [{ start: ip('10.78.0.10'), end: ip('10.78.0.20') }] }),
    subnet({ id: 3, name: 'c', network: ip('10.79.0.0'), prefixLength: 16, ranges: [{ start: ip('10.79.1.0'), end: ip('10.79.1.20') }] }),
  ]);
const linkSel = (a: string) => Uint8Array.of(5, 4, ...ipv4Bytes(ip(a)));

test('subnet selection: the receiving interface for direct clients', () => {
  const e = new DhcpEngine(three());
  const d = e.handle(req({ type: DISCOVER, hw: mac(1) }), ctx(T0, '10.78.0.1'));
  assert.equal(d.subnetId, 2);
  assert.ok(d.reply!.yiaddr >= ip('10.78.0.10') && d.reply!.yiaddr <= ip('10.78.0.20'));
});

test('subnet selection: giaddr beats the receiving interface', () => {
  const e = new DhcpEngine(three());
  const d = e.handle(req({ type: DISCOVER, hw: mac(1), giaddr: '10.79.200.1' }), ctx(T0, '10.77.0.1'));
  assert.equal(d.subnetId, 3);
});

test('subnet selection: option 118 beats giaddr', () => {
  const e = new DhcpEngine(three());
  const d = e.handle(req({ type: DISCOVER, hw: mac(1), giaddr: '10.77.0.254', options: [[118, ipv4Bytes(ip('10.78.0.0'))]] }), ctx(T0));
  assert.equal(d.subnetId, 2);
});

test('subnet selection: relay link selection (82.5) beats 118 and giaddr, but only on relayed packets', () => {
  const e = new DhcpEngine(three());
  const relayed = e.handle(
    req({ type: DISCOVER, hw: mac(1), giaddr: '10.77.0.254', options: [[118, ipv4Bytes(ip('10.78.0.0'))], [82, linkSel('10.79.3.3')]] }),
    ctx(T0),
  );
  assert.equal(relayed.subnetId, 3);
  const direct = e.handle(req({ type: DISCOVER, hw: mac(2), options: [[82, linkSel('10.79.3.3')]] }), ctx(T0, '10.77.0.1'));
  assert.equal(direct.subnetId, 1);
});

test('subnet selection: ciaddr for a client that has an address', () => {
  const e = new DhcpEngine(three());
  const d = e.handle(req({ type: INFORM, hw: mac(1), ciaddr: '10.79.9.9' }), ctx(T0, '10.77.0.1'));
  assert.equal(d.subnetId, 3);
});

test('subnet selection: nothing matches → silent', () => {
  const e = new DhcpEngine(three());
  const relayed = e.handle(req({ type: DISCOVER, hw: mac(1), giaddr: '192.168.9.1' }), ctx(T0));
  assert.equal(relayed.reason, 'drop-no-subnet');
  assert.equal(relayed.reply, null);
  const noIface = e.handle(req({ type: DISCOVER, hw: mac(1) }), ctx(T0, null));
  assert.equal(noIface.reason, 'drop-no-subnet');
});

test('subnet selection: the longest prefix wins when networks nest', () => {
  const e = new DhcpEngine(
    config([
      subnet({ id: 1, network: ip('10.80.0.0'), prefixLength: 16, ranges: [{ start: ip('10.80.9.1'), end: ip('10.80.9.9') }] }),
      subnet({ id: 2, network: ip('10.80.1.0'), prefixLength: 24, ranges: [{ start: ip('10.80.1.10'), end: ip('10.80.1.20') }] }),
    ]),
  );
  assert.equal(e.handle(req({ type: DISCOVER, hw: mac(1), giaddr: '10.80.1.1' }), ctx(T0)).subnetId, 2);
  assert.equal(e.handle(req({ type: DISCOVER, hw: mac(1), giaddr: '10.80.2.1' }), ctx(T0)).subnetId, 1);
});
