// Turns trial records into per-server medians, the comparison table and Hydra/Kea ratios.
import type { Phase } from './options.js';
import { median } from './stats.js';
import type { TrialResult } from './trial.js';

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
  cpuPerExchangeUs: number;
  peakRssMiB: number;
  pool8ReadyMs: number;
  pool8RssReadyMiB: number;
  pool8PeakRssMiB: number;
  pool8LossPct: number;
  /** Median cores used by other processes during this server's trials (noise indicator). */
  foreignCores: number;
  errors: number;
}

function of(records: TrialRecord[], server: string, phase: Phase): TrialResult[] {
  return records.filter((r) => r.server === server && r.phase === phase && r.result).map((r) => r.result!);
}

export function summarize(records: TrialRecord[], servers: string[]): ServerSummary[] {
  return servers.map((server) => {
    const runs = [...new Set(records.filter((r) => r.server === server && r.phase === 'search').map((r) => r.run))];
    // Per run: the passing trial with the highest offered rate.
    const best = runs.map((run) => {
      const passing = records.filter((r) => r.server === server && r.phase === 'search' && r.run === run && r.passed && r.result);
      return passing.sort((a, b) => b.result!.rate - a.result!.rate)[0]?.result;
    });
    const fixed = of(records, server, 'fixed');
    const pool8 = of(records, server, 'pool8');
    const lat = (k: 'discoverOfferP50Ms' | 'discoverOfferP99Ms' | 'requestAckP50Ms' | 'requestAckP99Ms'): number =>
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
      cpuPerExchangeUs: median(fixed.map((t) => t.cpuPerExchangeUs)),
      peakRssMiB: median(fixed.map((t) => t.peakRssMiB)),
      pool8ReadyMs: median(pool8.map((t) => t.readyMs)),
      pool8RssReadyMiB: median(pool8.map((t) => t.rssReadyMiB)),
      pool8PeakRssMiB: median(pool8.map((t) => t.peakRssMiB)),
      pool8LossPct: median(pool8.map((t) => t.lossPct)),
      foreignCores: median(records.filter((r) => r.server === server && r.result).map((r) => r.result!.foreignCores)),
      errors: records.filter((r) => r.server === server && r.error !== undefined).length,
    };
  });
}

export interface Ratio {
  versus: string;
  /** Hydra ÷ that server, per column: >1 is better for sustained, <1 is better for the rest. */
  sustained: number;
  cpuPerExchange: number;
  requestAckP99: number;
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

/** The comparison as a Markdown table (also readable on a terminal), then the ratios. */
export function formatSummary(summaries: ServerSummary[], l: TableLabels): string {
  const header = [
    'server',
    `sustained/s (≤${l.lossLimitPct} % lost)`,
    'lost % there',
    `ACK p50 / p99 ms @${fmt(l.fixedRate)}/s`,
    'OFFER p50 / p99 ms',
    `lost % @${fmt(l.fixedRate)}/s`,
    'CPU µs/exch',
    'peak RSS MiB',
    '/8 start ms',
    `/8 RSS MiB (after ${fmt(l.pool8Rate)}/s)`,
    'other load (cores)',
  ];
  const rows = summaries.map((s) => [
    s.server + (s.errors > 0 ? ` (${s.errors} failed)` : ''),
    fmt(s.sustainedPerSec) + (s.perfdhcpBound ? ' (perfdhcp-bound)' : ''),
    fmt(s.sustainedLossPct, 2),
    `${fmt(s.requestAckP50Ms, 2)} / ${fmt(s.requestAckP99Ms, 2)}`,
    `${fmt(s.discoverOfferP50Ms, 2)} / ${fmt(s.discoverOfferP99Ms, 2)}`,
    fmt(s.fixedLossPct, 2),
    fmt(s.cpuPerExchangeUs, 1),
    fmt(s.peakRssMiB),
    fmt(s.pool8ReadyMs),
    `${fmt(s.pool8RssReadyMiB)} → ${fmt(s.pool8PeakRssMiB)}`,
    fmt(s.foreignCores, 2),
  ]);
  let text = table(header, rows);
  const rs = ratios(summaries);
  if (rs.length > 0) {
    text += '\n\n' + table(
      ['Hydra ÷', 'sustained (↑)', 'CPU/exch (↓)', 'ACK p99 (↓)', 'peak RSS (↓)', '/8 start (↓)'],
      rs.map((r) => [r.versus, fmt(r.sustained, 2), fmt(r.cpuPerExchange, 2), fmt(r.requestAckP99, 2), fmt(r.peakRss, 2), fmt(r.pool8Ready, 2)]),
    );
  }
  return text;
}
