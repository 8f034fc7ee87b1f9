// Phase million: one fresh server on the /8 pool stays up while perfdhcp runs back-to-back
// segments of new clients at a fixed rate, until a million ACKs came back (or the segment limit):
// does the rate hold while the lease table grows? Afterwards the stopped server's own store is
// read to count the distinct clients holding a bound lease.
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { countBoundClients } from './lease-count.js';
import { type MillionRun, type MillionSegment, millionVerdict } from './million-report.js';
import { MAX_MILLION_SEGMENTS } from './options.js';
import { exchangeLossPct, runPerfdhcp } from './perfdhcp.js';
import { ForeignLoad, treeCpuMicros, treeMemoryMiB } from './proc-stats.js';
import { POOLS, type ServerUnderTest } from './servers.js';
import type { TrialContext } from './trial.js';

/**
 * perfdhcp -R of every segment: client MACs are the base plus a number below this (the low 3.5
 * octets). perfdhcp 2.2 was seen to walk that range in order (base+0, base+1, …), so with a
 * range far above a segment's exchanges (200,000 at the defaults) every exchange is a new
 * client; were it random, 2^28 would still give only ~75 repeats in 200,000.
 */
export const SEGMENT_MAC_RANGE = 2 ** 28;

/** Segment k's MAC base: its own second octet (locally administered 02:…), so segments never share a client. */
export function segmentMacBase(k: number): string {
  if (!(Number.isInteger(k) && k >= 1 && k <= MAX_MILLION_SEGMENTS)) throw new Error(`no MAC base for segment ${k}`);
  return `02:${k.toString(16).padStart(2, '0')}:00:00:00:00`;
}

export interface MillionSpec {
  run: number;
  targetAcks: number;
  rate: number;
  segmentSeconds: number;
  maxSegments: number;
  lossLimitPct: number;
  /** Epoch ms after which no new segment starts. */
  deadline: number;
  log(line: string): void;
}

export async function runMillion(ctx: TrialContext, server: ServerUnderTest, spec: MillionSpec): Promise<MillionRun> {
  const dir = await mkdtemp(join(ctx.dataRoot, `million-${server.name.replace(/[^\w.-]/g, '_')}-`));
  const out: MillionRun = { run: spec.run, server: server.name, readyMs: NaN, rate: spec.rate, segmentSeconds: spec.segmentSeconds, segments: [] };
  try {
    const started = await server.start(ctx.lab, POOLS['/8'], dir);
    out.readyMs = started.readyMs;
    const proc = started.proc;
    const e = started.endpoints[0]!;
    try {
      let cumulative = 0;
      for (let k = 1; k <= spec.maxSegments && cumulative < spec.targetAcks; k++) {
        if (Date.now() > spec.deadline || ctx.lab.interrupted) {
          out.error = `stopped after ${k - 1} segments: ${ctx.lab.interrupted ? 'interrupted' : 'time limit'}`;
          break;
        }
        const foreign = new ForeignLoad();
        const cpu0 = treeCpuMicros(proc.pid);
        const macBase = segmentMacBase(k);
        const r = await runPerfdhcp({
          ns: ctx.lab.clientNs,
          localAddress: e.relay,
          server: e.server,
          rate: spec.rate,
          clients: SEGMENT_MAC_RANGE,
          seconds: spec.segmentSeconds,
          timestamps: false,
          preload: ctx.preload,
          macBase,
        });
        const cpu1 = treeCpuMicros(proc.pid);
        if (proc.exited) throw new Error(`${proc.label} died during segment ${k} (${proc.exitDescription}):\n${proc.tail()}`);
        const acks = r.report.requestAck.received;
        cumulative += acks;
        const segment: MillionSegment = {
          segment: k,
          macBase,
          offeredRate: r.report.offeredRate,
          discoverSent: r.report.discoverOffer.sent,
          acksReceived: acks,
          cumulativeAcks: cumulative,
          completedPerSec: acks / spec.segmentSeconds,
          lossPct: exchangeLossPct(r.report),
          cpuPerExchangeUs: acks > 0 ? (cpu1 - cpu0) / acks : NaN,
          rssMiB: treeMemoryMiB(proc.pid, 'VmRSS'),
          // The server is still running (not reaped), so its CPU is taken out by hand.
          foreignCores: foreign.cores(cpu1 - cpu0),
          command: r.command,
        };
        out.segments.push(segment);
        spec.log(`[run ${spec.run} million ${k}] ${server.name.padEnd(6)} ${segment.cumulativeAcks} ACKs so far: ${Math.round(segment.completedPerSec)}/s done, ` +
          `lost ${segment.lossPct.toFixed(2)} %, CPU ${segment.cpuPerExchangeUs.toFixed(1)} µs/exch, RSS ${Math.round(segment.rssMiB)} MiB, others ${segment.foreignCores.toFixed(2)} cores`);
      }
    } catch (err) {
      out.error = (err as Error).message;
    } finally {
      for (const p of started.procs) await p.stop(30_000);
    }
    let distinct: number | undefined;
    if (started.leases && out.segments.length > 0) {
      try {
        out.leases = await countBoundClients(started.leases, dir);
        distinct = out.leases.distinctClients;
      } catch (err) {
        out.error = [out.error, `lease count failed: ${(err as Error).message}`].filter(Boolean).join('; ');
      }
    }
    const verdict = millionVerdict(out.segments, distinct, { lossLimitPct: spec.lossLimitPct, targetClients: spec.targetAcks });
    if (verdict) out.verdict = verdict;
  } catch (err) {
    out.error = [out.error, (err as Error).message].filter(Boolean).join('; ');
  } finally {
    if (!ctx.keepFiles) await rm(dir, { recursive: true, force: true });
  }
  return out;
}
