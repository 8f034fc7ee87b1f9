import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DhcpEngine } from '../../src/engine/engine.js';
import { config, ctx, DISCOVER, dora, ip, mac, req, SERVER, subnet } from './builder.js';

const T0 = 1_700_000_000;

test('scale: 60,000 clients in a /16 each get a distinct address (no per-request range scan)', () => {
  const e = new DhcpEngine(
    config([subnet({ network: ip('10.80.0.0'), prefixLength: 16, ranges: [{ start: ip('10.80.0.1'), end: ip('10.80.255.254') }] })]),
  );
  const seen = new Set<number>();
  for (let i = 1; i <= 60_000; i++) {
    const d = e.handle(req({ type: DISCOVER, hw: mac(i), giaddr: '10.80.0.1' }), ctx(T0));
    assert.ok(d.reply, `client ${i}: ${d.reason}`);
    seen.add(d.reply.yiaddr);
  }
  assert.equal(seen.size, 60_000);
  assert.equal(e.leases.size, 60_000);
});

test('scale: a fragmented /16 (every other offer lapsed) still allocates every free address', () => {
  const e = new DhcpEngine(
    config([subnet({ network: ip('10.81.0.0'), prefixLength: 16, ranges: [{ start: ip('10.81.0.1'), end: ip('10.81.255.254') }] })]),
  );
  const n = 65_534;
  const addrs: number[] = [];
  for (let i = 1; i <= n; i++) {
    const d = e.handle(req({ type: DISCOVER, hw: mac(i) }), ctx(T0, '10.81.0.1'));
    addrs.push(d.reply!.yiaddr);
  }
  assert.equal(e.handle(req({ type: DISCOVER, hw: mac(n + 1) }), ctx(T0, '10.81.0.1')).reason, 'drop-no-free-address');
  // Even clients bind; odd clients never come back, so their offers lapse and the reclaimer
  // clears every other bit of the bitmap.
  for (let i = 0; i < n; i += 2) {
    const d = e.handle(req({ type: 3, hw: mac(i + 1), requested: addrs[i]!, serverId: SERVER }), ctx(T0 + 1, '10.81.0.1'));
    assert.equal(d.reason, 'ack');
  }
  assert.equal(e.reclaimExpired(T0 + 31, n).length, n / 2);
  const got = new Set<number>();
  for (let i = 0; i < n / 2; i++) {
    const d = e.handle(req({ type: DISCOVER, hw: mac(1_000_000 + i) }), ctx(T0 + 2, '10.81.0.1'));
    assert.ok(d.reply, d.reason);
    got.add(d.reply.yiaddr);
  }
  assert.equal(got.size, n / 2);
});

test('scale: a /8 range costs nothing until used and serves its first clients at once', () => {
  const e = new DhcpEngine(
    config([subnet({ network: ip('10.0.0.0'), prefixLength: 8, ranges: [{ start: ip('10.0.0.1'), end: ip('10.255.255.254') }] })]),
  );
  const a = dora(e, { hw: mac(1), giaddr: '10.0.0.1' }, T0);
  const b = dora(e, { hw: mac(2), giaddr: '10.0.0.1' }, T0);
  assert.notEqual(a, b);
  assert.ok(a >= ip('10.0.0.1') && b <= ip('10.255.255.254'));
});
