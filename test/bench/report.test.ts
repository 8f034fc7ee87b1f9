// The summary's full-load CPU comes from each run's highest passing search step, and the steady
// p99 leaves out the requests of the first second; both reach the table and the ratios.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatSummary, ratios, summarize, type TrialRecord } from '../../bench/perf/report.js';
import type { TrialResult } from '../../bench/perf/trial.js';

function result(over: Partial<TrialResult>): TrialResult {
  return {
    pool: '/16', rate: 1000, clients: 100, seconds: 5, timestamps: false, server: 'x', readyMs: 1, rssReadyMiB: 1, peakRssMiB: 1,
    offeredRate: 1000, discoverSent: 5000, offersReceived: 5000, requestSent: 5000, acksReceived: 5000, lossPct: 0,
    completedPerSec: 1000, cpuPerExchangeUs: 50, serverCount: 1, foreignCores: 0, command: 'perfdhcp', ...over,
  };
}

const latency = (ack99: number, ackSteady: number) => ({
  discoverOfferP50Ms: 0.1, discoverOfferP99Ms: 1, requestAckP50Ms: 0.5, requestAckP99Ms: ack99, discoverOfferP99SteadyMs: 0.5, requestAckP99SteadyMs: ackSteady,
});

function records(server: string, cpuAtTop: number, ack99: number, ackSteady: number): TrialRecord[] {
  return [
    { run: 1, phase: 'search', server, step: 0, passed: true, result: result({ server, rate: 10_000, cpuPerExchangeUs: 60 }) },
    { run: 1, phase: 'search', server, step: 1, passed: true, result: result({ server, rate: 20_000, cpuPerExchangeUs: cpuAtTop }) },
    { run: 1, phase: 'search', server, step: 2, passed: false, result: result({ server, rate: 30_000, cpuPerExchangeUs: 5, lossPct: 9 }) },
    { run: 1, phase: 'fixed', server, result: result({ server, timestamps: true, cpuPerExchangeUs: 64, latency: latency(ack99, ackSteady) }) },
  ];
}

test('summaries carry CPU at the highest passing rate and the steady p99; ratios and table show them', () => {
  const all = [...records('hydra', 26, 14, 4), ...records('kea-st', 39, 0.3, 0.2)];
  const [hydra, kea] = summarize(all, ['hydra', 'kea-st']);
  assert.equal(hydra!.sustainedCpuPerExchangeUs, 26);
  assert.equal(hydra!.cpuPerExchangeUs, 64);
  assert.equal(hydra!.requestAckP99SteadyMs, 4);
  assert.equal(kea!.sustainedCpuPerExchangeUs, 39);
  const [r] = ratios([hydra!, kea!]);
  assert.equal(r!.sustainedCpuPerExchange, 26 / 39);
  assert.equal(r!.requestAckP99Steady, 4 / 0.2);
  const text = formatSummary([hydra!, kea!], { lossLimitPct: 2.5, fixedRate: 10_000, pool8Rate: 5000 });
  assert.match(text, /CPU µs\/exch at sustained/);
  assert.match(text, /\| +4\.00 \/ 0\.50 \|/);
});
