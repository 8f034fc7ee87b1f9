// The pure parts of the benchmark's database trials: endpoints, configurations, perfdhcp
// arguments and merging, options, and the summary/ratio arithmetic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load-config.js';
import { parseIpv4 } from '../../src/protocol/ipv4.js';
import { endpoint } from '../../bench/perf/lab.js';
import { parseOptions, UsageError } from '../../bench/perf/options.js';
import { exchangeLossPct, mergeReports, perfdhcpArgs, type PerfdhcpReport } from '../../bench/perf/perfdhcp.js';
import { formatPgSummary, PG_PHASES, pgRatios, summarize, type TrialRecord } from '../../bench/perf/report.js';
import { hydraConfig, keaConfig, POOLS } from '../../bench/perf/servers.js';
import type { TrialResult } from '../../bench/perf/trial.js';

const ip = (s: string): number => parseIpv4(s) as number;

test('endpoints: distinct server and relay addresses in 10.85.0.0/24, none inside the database pool', () => {
  const all = Array.from({ length: 10 }, (_, k) => endpoint(k));
  const addrs = all.flatMap((e) => [e.server, e.relay]);
  assert.equal(new Set(addrs).size, addrs.length);
  assert.deepEqual(all[0], { server: '10.85.0.1', relay: '10.85.0.2' });
  const [[lo, hi]] = POOLS['/16b'].ranges as [[string, string]];
  for (const a of addrs) {
    assert.equal(ip(a) >>> 8, ip('10.85.0.0') >>> 8, `${a} in 10.85.0.0/24`);
    assert.ok(ip(a) < ip(lo) || ip(a) > ip(hi), `${a} outside the pool`);
  }
  assert.throws(() => endpoint(10));
});

test('the Hydra database config loads: store postgres with url, server name and claim seconds', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hydra-bench-pgcfg-'));
  try {
    const file = join(dir, 'h.yaml');
    const url = 'postgresql://postgres@localhost/hydra_t1?host=%2Ftmp%2Fhydra-pg-x&port=30000';
    await writeFile(file, hydraConfig(POOLS['/16b'], { url, serverName: 'bench-2', claimSeconds: 6 }));
    const config = loadConfig({ configFile: file });
    assert.deepEqual(config.store, { kind: 'postgres', url, serverName: 'bench-2', blockSize: 256, claimSeconds: 6 });
    assert.equal(config.leaseCachePercent, 0, 'a shared database confirms every renewal');
    assert.deepEqual(config.subnets[0]!.ranges, [{ start: ip('10.85.1.0'), end: ip('10.85.255.254') }]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the Kea config with PostgreSQL: lease-database postgresql on the socket directory and port', () => {
  const k = keaConfig(POOLS['/16b'], { iface: 'hybs1', leaseFile: '/unused', postgres: { host: '/tmp/hydra-pg-x', port: 30000, name: 'kea_t2', user: 'postgres' }, multiThreaded: false }) as { Dhcp4: Record<string, any> };
  assert.deepEqual(k.Dhcp4['lease-database'], { type: 'postgresql', name: 'kea_t2', host: '/tmp/hydra-pg-x', port: 30000, user: 'postgres' });
  assert.deepEqual(k.Dhcp4.subnet4[0].pools, [{ pool: '10.85.1.0 - 10.85.255.254' }]);
  assert.ok(!('cache-threshold' in k.Dhcp4), 'no lease caching on the database, as for Hydra');
});

test('perfdhcp: -b mac= base only when asked; merged reports sum counters and pool delays', () => {
  const base = { ns: 'n', localAddress: '10.85.0.21', server: '10.85.0.11', rate: 100, clients: 10, seconds: 1, timestamps: false };
  assert.ok(!perfdhcpArgs(base).includes('-b'));
  const args = perfdhcpArgs({ ...base, macBase: '00:0c:11:00:00:00' });
  assert.deepEqual(args.slice(args.indexOf('-b'), args.indexOf('-b') + 2), ['-b', 'mac=00:0c:11:00:00:00']);
  assert.equal(args.at(-1), '10.85.0.11');
  const r = (sent: number, recv: number, d: number[]): PerfdhcpReport => ({
    offeredRate: 50,
    discoverOffer: { sent, received: sent, drops: 0, delaysMs: d, sentAtS: d.map(() => 0) },
    requestAck: { sent, received: recv, drops: sent - recv, delaysMs: [], sentAtS: [] },
  });
  const m = mergeReports([r(100, 100, [1]), r(100, 50, [2, 3])]);
  assert.equal(m.offeredRate, 100);
  assert.deepEqual([m.requestAck.sent, m.requestAck.received, m.requestAck.drops], [200, 150, 50]);
  assert.deepEqual(m.discoverOffer.delaysMs, [1, 2, 3]);
  assert.equal(exchangeLossPct(m), 25);
});

test('options: pg phases by default, --phases pg is both pg phases, --pg-servers/--pg-kea lists and none', () => {
  const d = parseOptions([]);
  assert.deepEqual(d.phases, ['search', 'fixed', 'pool8', 'pg-search', 'pg-fixed', 'million']);
  assert.equal(d.phasesGiven, false);
  assert.deepEqual([d.pgServers, d.pgKea, d.pgLow, d.pgFixedRate], [[1, 3], ['st', 'mt'], 250, 1000]);
  const s = parseOptions(['--smoke']);
  assert.deepEqual([s.phases, s.pgServers, s.pgKea, s.pgFixedRate], [['fixed', 'pool8', 'pg-fixed'], [1], ['st'], 200]);
  const p = parseOptions(['--phases', 'pg', '--pg-servers', '1,3', '--pg-kea', 'none']);
  assert.deepEqual([p.phases, p.phasesGiven, p.pgServers, p.pgKea], [['pg-search', 'pg-fixed'], true, [1, 3], []]);
  assert.deepEqual(parseOptions(['--pg-servers=none']).pgServers, []);
  assert.throws(() => parseOptions(['--pg-servers', '0']), UsageError);
  assert.throws(() => parseOptions(['--pg-low', '5000', '--pg-high', '4000']), UsageError);
});

function result(over: Partial<TrialResult>): TrialResult {
  const rate = over.rate ?? 1000;
  return {
    discoverSent: rate * 5,
    pool: '/16b', rate: 1000, clients: 50000, seconds: 5, timestamps: false, server: 'x', serverCount: 1, readyMs: 1, rssReadyMiB: 1, peakRssMiB: 10,
    offeredRate: 1000, offersReceived: 5000, requestSent: 5000, acksReceived: 5000, lossPct: 0, completedPerSec: 1000,
    cpuPerExchangeUs: 100, foreignCores: 0, command: 'perfdhcp', ...over,
  };
}

test('pg summary: sustained from pg-search, CPU from pg-fixed, worst lease check, Hydra ÷ Kea ratios', () => {
  const records: TrialRecord[] = [
    { run: 1, phase: 'pg-search', server: 'hydra-pg×1', passed: true, result: result({ rate: 6000, completedPerSec: 5900 }) },
    { run: 1, phase: 'pg-search', server: 'hydra-pg×1', passed: false, result: result({ rate: 9000, completedPerSec: 7000, lossPct: 9 }) },
    { run: 1, phase: 'pg-search', server: 'kea-pg-st', passed: true, result: result({ rate: 1000, completedPerSec: 1000 }) },
    { run: 1, phase: 'pg-fixed', server: 'hydra-pg×1', result: result({ cpuPerExchangeUs: 50, dbCpuPerExchangeUs: 50, leaseCheck: { rowsByState: {}, addressesWithTwoClients: 0, clientsWithTwoLeases: 2 } }) },
    { run: 1, phase: 'pg-fixed', server: 'kea-pg-st', result: result({ cpuPerExchangeUs: 200, dbCpuPerExchangeUs: 300 }) },
    // A memfile trial of the same name must not leak into the database summary.
    { run: 1, phase: 'search', server: 'kea-pg-st', passed: true, result: result({ rate: 20000, completedPerSec: 20000 }) },
  ];
  const [h, k] = summarize(records, ['hydra-pg×1', 'kea-pg-st'], PG_PHASES);
  assert.deepEqual([h!.sustainedPerSec, h!.dbCpuPerExchangeUs, h!.clientsWithTwoLeases, h!.addressesWithTwoClients], [5900, 50, 2, 0]);
  assert.equal(k!.sustainedPerSec, 1000);
  const [r] = pgRatios([h!, k!]);
  assert.deepEqual([r!.hydra, r!.versus, r!.sustained, r!.totalCpuPerExchange], ['hydra-pg×1', 'kea-pg-st', 5.9, 0.2]);
  const text = formatPgSummary([h!, k!], { lossLimitPct: 2.5, fixedRate: 1000 });
  assert.match(text, /\| hydra-pg×1 +\| +5,900 \|/);
  assert.match(text, /target ≥ 5/);
});
