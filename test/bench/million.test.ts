// Phase million's pure parts: its options and --node-arg, the segment verdict and table, the
// exact count of distinct bound clients from Hydra's CSV export and Kea's memfile log.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countLines, hydraCsvCounter, keaMemfileCounter, splitCsvLine } from '../../bench/perf/lease-count.js';
import { segmentMacBase } from '../../bench/perf/million.js';
import { formatMillion, type MillionSegment, millionVerdict } from '../../bench/perf/million-report.js';
import { parseOptions, UsageError } from '../../bench/perf/options.js';

test('million options: defaults, flags, and million only in a full run', () => {
  const full = parseOptions([]);
  assert.ok(full.phases.includes('million'));
  assert.deepEqual(
    [full.millionClients, full.millionRate, full.millionSegmentSeconds, full.millionMaxSegments, full.millionServers, full.nodeArgs],
    [1_000_000, 20_000, 10, 8, ['hydra'], []],
  );
  assert.ok(!parseOptions(['--smoke']).phases.includes('million'));
  const o = parseOptions([
    '--phases', 'million', '--million-clients', '100000', '--million-rate=15000', '--million-segment-seconds', '5',
    '--million-max-segments', '12', '--million-servers', 'hydra,kea-st', '--node-arg=--cpu-prof', '--node-arg', '--cpu-prof-dir=/tmp/p',
  ]);
  assert.deepEqual(o.phases, ['million']);
  assert.deepEqual([o.millionClients, o.millionRate, o.millionSegmentSeconds, o.millionMaxSegments], [100_000, 15_000, 5, 12]);
  assert.deepEqual(o.millionServers, ['hydra', 'kea-st']);
  assert.deepEqual(o.nodeArgs, ['--cpu-prof', '--cpu-prof-dir=/tmp/p']);
  assert.throws(() => parseOptions(['--million-servers', 'dnsmasq']), UsageError);
  assert.throws(() => parseOptions(['--million-rate', '0']), UsageError);
  assert.throws(() => parseOptions(['--million-max-segments', '1000']), /at most 200/);
  assert.throws(() => parseOptions(['--node-arg']), /needs a value/);
});

test('each segment has its own MAC base, so segments never share a client', () => {
  const bases = Array.from({ length: 200 }, (_, i) => segmentMacBase(i + 1));
  assert.equal(new Set(bases).size, 200);
  assert.equal(segmentMacBase(1), '02:01:00:00:00:00');
  assert.equal(segmentMacBase(200), '02:c8:00:00:00:00');
  assert.throws(() => segmentMacBase(0));
  assert.throws(() => segmentMacBase(201));
});

function seg(k: number, perSec: number, lossPct: number, cumulative: number): MillionSegment {
  return {
    segment: k, macBase: segmentMacBase(k), offeredRate: 20_000, discoverSent: 200_000, acksReceived: perSec * 10, cumulativeAcks: cumulative,
    completedPerSec: perSec, lossPct, cpuPerExchangeUs: 40 + k, rssMiB: 150 + 100 * k, foreignCores: 0.01, command: 'perfdhcp',
  };
}

test('verdict: rate held when the last segment keeps ≥ 95 % of the first and its loss is within the limit', () => {
  const l = { lossLimitPct: 2.5, targetClients: 1_000_000 };
  const held = millionVerdict([seg(1, 20_000, 0, 200_000), seg(2, 19_000, 2.5, 390_000)], 1_000_000, l)!;
  assert.equal(held.rateHeld, true);
  assert.equal(held.lastOverFirst, 0.95);
  assert.equal(held.reachedTarget, true);
  assert.equal(held.acks, 390_000);
  const slower = millionVerdict([seg(1, 20_000, 0, 200_000), seg(2, 18_999, 0, 390_000)], 999_999, l)!;
  assert.equal(slower.rateHeld, false);
  assert.equal(slower.reachedTarget, false);
  assert.equal(millionVerdict([seg(1, 20_000, 0, 200_000), seg(2, 20_000, 2.51, 400_000)], 1_000_000, l)!.rateHeld, false);
  // One segment is nothing to compare; no segments is no verdict; an unread store is not "reached".
  assert.equal(millionVerdict([seg(1, 20_000, 0, 200_000)], 200_000, l)!.rateHeld, false);
  assert.equal(millionVerdict([], undefined, l), undefined);
  assert.equal(millionVerdict([seg(1, 20_000, 0, 1_000_000), seg(2, 20_000, 0, 1_200_000)], undefined, l)!.reachedTarget, false);
});

test('the table has one row per segment and the verdict line', () => {
  const segments = [seg(1, 20_000, 0, 200_000), seg(2, 12_000, 0.1, 320_000)];
  const text = formatMillion({
    run: 1, server: 'hydra', readyMs: 480, rate: 20_000, segmentSeconds: 10, segments,
    verdict: millionVerdict(segments, 319_990, { lossLimitPct: 2.5, targetClients: 300_000 })!,
  });
  assert.match(text, /\| +1 \| +200,000 \| +20,000 \| +0\.00 \| +41\.0 \| +250 \|/);
  assert.match(text, /\| +2 \| +320,000 \| +12,000 \| +0\.10 \| +42\.0 \| +350 \|/);
  assert.match(text, /hydra: 319,990 distinct bound clients after 320,000 ACKs in 2 segments; first 20,000\/s, last 12,000\/s \(60\.0 %\).*rate NOT held/);
});

test('CSV lines: quoted fields keep their commas and doubled quotes', () => {
  assert.deepEqual(splitCsvLine('a,,b'), ['a', '', 'b']);
  assert.deepEqual(splitCsvLine('10.0.0.1,"host, ""x""",bound'), ['10.0.0.1', 'host, "x"', 'bound']);
});

test("Hydra's export: distinct clients among bound leases only", () => {
  const csv = [
    'address,hw_type,hw_address,client_id,hostname,state,subnet_id,issued_at,expires_at',
    '10.0.0.1,1,02:01:00:00:00:00,,,bound,1,1,3601',
    '10.0.0.2,1,02:01:00:00:00:01,,"a,b",bound,1,1,3601',
    // The same client holding a second bound address counts once.
    '10.0.0.3,1,02:01:00:00:00:01,,,bound,1,1,3601',
    '10.0.0.4,1,02:01:00:00:00:02,,,released,1,1,3601',
    '10.0.0.5,1,02:01:00:00:00:03,,,expired,1,1,3601',
    '',
  ].join('\n');
  assert.deepEqual(countLines(hydraCsvCounter(), csv), { distinctClients: 2, boundLeases: 3, records: 5 });
  assert.throws(() => countLines(hydraCsvCounter(), 'address,state\n10.0.0.1,bound\n'), /lacks hw_address/);
});

test("Kea's memfile: the last row per address wins, valid_lifetime 0 removes, state 0 is bound", () => {
  const csv = [
    'address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context',
    '10.0.0.1,02:01:00:00:00:00,,3600,1795565122,1,0,0,,0,',
    '10.0.0.2,02:01:00:00:00:01,,3600,1795565122,1,0,0,,0,',
    '10.0.0.3,02:01:00:00:00:02,,3600,1795565122,1,0,0,,0,',
    // 10.0.0.1 renewed (a second row, still one lease), 10.0.0.2 removed, 10.0.0.3 reclaimed.
    '10.0.0.1,02:01:00:00:00:00,,3600,1795565200,1,0,0,,0,',
    '10.0.0.2,02:01:00:00:00:01,,0,0,1,0,0,,0,',
    '10.0.0.3,02:01:00:00:00:02,,3600,1795565122,1,0,0,,2,',
    '10.0.0.4,02:01:00:00:00:00,,3600,1795565122,1,0,0,,0,',
  ].join('\n');
  assert.deepEqual(countLines(keaMemfileCounter(), csv), { distinctClients: 1, boundLeases: 2, records: 3 });
});
