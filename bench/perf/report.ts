// Turns trial records into per-server medians, the comparison table and Hydra/Kea ratios.
import type { Phase } from './options.js';
import { median } from './stats.js';
import type { Latency, TrialResult } from './trial.js';

export interface TrialRecord {
  run: number;
  phase: Phase;
  server: string;
  /** The search step (0-based) for phase "search". */
  step?: number;
  passed?: boolean;
  /** Seconds spent waiting for a quiet machine before the trial (--quiet). */
  quietWaitSeconds?: number;
  result?: TrialResult;
  error?: string;
}

export interface ServerSummary {
  server: string;
  /** Completed exchanges/s at the highest rate within the loss limit (median over runs; 0 when none passed). */
  sustainedPerSec: number;
  /** The offered rate (perfdhcp -r) of those runs, median. */
  sustainedRate: number;
  sustainedLossPct: number;
  /** perfdhcp could not even send the rate asked for: the figure is the load generator's limit. */
  perfdhcpBound: boolean;
  fixedLossPct: number;
  fixedCompletedPerSec: number;
  discoverOfferP50Ms: number;
  discoverOfferP99Ms: number;
  requestAckP50Ms: number;
  requestAckP99Ms: number;
  /** p99 at the fixed rate of the requests sent after the first second (see trial.ts STEADY_AFTER_S). */
  discoverOfferP99SteadyMs: number;
  requestAckP99SteadyMs: number;
  cpuPerExchangeUs: number;
  /** CPU per exchange in the passing search trial with the highest rate: the server at full load. */
  sustainedCpuPerExchangeUs: number;
  peakRssMiB: number;
  pool8ReadyMs: number;
  pool8RssReadyMiB: number;
  pool8PeakRssMiB: number;
  pool8LossPct: number;
  /** Median cores used by other processes during this server's trials (noise indicator). */
  foreignCores: number;
  errors: number;
  /** Database trials: PostgreSQL CPU per exchange at the fixed rate, median. */
  dbCpuPerExchangeUs: number;
  /** Database trials: the worst lease-table check over all trials (must stay 0), and clients with two leases. */
  addressesWithTwoClients: number;
  clientsWithTwoLeases: number;
}

/** Which phases hold a summary's search, fixed-rate and /8 trials. */
export interface PhaseSet {
  search: Phase;
  fixed: Phase;
  pool8?: Phase;
}

export const MEMFILE_PHASES: PhaseSet = { search: 'search', fixed: 'fixed', pool8: 'pool8' };
export const PG_PHASES: PhaseSet = { search: 'pg-search', fixed: 'pg-fixed' };

function of(records: TrialRecord[], server: string, phase: Phase | undefined): TrialResult[] {
  return records.filter((r) => r.server === server && r.phase === phase && r.result).map((r) => r.result!);
}

function worst(values: number[]): number {
  const finite = values.filter((v) => Number.isFinite(v));
  return finite.length > 0 ? Math.max(...finite) : NaN;
}

export function summarize(records: TrialRecord[], servers: string[], phases: PhaseSet = MEMFILE_PHASES): ServerSummary[] {
  const inSet = (r: TrialRecord): boolean => r.phase === phases.search || r.phase === phases.fixed || r.phase === phases.pool8;
  return servers.map((server) => {
    const runs = [...new Set(records.filter((r) => r.server === server && r.phase === phases.search).map((r) => r.run))];
    // Per run: the passing trial with the highest offered rate.
    const best = runs.map((run) => {
      const passing = records.filter((r) => r.server === server && r.phase === phases.search && r.run === run && r.passed && r.result);
      return passing.sort((a, b) => b.result!.rate - a.result!.rate)[0]?.result;
    });
    const fixed = of(records, server, phases.fixed);
    const pool8 = of(records, server, phases.pool8);
    const all = records.filter((r) => r.server === server && inSet(r));
    const lat = (k: keyof Latency): number =>
      median(fixed.map((t) => t.latency?.[k] ?? NaN));
    return {
      server,
      sustainedPerSec: median(best.map((t) => t?.completedPerSec ?? 0)),
      sustainedRate: median(best.map((t) => t?.rate ?? 0)),
      sustainedLossPct: median(best.map((t) => t?.lossPct ?? NaN)),
      // perfdhcp's own Rate line divides by the period plus its exit wait, so count DISCOVERs instead.
      perfdhcpBound: best.some((t) => t !== undefined && t.discoverSent < 0.95 * t.rate * t.seconds),
      fixedLossPct: median(fixed.map((t) => t.lossPct)),
      fixedCompletedPerSec: median(fixed.map((t) => t.completedPerSec)),
      discoverOfferP50Ms: lat('discoverOfferP50Ms'),
      discoverOfferP99Ms: lat('discoverOfferP99Ms'),
      requestAckP50Ms: lat('requestAckP50Ms'),
      requestAckP99Ms: lat('requestAckP99Ms'),
      discoverOfferP99SteadyMs: lat('discoverOfferP99SteadyMs'),
      requestAckP99SteadyMs: lat('requestAckP99SteadyMs'),
      cpuPerExchangeUs: median(fixed.map((t) => t.cpuPerExchangeUs)),
      sustainedCpuPerExchangeUs: median(best.map((t) => t?.cpuPerExchangeUs ?? NaN)),
      peakRssMiB: median(fixed.map((t) => t.peakRssMiB)),
      pool8ReadyMs: median(pool8.map((t) => t.readyMs)),
      pool8RssReadyMiB: median(pool8.map((t) => t.rssReadyMiB)),
      pool8PeakRssMiB: median(pool8.map((t) => t.peakRssMiB)),
      pool8LossPct: median(pool8.map((t) => t.lossPct)),
      foreignCores: median(all.filter((r) => r.result).map((r) => r.result!.foreignCores)),
      errors: all.filter((r) => r.error !== undefined).length,
      dbCpuPerExchangeUs: median(fixed.map((t) => t.dbCpuPerExchangeUs ?? NaN)),
      addressesWithTwoClients: worst(all.map((r) => r.result?.leaseCheck?.addressesWithTwoClients ?? NaN)),
      clientsWithTwoLeases: worst(all.map((r) => r.result?.leaseCheck?.clientsWithTwoLeases ?? NaN)),
    };
  });
}

export interface Ratio {
  versus: string;
  /** Hydra ÷ that server, per column: >1 is better for sustained, <1 is better for the rest. */
  sustained: number;
  cpuPerExchange: number;
  requestAckP99: number;
  requestAckP99Steady: number;
  sustainedCpuPerExchange: number;
  peakRss: number;
  pool8Ready: number;
}

export function ratios(summaries: ServerSummary[]): Ratio[] {
  const hydra = summaries.find((s) => s.server === 'hydra');
  if (!hydra) return [];
  return summaries
    .filter((s) => s.server !== 'hydra')
    .map((k) => ({
      versus: k.server,
      sustained: hydra.sustainedPerSec / k.sustainedPerSec,
      cpuPerExchange: hydra.cpuPerExchangeUs / k.cpuPerExchangeUs,
      requestAckP99: hydra.requestAckP99Ms / k.requestAckP99Ms,
      requestAckP99Steady: hydra.requestAckP99SteadyMs / k.requestAckP99SteadyMs,
      sustainedCpuPerExchange: hydra.sustainedCpuPerExchangeUs / k.sustainedCpuPerExchangeUs,
      peakRss: hydra.peakRssMiB / k.peakRssMiB,
      pool8Ready: hydra.pool8ReadyMs / k.pool8ReadyMs,
    }));
}

function fmt(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return '–';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

export interface TableLabels {
  lossLimitPct: number;
  fixedRate: number;
  pool8Rate: number;
}

/** The columns both tables open with: server, sustained rate, its loss, ACK latency at the fixed rate. */
function leadingCells(s: ServerSummary): string[] {
  return [
    s.server + (s.errors > 0 ? ` (${s.errors} failed)` : ''),
    fmt(s.sustainedPerSec) + (s.perfdhcpBound ? ' (perfdhcp-bound)' : ''),
    fmt(s.sustainedLossPct, 2),
    `${fmt(s.requestAckP50Ms, 2)} / ${fmt(s.requestAckP99Ms, 2)}`,
  ];
}

/** The comparison as a Markdown table (also readable on a terminal), then the ratios. */
export function formatSummary(summaries: ServerSummary[], l: TableLabels): string {
  const header = [
    'server',
    `sustained/s (≤${l.lossLimitPct} % lost)`,
    'lost % there',
    `ACK p50 / p99 ms @${fmt(l.fixedRate)}/s`,
    'OFFER p50 / p99 ms',
    'p99 after 1st s: ACK / OFFER ms',
    `lost % @${fmt(l.fixedRate)}/s`,
    `CPU µs/exch @${fmt(l.fixedRate)}/s`,
    'CPU µs/exch at sustained',
    'peak RSS MiB',
    '/8 start ms',
    `/8 RSS MiB (after ${fmt(l.pool8Rate)}/s)`,
    'other load (cores)',
  ];
  const rows = summaries.map((s) => [
    ...leadingCells(s),
    `${fmt(s.discoverOfferP50Ms, 2)} / ${fmt(s.discoverOfferP99Ms, 2)}`,
    `${fmt(s.requestAckP99SteadyMs, 2)} / ${fmt(s.discoverOfferP99SteadyMs, 2)}`,
    fmt(s.fixedLossPct, 2),
    fmt(s.cpuPerExchangeUs, 1),
    fmt(s.sustainedCpuPerExchangeUs, 1),
    fmt(s.peakRssMiB),
    fmt(s.pool8ReadyMs),
    `${fmt(s.pool8RssReadyMiB)} → ${fmt(s.pool8PeakRssMiB)}`,
    fmt(s.foreignCores, 2),
  ]);
  let text = table(header, rows);
  const rs = ratios(summaries);
  if (rs.length > 0) {
    text += '\n\n' + table(
      ['Hydra ÷', 'sustained (↑)', 'CPU/exch (↓)', 'CPU/exch at sustained (↓)', 'ACK p99 (↓)', 'ACK p99 after 1st s (↓)', 'peak RSS (↓)', '/8 start (↓)'],
      rs.map((r) => [
        r.versus,
        fmt(r.sustained, 2),
        fmt(r.cpuPerExchange, 2),
        fmt(r.sustainedCpuPerExchange, 2),
        fmt(r.requestAckP99, 2),
        fmt(r.requestAckP99Steady, 2),
        fmt(r.peakRss, 2),
        fmt(r.pool8Ready, 2),
      ]),
    );
  }
  return text;
}

/** Each Hydra database configuration against each Kea PostgreSQL mode: sustained rate ratio (the issue's target: ≥ 5). */
export interface PgRatio {
  hydra: string;
  versus: string;
  sustained: number;
  /** Server + database CPU per exchange at the fixed rate, Hydra ÷ Kea. */
  totalCpuPerExchange: number;
}

export function pgRatios(summaries: ServerSummary[]): PgRatio[] {
  const hydras = summaries.filter((s) => s.server.startsWith('hydra'));
  const keas = summaries.filter((s) => s.server.startsWith('kea'));
  return hydras.flatMap((h) =>
    keas.map((k) => ({
      hydra: h.server,
      versus: k.server,
      sustained: h.sustainedPerSec / k.sustainedPerSec,
      totalCpuPerExchange: (h.cpuPerExchangeUs + h.dbCpuPerExchangeUs) / (k.cpuPerExchangeUs + k.dbCpuPerExchangeUs),
    })),
  );
}

/** The database trials' table: sustained rate, latency and CPU (server and PostgreSQL) at the fixed rate, lease checks. */
export function formatPgSummary(summaries: ServerSummary[], l: { lossLimitPct: number; fixedRate: number }): string {
  const header = [
    'server (PostgreSQL)',
    `sustained/s (≤${l.lossLimitPct} % lost)`,
    'lost % there',
    `ACK p50 / p99 ms @${fmt(l.fixedRate)}/s`,
    `lost % @${fmt(l.fixedRate)}/s`,
    'server CPU µs/exch',
    'PostgreSQL CPU µs/exch',
    'peak RSS MiB',
    'addr. w/ 2 clients',
    'clients w/ 2 leases',
    'other load (cores)',
  ];
  const rows = summaries.map((s) => [
    ...leadingCells(s),
    fmt(s.fixedLossPct, 2),
    fmt(s.cpuPerExchangeUs, 1),
    fmt(s.dbCpuPerExchangeUs, 1),
    fmt(s.peakRssMiB),
    fmt(s.addressesWithTwoClients),
    fmt(s.clientsWithTwoLeases),
    fmt(s.foreignCores, 2),
  ]);
  let text = table(header, rows);
  const rs = pgRatios(summaries);
  if (rs.length > 0) {
    text += '\n\n' + table(
      ['Hydra (PostgreSQL)', '÷ Kea', 'sustained (↑, target ≥ 5)', 'server+db CPU/exch (↓)'],
      rs.map((r) => [r.hydra, r.versus, fmt(r.sustained, 2), fmt(r.totalCpuPerExchange, 2)]),
    );
  }
  return text;
}
