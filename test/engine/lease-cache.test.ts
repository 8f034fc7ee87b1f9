import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DhcpEngine } from '../../src/engine/engine.js';
import { ACK, config, ctx, dora, mac, msgType, REQUEST, req, subnet, u32 } from './builder.js';

const T0 = 1_700_000_000;
const cached = () => new DhcpEngine(config([subnet()], { leaseCachePercent: 25 }));

test('lease cache: an early renewal reuses the lease, tells the remaining time, and changes nothing', () => {
  const e = cached();
  const a = dora(e, { hw: mac(1) }, T0);
  const stored = e.leases.get(a)!;
  const d = e.handle(req({ type: REQUEST, hw: mac(1), ciaddr: a }), ctx(T0 + 600));
  assert.equal(msgType(d.reply), ACK);
  assert.deepEqual(d.changes, [], 'nothing to write');
  assert.equal(e.leases.get(a), stored, 'the record is untouched');
  const told = u32(d.reply!.options.get(51))!;
  assert.equal(told, 3000, 'the 3000 s that remain of 3600');
  assert.ok(T0 + 600 + told <= stored.expiresAt, 'the stored expiry covers what the client was told');
  assert.equal(u32(d.reply!.options.get(58)), 1500);
  assert.equal(u32(d.reply!.options.get(59)), 2625);
});

test('lease cache: a renewal past the threshold is written with a full lease', () => {
  const e = cached();
  const a = dora(e, { hw: mac(2) }, T0);
  const d = e.handle(req({ type: REQUEST, hw: mac(2), ciaddr: a }), ctx(T0 + 900));
  assert.equal(msgType(d.reply), ACK);
  assert.equal(u32(d.reply!.options.get(51)), 3600);
  assert.equal(d.changes.length, 1);
  assert.equal(e.leases.get(a)!.expiresAt, T0 + 900 + 3600);
});

test('lease cache: disabled with 0, every renewal is written', () => {
  const e = new DhcpEngine(config([subnet()], { leaseCachePercent: 0 }));
  const a = dora(e, { hw: mac(3) }, T0);
  const d = e.handle(req({ type: REQUEST, hw: mac(3), ciaddr: a }), ctx(T0 + 10));
  assert.equal(u32(d.reply!.options.get(51)), 3600);
  assert.equal(d.changes.length, 1);
});
