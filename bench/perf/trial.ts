// One measurement: a fresh server with a fresh data directory, one bounded perfdhcp run against
// it, the server's CPU time and memory from /proc around that run, then the server stopped.
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { LeaseCheck } from './database.js';
import type { BenchLab } from './lab.js';
import { exchangeLossPct, mergeReports, runPerfdhcp, type ExchangeStats } from './perfdhcp.js';
import { ForeignLoad, treeCpuMicros, treeMemoryMiB } from './proc-stats.js';
import { POOLS, type PoolVariant, type ServerUnderTest } from './servers.js';
import { percentile } from './stats.js';

export interface TrialSpec {
  pool: PoolVariant;
  rate: number;
  clients: number;
  seconds: number;
  /** perfdhcp -x t, for latency percentiles (moderate rates only). */
  timestamps: boolean;
}

export interface Latency {
  discoverOfferP50Ms: number;
  discoverOfferP99Ms: number;
  requestAckP50Ms: number;
  requestAckP99Ms: number;
  /** p99 of the requests sent after the first second: a running server, without its start. */
  discoverOfferP99SteadyMs: number;
  requestAckP99SteadyMs: number;
}

/** Seconds at the start of a fixed-rate run that the steady-state percentiles leave out. */
export const STEADY_AFTER_S = 1;

function steady(s: ExchangeStats): number[] {
  return s.delaysMs.filter((_, i) => s.sentAtS[i]! >= STEADY_AFTER_S);
}

export interface TrialResult extends TrialSpec {
  server: string;
  readyMs: number;
  rssReadyMiB: number;
  peakRssMiB: number;
  offeredRate: number;
  discoverSent: number;
  offersReceived: number;
  requestSent: number;
  acksReceived: number;
  /** % of 4-way exchanges without their OFFER or their ACK. */
  lossPct: number;
  /** Completed exchanges (ACKs received) per second of the run. */
  completedPerSec: number;
  /** Server CPU (user + system, every thread and worker process, all servers) per completed exchange, µs. */
  cpuPerExchangeUs: number;
  /** Database trials: PostgreSQL's CPU (every backend and helper process) per completed exchange, µs. */
  dbCpuPerExchangeUs?: number;
  /** Database trials: the lease table after the run. */
  leaseCheck?: LeaseCheck;
  /** Several servers: from the first spawn until all held address blocks, ms. */
  settledMs?: number;
  /** Server processes (1, or N Hydra servers on one database). */
  serverCount: number;
  latency?: Latency;
  /** Cores busy with other processes during the trial (a shared machine's noise), see ForeignLoad. */
  foreignCores: number;
  /** The perfdhcp command(s), one per server endpoint. */
  command: string;
}

export interface TrialContext {
  lab: BenchLab;
  dataRoot: string;
  preload?: string;
  keepFiles: boolean;
}

/** MAC base for endpoint k's perfdhcp: k = 0 keeps perfdhcp's default (the memfile trials' command is unchanged). */
function macBase(k: number): string | undefined {
  return k === 0 ? undefined : `00:0c:${(0x10 + k).toString(16)}:00:00:00`;
}

export async function runTrial(ctx: TrialContext, server: ServerUnderTest, spec: TrialSpec): Promise<TrialResult> {
  const dir = await mkdtemp(join(ctx.dataRoot, `${server.name.replace(/[^\w.-]/g, '_')}-`));
  const foreign = new ForeignLoad();
  let result: TrialResult | undefined;
  try {
    const started = await server.start(ctx.lab, POOLS[spec.pool], dir);
    const { procs, readyMs, endpoints, database } = started;
    const dbAtStart = database?.db.cpuMicros();
    try {
      const rssReadyMiB = sumOf(procs.map((p) => treeMemoryMiB(p.pid, 'VmRSS')));
      const cpuBefore = sumOf(procs.map((p) => treeCpuMicros(p.pid)));
      const dbBefore = database?.db.cpuMicros();
      // The load is split evenly over the endpoints: one perfdhcp each, disjoint clients.
      const n = endpoints.length;
      const runs = await Promise.all(
        endpoints.map((e, k) =>
          runPerfdhcp({
            ns: ctx.lab.clientNs,
            localAddress: e.relay,
            server: e.server,
            rate: Math.max(1, Math.round(spec.rate / n)),
            clients: Math.max(1, Math.round(spec.clients / n)),
            seconds: spec.seconds,
            timestamps: spec.timestamps,
            preload: ctx.preload,
            ...(n > 1 ? { macBase: macBase(k + 1) } : {}),
          }),
        ),
      );
      const cpuAfter = sumOf(procs.map((p) => treeCpuMicros(p.pid)));
      const dbAfter = database?.db.cpuMicros();
      const peakRssMiB = sumOf(procs.map((p) => treeMemoryMiB(p.pid, 'VmHWM')));
      for (const p of procs) if (p.exited) throw new Error(`${p.label} died during the run (${p.exitDescription}):\n${p.tail()}`);
      const report = mergeReports(runs.map((r) => r.report));
      const acks = report.requestAck.received;
      result = {
        ...spec,
        server: server.name,
        serverCount: procs.length,
        readyMs,
        rssReadyMiB,
        peakRssMiB,
        offeredRate: report.offeredRate,
        discoverSent: report.discoverOffer.sent,
        offersReceived: report.discoverOffer.received,
        requestSent: report.requestAck.sent,
        acksReceived: acks,
        lossPct: exchangeLossPct(report),
        completedPerSec: acks / spec.seconds,
        cpuPerExchangeUs: acks > 0 ? (cpuAfter - cpuBefore) / acks : NaN,
        foreignCores: NaN,
        command: runs.map((r) => r.command).join(' & '),
      };
      if (started.settledMs !== undefined) result.settledMs = started.settledMs;
      if (dbBefore !== undefined && dbAfter !== undefined) result.dbCpuPerExchangeUs = acks > 0 ? (dbAfter - dbBefore) / acks : NaN;
      if (spec.timestamps) {
        const d = report.discoverOffer.delaysMs;
        const r = report.requestAck.delaysMs;
        result.latency = {
          discoverOfferP50Ms: percentile(d, 0.5),
          discoverOfferP99Ms: percentile(d, 0.99),
          requestAckP50Ms: percentile(r, 0.5),
          requestAckP99Ms: percentile(r, 0.99),
          discoverOfferP99SteadyMs: percentile(steady(report.discoverOffer), 0.99),
          requestAckP99SteadyMs: percentile(steady(report.requestAck), 0.99),
        };
      }
    } finally {
      for (const p of started.procs) await p.stop();
    }
    // After the stop: the servers have been reaped, so their CPU counts as ours; PostgreSQL's
    // (not our child) is taken out by hand, from the servers' start to now.
    result.foreignCores = foreign.cores(database ? database.db.cpuMicros() - dbAtStart! : 0);
    if (database) {
      try {
        result.leaseCheck = database.check();
      } finally {
        database.db.drop(database.name);
      }
    }
    return result;
  } finally {
    if (!ctx.keepFiles) await rm(dir, { recursive: true, force: true });
  }
}

function sumOf(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
