// Kea-named statistics over a real engine: names, values, the statistic-get-all shape, resets
// that leave the raw counters monotonic, and lease gauges that follow changes and reloads
// without scanning the table per read.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ServerMetrics } from '../../src/control/metrics.js';
import { ServerStatistics } from '../../src/control/statistics.js';
import { LeaseGauges } from '../../src/control/statistics-leases.js';
import { DhcpEngine } from '../../src/engine/engine.js';
import { Counters } from '../../src/runtime/counters.js';
import { config, ctx, DECLINE, dora, ip, mac, req, subnet } from '../engine/builder.js';

const T0 = 1_700_000_000;

function setup() {
  const engine = new DhcpEngine(
    config([
      subnet({ id: 1, exclusions: [ip('10.77.0.150')], reservations: [{ hwAddress: mac(77), address: ip('10.77.0.20') }] }),
      subnet({ id: 2, name: 'b', network: ip('10.78.0.0'), ranges: [{ start: ip('10.78.0.10'), end: ip('10.78.0.19') }] }),
    ]),
  );
  const counters = new Counters();
  let now = T0;
  const gauges = new LeaseGauges(engine.leases, () => engine.config, () => now);
  const stats = new ServerStatistics(counters, gauges, () => engine.config, () => now);
  return { engine, counters, gauges, stats, setNow: (t: number) => (now = t) };
}

test('statistics carry Kea names and values', () => {
  const { engine, counters, stats } = setup();
  for (let i = 1; i <= 3; i++) dora(engine, { hw: mac(i) }, T0);
  counters.received(1);
  counters.received(3);
  counters.sent(2);
  counters.add('drop-no-free-address');
  const v = stats.values();
  for (const name of [
    'pkt4-received', 'pkt4-discover-received', 'pkt4-offer-received', 'pkt4-request-received', 'pkt4-ack-received',
    'pkt4-nak-received', 'pkt4-release-received', 'pkt4-decline-received', 'pkt4-inform-received', 'pkt4-unknown-received',
    'pkt4-sent', 'pkt4-offer-sent', 'pkt4-ack-sent', 'pkt4-nak-sent', 'pkt4-parse-failed', 'pkt4-receive-drop',
    'assigned-addresses', 'declined-addresses', 'reclaimed-leases', 'reclaimed-declined-addresses', 'cumulative-assigned-addresses',
    'v4-allocation-fail', 'subnet[1].total-addresses', 'subnet[1].assigned-addresses', 'subnet[1].declined-addresses',
    'subnet[1].reclaimed-leases', 'subnet[1].reclaimed-declined-addresses', 'subnet[1].cumulative-assigned-addresses', 'subnet[2].total-addresses',
  ]) {
    assert.ok(v.has(name), `missing ${name}`);
  }
  assert.equal(v.get('pkt4-received')!.value, 2);
  assert.equal(v.get('pkt4-offer-sent')!.value, 1);
  assert.equal(v.get('v4-allocation-fail')!.value, 1);
  // 100 addresses less one exclusion, plus one reservation (outside the range).
  assert.equal(v.get('subnet[1].total-addresses')!.value, 100);
  assert.equal(v.get('subnet[2].total-addresses')!.value, 10);
  assert.equal(v.get('subnet[1].assigned-addresses')!.value, 3);
  assert.equal(v.get('assigned-addresses')!.value, 3);
  assert.equal(v.get('cumulative-assigned-addresses')!.value, 3);
});

test('statistic-get-all shape: [[value, "YYYY-MM-DD HH:MM:SS.ffffff"]]', () => {
  const { stats } = setup();
  const all = stats.snapshot();
  assert.ok(Array.isArray(all['pkt4-received']));
  const [[value, at]] = all['pkt4-received'] as [[number, string]];
  assert.equal(value, 0);
  assert.match(at, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
});

test('reset zeroes counters from a baseline; gauges follow the table; unknown names refused', () => {
  const { engine, counters, stats, setNow } = setup();
  dora(engine, { hw: mac(1) }, T0);
  counters.received(1);
  counters.received(1);
  setNow(T0 + 10);
  assert.equal(stats.reset('pkt4-received'), true);
  assert.equal(stats.get('pkt4-received')!.value, 0);
  assert.equal(stats.get('pkt4-received')!.at, T0 + 10);
  counters.received(1);
  assert.equal(stats.get('pkt4-received')!.value, 1);
  assert.equal(counters.get('pkt4-received'), 3, 'raw counter stays monotonic (Prometheus)');
  assert.equal(stats.reset('no-such-statistic'), false);
  assert.equal(stats.reset(), true);
  assert.equal(stats.get('subnet[1].assigned-addresses')!.value, 1, 'a gauge is not reset');
  assert.equal(stats.get('pkt4-discover-received')!.value, 0);
});

test('decline, probation reclaim and expiry are counted per subnet', () => {
  const { engine, stats, setNow } = setup();
  const a = dora(engine, { hw: mac(1) }, T0);
  const b = dora(engine, { hw: mac(2) }, T0);
  engine.handle(req({ type: DECLINE, hw: mac(1), requested: a, serverId: '10.77.0.1' }), ctx(T0 + 1));
  assert.equal(stats.get('subnet[1].declined-addresses')!.value, 1);
  assert.equal(stats.get('declined-addresses')!.value, 1);
  assert.equal(stats.get('subnet[1].assigned-addresses')!.value, 1);
  setNow(T0 + 100_000);
  engine.reclaimExpired(T0 + 100_000, 100);
  assert.equal(stats.get('subnet[1].declined-addresses')!.value, 0);
  assert.equal(stats.get('subnet[1].reclaimed-declined-addresses')!.value, 1);
  assert.equal(stats.get('subnet[1].reclaimed-leases')!.value, 2, `${b} expired and the declined address came back`);
  assert.equal(stats.get('subnet[1].assigned-addresses')!.value, 0);
});

test('a reload is picked up at the next read: new totals and per-range counts, no scan per read', () => {
  const { engine, stats } = setup();
  for (let i = 1; i <= 4; i++) dora(engine, { hw: mac(i) }, T0);
  engine.replaceConfig(config([subnet({ id: 1, ranges: [{ start: ip('10.77.0.100'), end: ip('10.77.0.101') }, { start: ip('10.77.0.200'), end: ip('10.77.0.209') }] })]));
  const u = stats.usage();
  assert.equal(u.length, 1);
  assert.equal(u[0]!.total, 12);
  assert.equal(u[0]!.assigned, 4, 'leases outside the new ranges still count for the subnet');
  assert.deepEqual(u[0]!.ranges.map((r) => [r.total, r.assigned]), [[2, 2], [10, 0]]);
  assert.equal(stats.get('subnet[1].total-addresses')!.value, 12);
  assert.equal(stats.get('subnet[2].total-addresses')?.value ?? 0, 0, 'subnet 2 is gone');
});

test('metrics text renders from the same sources', async () => {
  const { engine, counters, gauges, stats } = setup();
  dora(engine, { hw: mac(1) }, T0);
  const m = new ServerMetrics(counters, gauges, stats, { processMetrics: false });
  m.replyLatency(5, 0.002);
  m.storeObserver.synced(3);
  const text = await m.metricsText();
  assert.match(text, /^hydra_leases\{subnet="1",state="bound"\} 1$/m);
  assert.match(text, /^hydra_reply_latency_seconds_bucket\{type="ack",le="0.0025"\} 1$/m);
  assert.match(text, /^hydra_reply_latency_seconds_bucket\{type="ack",le="0.001"\} 0$/m);
  assert.match(text, /^hydra_store_sync_batch_records_sum 3$/m);
  assert.doesNotMatch(text, /^process_/m);
});
