import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exchangeLossPct, parsePerfdhcp, perfdhcpArgs } from '../../bench/perf/perfdhcp.js';
import { percentile } from '../../bench/perf/stats.js';

// Shape of perfdhcp 2.2 output with -x t, trimmed to a few packets.
const SAMPLE = `Running: perfdhcp -4 -g single -l 10.85.0.2 -r 100 -R 5000 -p 2 -x t 10.85.0.1
Scenario: basic.
WARNING: Currently system can run more than 1 thread in parallel.
***Rate statistics***
Rate: 99.4967 4-way exchanges/second, expected rate: 100

***Malformed Packets***
Malformed packets: 0
***Statistics for: DISCOVER-OFFER***
sent packets: 200
received packets: 190
drops: 10
drops ratio: 5 %
orphans: 0

min delay: 0.335 ms
avg delay: 0.594 ms
collected packets: 0

***Statistics for: REQUEST-ACK***
sent packets: 190
received packets: 171
drops: 19
drops ratio: 10.000 %
orphans: 0

min delay: 0.564 ms
collected packets: 0

***Timestamps for packets: DISCOVER-OFFER***
sent / received: 000000.010000 / 000000.010500
sent / received: 000000.020000 / 000000.021000
***Timestamps for packets: REQUEST-ACK***
sent / received: 000000.011000 / 000000.013000
sent / received: 000000.021000 / 000000.025000
sent / received: 000000.031000 / 000000.031250

`;

test('parsePerfdhcp reads both exchanges, the rate and per-packet delays', () => {
  const r = parsePerfdhcp(SAMPLE);
  assert.equal(r.offeredRate, 99.4967);
  assert.deepEqual([r.discoverOffer.sent, r.discoverOffer.received, r.discoverOffer.drops], [200, 190, 10]);
  assert.deepEqual([r.requestAck.sent, r.requestAck.received, r.requestAck.drops], [190, 171, 19]);
  assert.deepEqual(r.discoverOffer.delaysMs.map((d) => Math.round(d * 1000) / 1000), [0.5, 1]);
  assert.deepEqual(r.requestAck.delaysMs.map((d) => Math.round(d * 1000) / 1000), [2, 4, 0.25]);
  assert.deepEqual(r.requestAck.sentAtS, [0.011, 0.021, 0.031]);
});

test('parsePerfdhcp without -x t has no delays, and rejects output without counters', () => {
  const r = parsePerfdhcp(SAMPLE.slice(0, SAMPLE.indexOf('***Timestamps')));
  assert.equal(r.discoverOffer.delaysMs.length, 0);
  assert.throws(() => parsePerfdhcp('Error running perfdhcp: no such interface\n'), /no DISCOVER-OFFER counters/);
  assert.throws(() => parsePerfdhcp(SAMPLE.replace(/\*\*\*Statistics for: REQUEST-ACK\*\*\*[^]*$/, '')), /no REQUEST-ACK counters/);
});

test('an exchange is lost when its OFFER or its ACK is missing', () => {
  // 190/200 offers, 171/190 acks: 0.95 × 0.9 = 85.5 % complete.
  assert.ok(Math.abs(exchangeLossPct(parsePerfdhcp(SAMPLE)) - 14.5) < 1e-9);
  const none = parsePerfdhcp(SAMPLE.replace('received packets: 190', 'received packets: 0').replace('sent packets: 190', 'sent packets: 0'));
  assert.equal(exchangeLossPct(none), 100);
});

test('perfdhcpArgs: relay from the client address, -g single, bounded period, -x t only when asked', () => {
  const base = { ns: 'hyb-c-1', localAddress: '10.85.0.2', server: '10.85.0.1', rate: 1000, clients: 50000, seconds: 5, timestamps: false };
  const a = perfdhcpArgs(base);
  assert.deepEqual(a.slice(0, 5), ['netns', 'exec', 'hyb-c-1', 'env', 'perfdhcp']);
  const s = a.join(' ');
  for (const part of ['-4', '-g single', '-l 10.85.0.2', '-r 1000', '-R 50000', '-p 5']) assert.ok(s.includes(part), part);
  assert.equal(a.at(-1), '10.85.0.1');
  assert.ok(!a.includes('-x'));
  const b = perfdhcpArgs({ ...base, timestamps: true, preload: '/tmp/x/shim.so' });
  assert.ok(b.join(' ').includes('-x t'));
  assert.equal(b[4], 'LD_PRELOAD=/tmp/x/shim.so');
});

test('percentile uses nearest rank', () => {
  const v = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1
  assert.equal(percentile(v, 0.5), 50);
  assert.equal(percentile(v, 0.99), 99);
  assert.equal(percentile(v, 1), 100);
  assert.equal(percentile([7], 0.99), 7);
  assert.ok(Number.isNaN(percentile([], 0.5)));
});
