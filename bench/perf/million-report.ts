// Phase million's figures: one row per perfdhcp segment, and the verdict on whether the rate
// held while the lease table grew to a million clients. Pure, so it is tested on made-up segments.
import type { BoundClients } from './lease-count.js';

export interface MillionSegment {
  /** 1-based. */
  segment: number;
  /** perfdhcp -b mac=… of this segment (disjoint from every other segment's clients). */
  macBase: string;
  offeredRate: number;
  discoverSent: number;
  acksReceived: number;
  /** ACKs received up to and including this segment. */
  cumulativeAcks: number;
  /** ACKs per second of the segment's period (perfdhcp -p). */
  completedPerSec: number;
  /** % of 4-way exchanges without their OFFER or their ACK (perfdhcp.ts exchangeLossPct). */
  lossPct: number;
  /** Server CPU (user + system, whole process tree) during the segment per ACK, µs. */
  cpuPerExchangeUs: number;
  /** Server VmRSS after the segment, MiB (summed over its process tree). */
  rssMiB: number;
  /** Cores used by other processes during the segment (noise). */
  foreignCores: number;
  command: string;
}

export interface MillionVerdict {
  segments: number;
  acks: number;
  /** Exact, from the stopped server's own store; undefined when it could not be read. */
  distinctBoundClients: number | undefined;
  /** The run's target (--million-clients) and whether the distinct bound clients reached it. */
  targetClients: number;
  reachedTarget: boolean;
  firstPerSec: number;
  lastPerSec: number;
  /** last ÷ first completed/s. */
  lastOverFirst: number;
  lastLossPct: number;
  lossLimitPct: number;
  /** The last segment's completed/s ≥ 95 % of the first's, and its loss within the limit. */
  rateHeld: boolean;
}

export interface MillionRun {
  run: number;
  server: string;
  readyMs: number;
  rate: number;
  segmentSeconds: number;
  segments: MillionSegment[];
  leases?: BoundClients;
  /** Why the run stopped early or a step failed (server died, lease store unreadable). */
  error?: string;
  verdict?: MillionVerdict;
}

/** The last segment must keep at least this share of the first one's completed/s. */
export const HELD_RATIO = 0.95;

/** undefined without segments (nothing to judge). */
export function millionVerdict(
  segments: readonly MillionSegment[],
  distinctBoundClients: number | undefined,
  l: { lossLimitPct: number; targetClients: number },
): MillionVerdict | undefined {
  const first = segments[0];
  const last = segments[segments.length - 1];
  if (!first || !last) return undefined;
  const lastOverFirst = first.completedPerSec > 0 ? last.completedPerSec / first.completedPerSec : NaN;
  return {
    segments: segments.length,
    acks: last.cumulativeAcks,
    distinctBoundClients,
    targetClients: l.targetClients,
    reachedTarget: distinctBoundClients !== undefined && distinctBoundClients >= l.targetClients,
    firstPerSec: first.completedPerSec,
    lastPerSec: last.completedPerSec,
    lastOverFirst,
    lastLossPct: last.lossPct,
    lossLimitPct: l.lossLimitPct,
    rateHeld: segments.length >= 2 && lastOverFirst >= HELD_RATIO && last.lossPct <= l.lossLimitPct,
  };
}

function fmt(n: number | undefined, digits = 0): string {
  if (n === undefined || !Number.isFinite(n)) return '–';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** One Markdown table per run, then its verdict line. */
export function formatMillion(run: MillionRun): string {
  const header = ['segment', 'cumulative ACKs', 'completed/s', 'loss %', 'CPU µs/exch', 'RSS MiB', 'other load'];
  const rows = run.segments.map((s) => [
    String(s.segment),
    fmt(s.cumulativeAcks),
    fmt(s.completedPerSec),
    fmt(s.lossPct, 2),
    fmt(s.cpuPerExchangeUs, 1),
    fmt(s.rssMiB),
    fmt(s.foreignCores, 2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padStart(widths[i]!)).join(' | ')} |`;
  const rule = `|${widths.map((w) => `${'-'.repeat(w + 1)}:`).join('|')}|`;
  const title = `${run.server}, run ${run.run}: /8 pool, perfdhcp -r ${fmt(run.rate)} in ${run.segmentSeconds} s segments, ready in ${fmt(run.readyMs)} ms`;
  const parts = [title, '', line(header), rule, ...rows.map(line), ''];
  if (run.verdict) parts.push(verdictLine(run.server, run.verdict));
  if (run.error) parts.push(`${run.server}: ${run.error.split('\n')[0]}`);
  return parts.join('\n');
}

export function verdictLine(server: string, v: MillionVerdict): string {
  const clients = v.distinctBoundClients === undefined ? 'unknown (lease store not read)' : fmt(v.distinctBoundClients);
  const held = v.segments < 2
    ? 'rate not judged (one segment)'
    : v.rateHeld
      ? 'rate held'
      : `rate NOT held (needs ≥ ${HELD_RATIO * 100} % of the first and loss ≤ ${v.lossLimitPct} %)`;
  return `${server}: ${clients} distinct bound clients${v.reachedTarget ? '' : ` (target ${fmt(v.targetClients)} not reached)`}` +
    ` after ${fmt(v.acks)} ACKs in ${v.segments} segments; first ${fmt(v.firstPerSec)}/s, last ${fmt(v.lastPerSec)}/s` +
    ` (${fmt(v.lastOverFirst * 100, 1)} %), last loss ${fmt(v.lastLossPct, 2)} %: ${held}`;
}
