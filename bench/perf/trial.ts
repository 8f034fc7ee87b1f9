// One measurement: a fresh server with a fresh data directory, one bounded perfdhcp run against
// it, the server's CPU time and memory from /proc around that run, then the server stopped.
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type BenchLab, CLIENT_ADDRESS, SERVER_ADDRESS } from './lab.js';
import { exchangeLossPct, runPerfdhcp } from './perfdhcp.js';
import { cpuMicros, ForeignLoad, memoryMiB } from './proc-stats.js';
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
  /** Server CPU (user + system, every thread) per completed exchange, µs. */
  cpuPerExchangeUs: number;
  latency?: Latency;
  /** Cores busy with other processes during the trial (a shared machine's noise), see ForeignLoad. */
  foreignCores: number;
  command: string;
}

export interface TrialContext {
  lab: BenchLab;
  dataRoot: string;
  preload?: string;
  keepFiles: boolean;
}

export async function runTrial(ctx: TrialContext, server: ServerUnderTest, spec: TrialSpec): Promise<TrialResult> {
  const dir = await mkdtemp(join(ctx.dataRoot, `${server.name}-`));
  const foreign = new ForeignLoad();
  let result: TrialResult | undefined;
  try {
    const { proc, readyMs } = await server.start(ctx.lab, POOLS[spec.pool], dir);
    try {
      const rssReadyMiB = memoryMiB(proc.pid, 'VmRSS');
      const cpuBefore = cpuMicros(proc.pid);
      const { report, command } = await runPerfdhcp({
        ns: ctx.lab.clientNs,
        localAddress: CLIENT_ADDRESS,
        server: SERVER_ADDRESS,
        rate: spec.rate,
        clients: spec.clients,
        seconds: spec.seconds,
        timestamps: spec.timestamps,
        preload: ctx.preload,
      });
      const cpuAfter = cpuMicros(proc.pid);
      const peakRssMiB = memoryMiB(proc.pid, 'VmHWM');
      if (proc.exited) throw new Error(`${server.name} died during the run (${proc.exitDescription}):\n${proc.tail()}`);
      const acks = report.requestAck.received;
      result = {
        ...spec,
        server: server.name,
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
        command,
      };
      if (spec.timestamps) {
        const d = report.discoverOffer.delaysMs;
        const r = report.requestAck.delaysMs;
        result.latency = {
          discoverOfferP50Ms: percentile(d, 0.5),
          discoverOfferP99Ms: percentile(d, 0.99),
          requestAckP50Ms: percentile(r, 0.5),
          requestAckP99Ms: percentile(r, 0.99),
        };
      }
    } finally {
      await proc.stop();
    }
    // After the stop: the server has been reaped, so its CPU counts as ours.
    result.foreignCores = foreign.cores();
    return result;
  } finally {
    if (!ctx.keepFiles) await rm(dir, { recursive: true, force: true });
  }
}
