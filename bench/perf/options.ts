// Command line of `npm run bench` / `node dist/bench/perf/main.js`.
import { tmpdir } from 'node:os';

export type Phase = 'search' | 'fixed' | 'pool8' | 'pg-search' | 'pg-fixed' | 'million';
export const ALL_PHASES = ['search', 'fixed', 'pool8', 'pg-search', 'pg-fixed', 'million'] as const;
export type KeaMode = 'st' | 'mt';
export const ALL_SERVERS = ['hydra', 'kea-st', 'kea-mt'] as const;
export type ServerName = (typeof ALL_SERVERS)[number];

export interface BenchOptions {
  smoke: boolean;
  runs: number;
  servers: ServerName[] | undefined;
  phases: Phase[];
  /** --phases was given; otherwise main adds the pg phases when PostgreSQL 15 is installed. */
  phasesGiven: boolean;
  /** Database trials: how many Hydra servers share the database, one configuration per entry. */
  pgServers: number[];
  /** Database trials: Kea modes with its PostgreSQL backend (when kea-dhcp4 exists). */
  pgKea: KeaMode[];
  pgLow: number;
  pgHigh: number;
  pgSteps: number;
  pgFixedRate: number;
  /** Hydra's claim-seconds in the database trials (blocks are shared out within a third of it). */
  pgClaimSeconds: number;
  /** Longest wait, per trial, for several servers to share out the address blocks. */
  pgSettleSeconds: number;
  clients: number;
  /** Duration of each search and fixed-rate run, seconds. */
  seconds: number;
  low: number;
  high: number;
  steps: number;
  lossLimitPct: number;
  fixedRate: number;
  /** Load applied to the /8 pool after start (rate, seconds); RSS is read after it. */
  pool8Rate: number;
  pool8Seconds: number;
  /** Smoke mode fails when Hydra loses more than this share of exchanges. */
  smokeMaxLossPct: number;
  maxMinutes: number;
  /** Before each trial, wait (at most quietWaitSeconds) until other processes use fewer cores than this; 0: never wait. */
  quietCores: number;
  quietWaitSeconds: number;
  out: string | undefined;
  hydraMain: string | undefined;
  hydraArgs: string[];
  /** Extra node flags for the Hydra process, before its script (e.g. --cpu-prof). */
  nodeArgs: string[];
  /** Phase million: ACKs to reach (one fresh server per run, the /8 pool, consecutive perfdhcp segments). */
  millionClients: number;
  millionRate: number;
  millionSegmentSeconds: number;
  millionMaxSegments: number;
  /** Phase million's servers (default Hydra only). */
  millionServers: ServerName[];
  dataRoot: string;
  keep: boolean;
}

export const USAGE = `usage: node dist/bench/perf/main.js [options]     (as root; npm run bench / npm run bench:smoke)
  --smoke              one short low-rate run per server (500/s, 3 s, 2,000 clients); fails when Hydra
                       completes nothing or loses more than --smoke-max-loss %
  --runs N             repetitions, medians are reported (default 3; smoke 1)
  --servers LIST       comma list of hydra,kea-st,kea-mt (default: hydra, plus Kea when kea-dhcp4 exists)
  --phases LIST        comma list of search,fixed,pool8,pg-search,pg-fixed,million; pg = both pg phases
                       (default: all, the pg ones when PostgreSQL 15 is installed; smoke: fixed,pool8,pg-fixed)
  --million-clients N  phase million: stop once N ACKs came back (default 1000000)
  --million-rate R     ... perfdhcp -r of every segment (default 20000)
  --million-segment-seconds S   ... length of one perfdhcp segment (default 10)
  --million-max-segments N      ... at most N segments (default 8)
  --million-servers LIST        ... comma list of hydra,kea-st,kea-mt (default hydra)
  --pg-servers LIST    database trials: Hydra server counts sharing one PostgreSQL (default 1,3; smoke 1; none)
  --pg-kea LIST        Kea modes with its PostgreSQL backend: st,mt or none (default st,mt when kea-dhcp4 exists; smoke st)
  --pg-low R --pg-high R --pg-steps N   database rate search (default 250, 24000, 7)
  --pg-fixed-rate R    database trials' latency/CPU rate (default 1000; smoke 200)
  --pg-claim-seconds S Hydra's store claim-seconds in the database trials (default 6)
  --pg-settle S        wait at most S s per trial for the servers to share out address blocks (default 40)
  --clients N          distinct clients, perfdhcp -R (default 50000; smoke 2000)
  --seconds S          length of every search/fixed run, perfdhcp -p (default 5; smoke 3)
  --low R --high R     bisection bounds in exchanges/s (default 2000 and 46000)
  --steps N            bisection steps (default 6)
  --loss-limit P       highest % of lost exchanges that still counts as sustained (default 2.5)
  --fixed-rate R       rate for latency, CPU and RSS (default 10000; smoke 500)
  --pool8-rate R --pool8-seconds S   load on the /8 pool after start (default 5000/s for 3 s; smoke 500/s, 1 s)
  --smoke-max-loss P   (default 5)
  --quiet C            before each trial wait until other processes use < C cores (a shared machine), default 0: off
  --quiet-wait S       ... for at most S seconds per trial (default 120)
  --max-minutes M      overall time limit, then stop and report what was measured (default 60; smoke 2)
  --out FILE           JSON results (default bench/results/<date>.json)
  --hydra-main FILE    the hydra entry point to test (default: this build's dist/src/cli/main.js)
  --hydra-arg ARG      extra argument for hydra, repeatable (e.g. --hydra-arg=-P --hydra-arg=2)
  --node-arg ARG       extra node flag for the hydra process, before its script, repeatable
                       (e.g. --node-arg=--cpu-prof --node-arg=--cpu-prof-dir=/tmp/prof)
  --data-root DIR      where the servers' temporary data directories go (default ${tmpdir()})
  --keep               keep the servers' data directories`;

export class UsageError extends Error {}

export function parseOptions(argv: string[]): BenchOptions {
  const smoke = argv.includes('--smoke');
  const o: BenchOptions = {
    smoke,
    runs: smoke ? 1 : 3,
    servers: undefined,
    phases: smoke ? ['fixed', 'pool8', 'pg-fixed'] : ['search', 'fixed', 'pool8', 'pg-search', 'pg-fixed', 'million'],
    phasesGiven: false,
    pgServers: smoke ? [1] : [1, 3],
    pgKea: smoke ? ['st'] : ['st', 'mt'],
    pgLow: 250,
    pgHigh: 24_000,
    pgSteps: 7,
    pgFixedRate: smoke ? 200 : 1000,
    pgClaimSeconds: 6,
    pgSettleSeconds: 40,
    clients: smoke ? 2000 : 50_000,
    seconds: smoke ? 3 : 5,
    low: 2000,
    high: 46_000,
    steps: 6,
    lossLimitPct: 2.5,
    fixedRate: smoke ? 500 : 10_000,
    pool8Rate: smoke ? 500 : 5000,
    pool8Seconds: smoke ? 1 : 3,
    smokeMaxLossPct: 5,
    maxMinutes: smoke ? 2 : 60,
    quietCores: 0,
    quietWaitSeconds: 120,
    out: undefined,
    hydraMain: undefined,
    hydraArgs: [],
    nodeArgs: [],
    millionClients: 1_000_000,
    millionRate: 20_000,
    millionSegmentSeconds: 10,
    millionMaxSegments: 8,
    millionServers: ['hydra'],
    dataRoot: tmpdir(),
    keep: false,
  };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i]!;
    let value: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    const take = (): string => {
      if (value !== undefined) return value;
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    const num = (min: number): number => {
      const text = take();
      const n = Number(text);
      if (!Number.isFinite(n) || n < min) throw new UsageError(`${arg}: expected a number ≥ ${min}, got '${text}'`);
      return n;
    };
    const int = (min: number): number => {
      const n = num(min);
      if (!Number.isInteger(n)) throw new UsageError(`${arg}: expected a whole number, got ${n}`);
      return n;
    };
    switch (arg) {
      case '--smoke': break;
      case '--runs': o.runs = int(1); break;
      case '--servers': o.servers = list(take(), ALL_SERVERS, arg); break;
      case '--phases':
        o.phases = [...new Set(list(take(), [...ALL_PHASES, 'pg'] as const, arg).flatMap((p) => (p === 'pg' ? (['pg-search', 'pg-fixed'] as const) : [p])))];
        o.phasesGiven = true;
        break;
      case '--pg-servers': {
        const v = take();
        o.pgServers = v === 'none' ? [] : list(v, ['1', '2', '3', '4', '5', '6', '7', '8', '9'] as const, arg).map(Number);
        break;
      }
      case '--pg-kea': {
        const v = take();
        o.pgKea = v === 'none' ? [] : list(v, ['st', 'mt'] as const, arg);
        break;
      }
      case '--pg-low': o.pgLow = int(1); break;
      case '--pg-high': o.pgHigh = int(2); break;
      case '--pg-steps': o.pgSteps = int(1); break;
      case '--pg-fixed-rate': o.pgFixedRate = int(1); break;
      case '--pg-claim-seconds': o.pgClaimSeconds = int(3); break;
      case '--pg-settle': o.pgSettleSeconds = int(1); break;
      case '--clients': o.clients = int(1); break;
      case '--seconds': o.seconds = int(1); break;
      case '--low': o.low = int(1); break;
      case '--high': o.high = int(2); break;
      case '--steps': o.steps = int(1); break;
      case '--loss-limit': o.lossLimitPct = num(0); break;
      case '--fixed-rate': o.fixedRate = int(1); break;
      case '--pool8-rate': o.pool8Rate = int(1); break;
      case '--pool8-seconds': o.pool8Seconds = int(1); break;
      case '--smoke-max-loss': o.smokeMaxLossPct = num(0); break;
      case '--max-minutes': o.maxMinutes = num(0.1); break;
      case '--quiet': o.quietCores = num(0); break;
      case '--quiet-wait': o.quietWaitSeconds = int(1); break;
      case '--out': o.out = take(); break;
      case '--hydra-main': o.hydraMain = take(); break;
      case '--hydra-arg': o.hydraArgs.push(take()); break;
      case '--node-arg': o.nodeArgs.push(take()); break;
      case '--million-clients': o.millionClients = int(1); break;
      case '--million-rate': o.millionRate = int(1); break;
      case '--million-segment-seconds': o.millionSegmentSeconds = int(1); break;
      case '--million-max-segments': o.millionMaxSegments = int(1); break;
      case '--million-servers': o.millionServers = [...new Set(list(take(), ALL_SERVERS, arg))]; break;
      case '--data-root': o.dataRoot = take(); break;
      case '--keep': o.keep = true; break;
      case '-h': case '--help': throw new UsageError('');
      default: throw new UsageError(`unknown option ${arg}`);
    }
  }
  if (o.high <= o.low) throw new UsageError(`--high (${o.high}) must be above --low (${o.low})`);
  if (o.pgHigh <= o.pgLow) throw new UsageError(`--pg-high (${o.pgHigh}) must be above --pg-low (${o.pgLow})`);
  if (o.millionMaxSegments > MAX_MILLION_SEGMENTS) throw new UsageError(`--million-max-segments: at most ${MAX_MILLION_SEGMENTS} (one MAC base each)`);
  return o;
}

/** Each segment gets its own MAC base octet (million.ts segmentMacBase). */
export const MAX_MILLION_SEGMENTS = 200;

function list<T extends string>(text: string, allowed: readonly T[], flag: string): T[] {
  const items = text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  for (const item of items) if (!allowed.includes(item as T)) throw new UsageError(`${flag}: unknown '${item}' (one of ${allowed.join(', ')})`);
  if (items.length === 0) throw new UsageError(`${flag}: empty list`);
  return items as T[];
}
