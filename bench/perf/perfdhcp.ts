// Drives ISC perfdhcp (Debian package kea-admin) and reads its report. The parser is pure so it
// can be tested on captured output; the runner is bounded in time and never throws on drops.
import { spawn } from 'node:child_process';

/** One exchange type's counters as perfdhcp prints them ("Statistics for: DISCOVER-OFFER"). */
export interface ExchangeStats {
  sent: number;
  received: number;
  drops: number;
  /** Round-trip delays in ms, only with `-x t` (one per received reply). */
  delaysMs: number[];
  /** When each of those requests was sent, seconds since perfdhcp began (same order as delaysMs). */
  sentAtS: number[];
}

export interface PerfdhcpReport {
  /** perfdhcp's own "Rate:" line: 4-way exchanges it started per second. */
  offeredRate: number;
  discoverOffer: ExchangeStats;
  requestAck: ExchangeStats;
}

const SECTION = /^\*\*\*(Statistics|Timestamps) for(?: packets)?: ([A-Z]+-[A-Z]+)\*\*\*$/;

/** Parses perfdhcp -4 output; throws when a required counter is missing (perfdhcp failed). */
export function parsePerfdhcp(text: string): PerfdhcpReport {
  const stats = new Map<string, ExchangeStats>();
  let offeredRate = NaN;
  let current: ExchangeStats | undefined;
  let inTimestamps = false;
  const at = (name: string): ExchangeStats => {
    let s = stats.get(name);
    if (!s) stats.set(name, (s = { sent: NaN, received: NaN, drops: NaN, delaysMs: [], sentAtS: [] }));
    return s;
  };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const section = SECTION.exec(line);
    if (section) {
      current = at(section[2]!);
      inTimestamps = section[1] === 'Timestamps';
      continue;
    }
    if (line.startsWith('***')) {
      current = undefined;
      inTimestamps = false;
    }
    const rate = /^Rate: ([\d.]+) /.exec(line);
    if (rate) offeredRate = Number(rate[1]);
    if (!current) continue;
    if (inTimestamps) {
      // "sent / received: 000002.961177 / 000002.961270" (seconds since the run began)
      const ts = /^sent \/ received: ([\d.]+) \/ ([\d.]+)$/.exec(line);
      if (ts) {
        current.delaysMs.push((Number(ts[2]) - Number(ts[1])) * 1000);
        current.sentAtS.push(Number(ts[1]));
      }
      continue;
    }
    const counter = /^(sent packets|received packets|drops): (\d+)$/.exec(line);
    if (counter) {
      const value = Number(counter[2]);
      if (counter[1] === 'sent packets') current.sent = value;
      else if (counter[1] === 'received packets') current.received = value;
      else current.drops = value;
    }
  }
  const discoverOffer = stats.get('DISCOVER-OFFER');
  const requestAck = stats.get('REQUEST-ACK');
  for (const [name, s] of [['DISCOVER-OFFER', discoverOffer], ['REQUEST-ACK', requestAck]] as const) {
    if (!s || !Number.isFinite(s.sent) || !Number.isFinite(s.received)) {
      throw new Error(`perfdhcp output has no ${name} counters:\n${text.slice(0, 2000)}`);
    }
  }
  return { offeredRate, discoverOffer: discoverOffer!, requestAck: requestAck! };
}

/**
 * Share of 4-way exchanges lost, in %: an exchange is lost when its OFFER or its ACK never came.
 * The product of the two success ratios, so REQUESTs perfdhcp never sent (OFFERs that arrived
 * during its exit wait) count neither way.
 */
export function exchangeLossPct(r: PerfdhcpReport): number {
  const ok = (s: ExchangeStats): number => (s.sent > 0 ? s.received / s.sent : 0);
  return 100 * (1 - ok(r.discoverOffer) * ok(r.requestAck));
}

export interface PerfdhcpRun {
  /** Network namespace perfdhcp runs in. */
  ns: string;
  localAddress: string;
  server: string;
  rate: number;
  clients: number;
  seconds: number;
  /** `-x t`: per-packet timestamps for latency percentiles (keeps every packet in memory). */
  timestamps: boolean;
  /** LD_PRELOAD library enlarging perfdhcp's socket receive buffer, if built. */
  preload?: string;
  /** `-b mac=…`: client MACs are this plus a random number below `clients` (disjoint bases, disjoint clients). */
  macBase?: string;
}

/** The command line, as `ip netns exec NS env [LD_PRELOAD=…] perfdhcp …`. */
export function perfdhcpArgs(run: PerfdhcpRun): string[] {
  const args = ['netns', 'exec', run.ns, 'env'];
  if (run.preload) args.push(`LD_PRELOAD=${run.preload}`);
  args.push(
    'perfdhcp', '-4',
    '-g', 'single', // -g multi halves its throughput on 2 cores
    '-l', run.localAddress,
    '-r', String(run.rate),
    '-R', String(run.clients),
    '-p', String(run.seconds), // bounded duration
    '-W', '500000', // wait 0.5 s for replies still in flight when the period ends
  );
  if (run.macBase) args.push('-b', `mac=${run.macBase}`);
  if (run.timestamps) args.push('-x', 't');
  args.push(run.server);
  return args;
}

/** Several perfdhcp runs side by side as one: counters summed, delays pooled. */
export function mergeReports(reports: PerfdhcpReport[]): PerfdhcpReport {
  const sum = (pick: (r: PerfdhcpReport) => ExchangeStats): ExchangeStats => ({
    sent: reports.reduce((a, r) => a + pick(r).sent, 0),
    received: reports.reduce((a, r) => a + pick(r).received, 0),
    drops: reports.reduce((a, r) => a + pick(r).drops, 0),
    delaysMs: reports.flatMap((r) => pick(r).delaysMs),
    sentAtS: reports.flatMap((r) => pick(r).sentAtS),
  });
  return {
    offeredRate: reports.reduce((a, r) => a + r.offeredRate, 0),
    discoverOffer: sum((r) => r.discoverOffer),
    requestAck: sum((r) => r.requestAck),
  };
}

export interface PerfdhcpResult {
  report: PerfdhcpReport;
  exitCode: number | null;
  command: string;
}

/** Runs perfdhcp to completion; SIGKILLed after its period plus `graceMs`. */
export function runPerfdhcp(run: PerfdhcpRun, graceMs = 20_000): Promise<PerfdhcpResult> {
  const args = perfdhcpArgs(run);
  const command = `ip ${args.join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => {
      if (err.length < 100_000) err += c.toString();
    });
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    }, run.seconds * 1000 + graceMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const text = Buffer.concat(out).toString();
      // Exit 3 means "drops happened" to perfdhcp; the counters still tell the story.
      if (signal || (code !== 0 && code !== 3)) {
        reject(new Error(`${command} ended with ${signal ?? `exit ${code}`}:\n${err}${text.slice(0, 2000)}`));
        return;
      }
      try {
        resolve({ report: parsePerfdhcp(text), exitCode: code, command });
      } catch (e) {
        reject(new Error(`${(e as Error).message}\nstderr: ${err}`));
      }
    });
  });
}
