import { test } from 'node:test';
import assert from 'node:assert/strict';
import { grantLeaseTime, INFINITE, leaseTimers } from '../../src/engine/lease-time.js';
import { DhcpEngine } from '../../src/engine/engine.js';
import { config, ctx, DISCOVER, mac, req, subnet, u32 } from './builder.js';

const times = { default: 3600, min: 600, max: 7200 };

test('lease time: option 51 clamped to [min, max], default when absent', () => {
  assert.equal(grantLeaseTime(times, null), 3600);
  assert.equal(grantLeaseTime(times, 60), 600);
  assert.equal(grantLeaseTime(times, 100000), 7200);
  assert.equal(grantLeaseTime(times, 1000), 1000);
});

test('T1/T2: 50 % and 87.5 % when not configured', () => {
  assert.deepEqual(leaseTimers(times, 3600), { lease: 3600, renewal: 1800, rebinding: 3150 });
});

test('T1/T2: configured values are used while they fit; scaled for a shorter lease', () => {
  const cfg = { ...times, renewal: 1200, rebinding: 2400 };
  assert.deepEqual(leaseTimers(cfg, 3600), { lease: 3600, renewal: 1200, rebinding: 2400 });
  // Lease 1000 s is shorter than T2: both keep their ratio to the default lease (1/3, 2/3).
  assert.deepEqual(leaseTimers(cfg, 1000), { lease: 1000, renewal: 333, rebinding: 666 });
  // A misordered configuration falls back to the RFC proportions.
  assert.deepEqual(leaseTimers({ ...times, renewal: 3000, rebinding: 2000 }, 3600), { lease: 3600, renewal: 1800, rebinding: 3150 });
});

test('T1/T2: an infinite lease has infinite timers', () => {
  assert.deepEqual(leaseTimers(times, INFINITE), { lease: INFINITE, renewal: INFINITE, rebinding: INFINITE });
});

test('OFFER carries the clamped lease time and its timers', () => {
  const e = new DhcpEngine(config([subnet({ leaseTimes: { ...times, renewal: 1000, rebinding: 3000 } })]));
  const m = e.handle(req({ type: DISCOVER, hw: mac(1), leaseTime: 999999 }), ctx(0)).reply!;
  assert.equal(u32(m.options.get(51)), 7200);
  assert.equal(u32(m.options.get(58)), 1000);
  assert.equal(u32(m.options.get(59)), 3000);
});
