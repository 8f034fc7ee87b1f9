import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DhcpEngine, LeaseTable, type Lease } from '../../src/engine/engine.js';
import { config, ctx, DISCOVER, dora, ip, mac, REQUEST, req, subnet } from './builder.js';

const T0 = 1_700_000_000;

test('reclaim: bound leases past expiry become expired, offers past their hold are dropped', () => {
  const e = new DhcpEngine(config());
  const a = dora(e, { hw: mac(1) }, T0); // expires T0 + 3600
  const o = e.handle(req({ type: DISCOVER, hw: mac(2) }), ctx(T0)).reply!.yiaddr; // hold until T0 + 30
  assert.deepEqual(e.reclaimExpired(T0 + 29, 100), []);
  assert.deepEqual(e.reclaimExpired(T0 + 31, 100), [{ kind: 'delete', address: o }]);
  assert.equal(e.leases.get(o), undefined);
  const changes = e.reclaimExpired(T0 + 3601, 100);
  assert.equal(changes.length, 1);
  assert.equal(changes[0]!.kind, 'upsert');
  assert.equal(e.leases.get(a)!.state, 'expired');
  // Nothing left to do.
  assert.deepEqual(e.reclaimExpired(T0 + 10_000, 100), []);
});

test('reclaim: a renewed lease is not reclaimed at its old expiry', () => {
  const e = new DhcpEngine(config());
  const a = dora(e, { hw: mac(1) }, T0);
  e.handle(req({ type: REQUEST, hw: mac(1), ciaddr: a }), ctx(T0 + 1800));
  assert.deepEqual(e.reclaimExpired(T0 + 3601, 100), []);
  assert.equal(e.leases.get(a)!.state, 'bound');
  assert.equal(e.reclaimExpired(T0 + 5401, 100).length, 1);
});

test('reclaim: at most `limit` changes per call, earliest first', () => {
  const e = new DhcpEngine(config());
  const addrs: number[] = [];
  for (let i = 1; i <= 10; i++) addrs.push(dora(e, { hw: mac(i) }, T0 + i));
  const first = e.reclaimExpired(T0 + 10_000, 4);
  assert.equal(first.length, 4);
  assert.deepEqual(
    first.map((c) => (c.kind === 'upsert' ? c.lease.address : c.address)),
    addrs.slice(0, 4),
  );
  assert.equal(e.reclaimExpired(T0 + 10_000, 100).length, 6);
});

test('expiry: a returning client gets its old address back when still free', () => {
  const e = new DhcpEngine(config());
  const a = dora(e, { hw: mac(1) }, T0);
  e.reclaimExpired(T0 + 4000, 100);
  dora(e, { hw: mac(2) }, T0 + 5000);
  assert.equal(e.handle(req({ type: DISCOVER, hw: mac(1) }), ctx(T0 + 6000)).reply!.yiaddr, a);
});

test('expiry: an expired binding is lazily free for others when the subnet is full', () => {
  const e = new DhcpEngine(config([subnet({ ranges: [{ start: ip('10.77.0.100'), end: ip('10.77.0.100') }] })]));
  const a = dora(e, { hw: mac(1) }, T0);
  assert.equal(e.handle(req({ type: DISCOVER, hw: mac(2) }), ctx(T0 + 3599)).reason, 'drop-no-free-address');
  const d = e.handle(req({ type: DISCOVER, hw: mac(2) }), ctx(T0 + 3601));
  assert.equal(d.reply!.yiaddr, a);
  // The reclaim it did is reported so a store can persist it.
  assert.ok(d.changes.some((c) => c.kind === 'upsert' && c.lease.state === 'expired'));
});

test('a lease table loaded from a store is honoured by allocation', () => {
  const lease: Lease = {
    address: ip('10.77.0.100'),
    subnetId: 1,
    clientKey: 'hw:1:020000000009',
    hwType: 1,
    hwAddress: mac(9),
    clientId: null,
    hostname: null,
    state: 'bound',
    issuedAt: T0,
    expiresAt: T0 + 3600,
  };
  const e = new DhcpEngine(config([subnet({ ranges: [{ start: ip('10.77.0.100'), end: ip('10.77.0.101') }] })]), new LeaseTable([lease]));
  assert.equal(e.handle(req({ type: DISCOVER, hw: mac(1) }), ctx(T0 + 1)).reply!.yiaddr, ip('10.77.0.101'));
  assert.equal(e.handle(req({ type: DISCOVER, hw: mac(9) }), ctx(T0 + 1)).reply!.yiaddr, ip('10.77.0.100'));
});

test('replaceConfig: a new reservation is honoured and existing leases are kept', () => {
  const e = new DhcpEngine(config());
  const a = dora(e, { hw: mac(1) }, T0);
  e.replaceConfig(config([subnet({ reservations: [{ hwAddress: mac(2), address: ip('10.77.0.150') }] })]));
  assert.equal(e.leases.get(a)!.state, 'bound');
  assert.equal(e.handle(req({ type: DISCOVER, hw: mac(2) }), ctx(T0)).reply!.yiaddr, ip('10.77.0.150'));
  assert.notEqual(e.handle(req({ type: DISCOVER, hw: mac(3), requested: '10.77.0.150' }), ctx(T0)).reply!.yiaddr, ip('10.77.0.150'));
});
