// `npm run bench` / `npm run bench:smoke`: Hydra against Kea 2.2 (when installed) with ISC's
// perfdhcp, in private network namespaces. See bench/README.md for what is measured and how.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { cpus, hostname, release, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchLab, sleep } from './lab.js';
import { ForeignLoad } from './proc-stats.js';
import { BenchDatabase, postgresUnavailable } from './database.js';
import { type BenchOptions, type Phase, parseOptions, USAGE, UsageError } from './options.js';
import { runMillion } from './million.js';
import { formatMillion, type MillionRun, verdictLine } from './million-report.js';
import { RateSearch } from './rate-search.js';
import { buildRcvbufShim } from './rcvbuf-shim.js';
import { formatPgSummary, formatSummary, PG_PHASES, pgRatios, ratios, summarize, type TrialRecord } from './report.js';
import { DEFAULT_HYDRA_MAIN, findCommand, hydraPgServer, hydraServer, keaServer, POOLS, type PoolVariant, type ServerUnderTest } from './servers.js';
import { runTrial, type TrialContext, type TrialSpec } from './trial.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function log(line: string): void {
  process.stderr.write(line + '\n');
}

/** Why the benchmark cannot run here, or undefined. */
function missingPrerequisite(): string | undefined {
  if (process.platform !== 'linux') return 'needs Linux (network namespaces)';
  if (process.getuid?.() !== 0) return 'needs root (it creates network namespaces)';
  if (!findCommand('ip')) return 'needs `ip` (iproute2)';
  if (!findCommand('perfdhcp')) return 'needs perfdhcp (Debian package kea-admin)';
  return undefined;
}

function chooseServers(o: BenchOptions): ServerUnderTest[] {
  if (!o.phases.some((p) => p === 'search' || p === 'fixed' || p === 'pool8')) return [];
  const kea = findCommand('kea-dhcp4');
  const wanted = o.servers ?? (kea ? ['hydra', 'kea-st', 'kea-mt'] : ['hydra']);
  if (!kea && wanted.some((s) => s.startsWith('kea'))) throw new UsageError('--servers names Kea but kea-dhcp4 is not installed');
  return wanted.map((name) =>
    name === 'hydra' ? hydraServer(resolve(o.hydraMain ?? DEFAULT_HYDRA_MAIN), o.hydraArgs, o.nodeArgs) : keaServer(kea!, name === 'kea-mt'),
  );
}

/** Phase million's servers: Hydra by default, Kea only when --million-servers names it. */
function chooseMillionServers(o: BenchOptions): ServerUnderTest[] {
  if (!o.phases.includes('million')) return [];
  const kea = findCommand('kea-dhcp4');
  if (!kea && o.millionServers.some((s) => s.startsWith('kea'))) throw new UsageError('--million-servers names Kea but kea-dhcp4 is not installed');
  return o.millionServers.map((name) =>
    name === 'hydra' ? hydraServer(resolve(o.hydraMain ?? DEFAULT_HYDRA_MAIN), o.hydraArgs, o.nodeArgs) : keaServer(kea!, name === 'kea-mt'),
  );
}

const hasPgPhase = (o: BenchOptions): boolean => o.phases.some((p) => p.startsWith('pg-'));

/**
 * Without --phases the database trials run when PostgreSQL 15 is installed; with them asked for
 * and no PostgreSQL, that is a usage error rather than a silent skip.
 */
function resolvePgPhases(o: BenchOptions): string | undefined {
  const why = postgresUnavailable();
  if (!why || !hasPgPhase(o)) return undefined;
  if (o.phasesGiven) throw new UsageError(`--phases asks for the PostgreSQL trials, but ${why}`);
  o.phases = o.phases.filter((p) => !p.startsWith('pg-'));
  return why;
}

/** The database trials' servers: Hydra with 1..N servers on one database, Kea with its PostgreSQL backend. */
function choosePgServers(o: BenchOptions, db: BenchDatabase): ServerUnderTest[] {
  const main = resolve(o.hydraMain ?? DEFAULT_HYDRA_MAIN);
  const servers = o.pgServers.map((n) =>
    hydraPgServer({ main, extraArgs: o.hydraArgs, nodeArgs: o.nodeArgs, db, servers: n, claimSeconds: o.pgClaimSeconds, settleSeconds: o.pgSettleSeconds }),
  );
  const kea = findCommand('kea-dhcp4');
  if (kea && db.keaTemplate) for (const mode of o.pgKea) servers.push(keaServer(kea, mode === 'mt', db));
  return servers;
}

function versionOf(cmd: string, args: string[]): string | undefined {
  try {
    return execFileSync(cmd, args, { timeout: 5000, stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim().split('\n')[0];
  } catch {
    return undefined;
  }
}

function machine(dataRoot: string): Record<string, unknown> {
  return {
    hostname: hostname(),
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    kea: versionOf('kea-dhcp4', ['-v']),
    perfdhcp: versionOf('perfdhcp', ['-v']),
    dataRootFs: versionOf('stat', ['-f', '-c', '%T', dataRoot]),
    hydraCommit: versionOf('git', ['-C', REPO_ROOT, 'describe', '--always', '--dirty']),
  };
}

/** Rotates the server order each run so no server always goes first. */
function rotate<T>(items: T[], by: number): T[] {
  const k = by % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

function describe(r: TrialRecord): string {
  const head = `[run ${r.run} ${r.phase}${r.step !== undefined ? ` ${r.step + 1}` : ''}] ${r.server.padEnd(6)}`;
  if (!r.result) return `${head} FAILED: ${r.error?.split('\n').slice(0, 6).join('\n    ')}`;
  const t = r.result;
  let line = `${head} ${t.pool} -r ${t.rate}: ${Math.round(t.completedPerSec)}/s done, lost ${t.lossPct.toFixed(2)} %` +
    `, CPU ${t.cpuPerExchangeUs.toFixed(1)} µs/exch, ready ${Math.round(t.readyMs)} ms, peak RSS ${Math.round(t.peakRssMiB)} MiB`;
  line += `, others ${t.foreignCores.toFixed(2)} cores`;
  if (t.latency) line += `, ACK p50/p99 ${t.latency.requestAckP50Ms.toFixed(2)}/${t.latency.requestAckP99Ms.toFixed(2)} ms`;
  if (t.dbCpuPerExchangeUs !== undefined) line += `, PostgreSQL CPU ${t.dbCpuPerExchangeUs.toFixed(1)} µs/exch`;
  if (t.settledMs !== undefined) line += `, blocks shared after ${Math.round(t.settledMs)} ms`;
  if (t.leaseCheck) {
    const c = t.leaseCheck;
    line += `, leases ${JSON.stringify(c.rowsByState)}${c.rowsByWriter ? ` by ${JSON.stringify(c.rowsByWriter)}` : ''}, addresses with 2 clients ${c.addressesWithTwoClients}, clients with 2 leases ${c.clientsWithTwoLeases}`;
  }
  if (r.passed !== undefined) line += r.passed ? ' (pass)' : ' (fail)';
  return line;
}

interface Measured {
  records: TrialRecord[];
  million: MillionRun[];
  complete: boolean;
}

async function measureAll(o: BenchOptions, servers: ServerUnderTest[], pgServers: ServerUnderTest[], millionServers: ServerUnderTest[], ctx: TrialContext, deadline: number): Promise<Measured> {
  const records: TrialRecord[] = [];
  const million: MillionRun[] = [];
  let complete = true;
  const trial = async (run: number, phase: Phase, server: ServerUnderTest, spec: TrialSpec, step?: number): Promise<TrialRecord | undefined> => {
    if (Date.now() > deadline || ctx.lab.interrupted) {
      complete = false;
      return undefined;
    }
    const record: TrialRecord = { run, phase, server: server.name, step };
    if (o.quietCores > 0) record.quietWaitSeconds = await waitForQuiet(o.quietCores, Math.min(o.quietWaitSeconds, (deadline - Date.now()) / 1000));
    try {
      record.result = await runTrial(ctx, server, spec);
    } catch (e) {
      record.error = (e as Error).message;
    }
    records.push(record);
    return record;
  };
  const search = async (run: number, phase: Phase, order: ServerUnderTest[], pool: PoolVariant, low: number, high: number, steps: number): Promise<void> => {
    {
      const searches = new Map(order.map((s) => [s.name, new RateSearch({ low, high, steps, quantum: 250 })]));
      // Step by step, servers interleaved, so a noisy minute hits all of them alike.
      for (let step = 0; step < steps; step++) {
        for (const server of order) {
          const search = searches.get(server.name)!;
          const rate = search.next();
          if (rate === undefined) continue;
          const spec: TrialSpec = { pool, rate, clients: o.clients, seconds: o.seconds, timestamps: false };
          let rec = await trial(run, phase, server, spec, step);
          if (!rec) continue;
          rec.passed = rec.result !== undefined && rec.result.lossPct <= o.lossLimitPct;
          log(describe(rec));
          // With --quiet, a step that failed while others were busy is measured once more:
          // one noisy trial would otherwise send the bisection the wrong way for good.
          if (!rec.passed && rec.result && o.quietCores > 0 && rec.result.foreignCores >= o.quietCores) {
            const again = await trial(run, phase, server, spec, step);
            if (again) {
              again.passed = again.result !== undefined && again.result.lossPct <= o.lossLimitPct;
              log(describe(again) + ' (repeated: the first was noisy)');
              rec = again;
            }
          }
          search.record(rate, rec.passed!);
        }
      }
    }
  };
  for (let run = 1; run <= o.runs; run++) {
    const order = rotate(servers, run - 1);
    const pgOrder = pgServers.length > 0 ? rotate(pgServers, run - 1) : [];
    if (o.phases.includes('search')) await search(run, 'search', order, '/16', o.low, o.high, o.steps);
    if (o.phases.includes('pg-search')) await search(run, 'pg-search', pgOrder, '/16b', o.pgLow, o.pgHigh, o.pgSteps);
    if (o.phases.includes('pg-fixed')) {
      for (const server of pgOrder) {
        const rec = await trial(run, 'pg-fixed', server, { pool: '/16b', rate: o.pgFixedRate, clients: o.clients, seconds: o.seconds, timestamps: true });
        if (rec) log(describe(rec));
      }
    }
    if (o.phases.includes('fixed')) {
      for (const server of order) {
        const rec = await trial(run, 'fixed', server, { pool: '/16', rate: o.fixedRate, clients: o.clients, seconds: o.seconds, timestamps: true });
        if (rec) log(describe(rec));
      }
    }
    if (o.phases.includes('pool8')) {
      for (const server of order) {
        const rec = await trial(run, 'pool8', server, { pool: '/8', rate: o.pool8Rate, clients: o.clients, seconds: o.pool8Seconds, timestamps: false });
        if (rec) log(describe(rec));
      }
    }
    if (o.phases.includes('million')) {
      for (const server of rotate(millionServers, run - 1)) {
        if (Date.now() > deadline || ctx.lab.interrupted) {
          complete = false;
          break;
        }
        const spec = { run, targetAcks: o.millionClients, rate: o.millionRate, segmentSeconds: o.millionSegmentSeconds, maxSegments: o.millionMaxSegments, lossLimitPct: o.lossLimitPct, deadline, log };
        const m = await runMillion(ctx, server, spec);
        million.push(m);
        // The table goes to stdout at the end; here only how it ended.
        if (m.verdict) log(verdictLine(m.server, m.verdict));
        if (m.error) log(`${m.server} million run ${run}: ${m.error.split('\n').slice(0, 6).join('\n    ')}`);
      }
    }
  }
  return { records, million, complete };
}

/** Waits until other processes use fewer than `cores` cores over a 1 s sample; returns seconds waited. */
async function waitForQuiet(cores: number, maxSeconds: number): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    const load = new ForeignLoad();
    await sleep(1000);
    const busy = load.cores();
    if (busy < cores || Date.now() - t0 >= maxSeconds * 1000) return (Date.now() - t0) / 1000;
  }
}

function fmtInt(n: number): string {
  return n.toLocaleString('en-US');
}

function defaultOut(smoke: boolean, started: number): string {
  const stamp = new Date(started).toISOString().replace(/:/g, '-').replace(/\..*$/, '');
  return join(REPO_ROOT, 'bench', 'results', `${smoke ? 'smoke-' : ''}${stamp}.json`);
}

async function writeResults(path: string, data: unknown): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  // Results are not committed (the README's table is the record): the directory ignores itself.
  if (dir === join(REPO_ROOT, 'bench', 'results') && !existsSync(join(dir, '.gitignore'))) await writeFile(join(dir, '.gitignore'), '*\n');
  await writeFile(path, JSON.stringify(data, null, 2) + '\n');
}

/** Smoke verdict: Hydra must complete exchanges at the low fixed rate and lose few of them. */
function smokeProblems(o: BenchOptions, records: TrialRecord[]): string[] {
  const problems = records.filter((r) => r.error).map((r) => `${r.server} ${r.phase} run ${r.run} failed: ${r.error!.split('\n')[0]}`);
  const checks: [Phase, number][] = [];
  if (o.phases.includes('fixed')) checks.push(['fixed', o.fixedRate]);
  if (o.phases.includes('pg-fixed')) checks.push(['pg-fixed', o.pgFixedRate]);
  for (const [phase, rate] of checks) {
    const hydras = records.filter((x) => x.server.startsWith('hydra') && x.phase === phase);
    for (const r of hydras) {
      if (!r.result) continue;
      if (r.result.acksReceived === 0) problems.push(`${r.server} completed no exchanges (${phase})`);
      else if (r.result.lossPct > o.smokeMaxLossPct) problems.push(`${r.server} lost ${r.result.lossPct.toFixed(2)} % of exchanges at ${rate}/s (${phase}, limit ${o.smokeMaxLossPct} %)`);
    }
    if (!hydras.some((r) => r.result)) problems.push(`no Hydra ${phase} result`);
  }
  return problems.concat(leaseProblems(records));
}

/** Every run: an address held by two clients in the database is a failure, whatever else. */
function leaseProblems(records: TrialRecord[]): string[] {
  return records
    .filter((r) => (r.result?.leaseCheck?.addressesWithTwoClients ?? 0) > 0)
    .map((r) => `${r.server} ${r.phase} run ${r.run}: ${r.result!.leaseCheck!.addressesWithTwoClients} addresses held by two clients in the database`);
}

async function main(): Promise<number> {
  let o: BenchOptions;
  let servers: ServerUnderTest[];
  let millionServers: ServerUnderTest[];
  let pgSkipped: string | undefined;
  try {
    o = parseOptions(process.argv.slice(2));
    pgSkipped = resolvePgPhases(o);
    servers = chooseServers(o);
    millionServers = chooseMillionServers(o);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    if (e.message) log(`bench: ${e.message}`);
    log(USAGE);
    return 2;
  }
  const missing = missingPrerequisite();
  if (missing) {
    log(`bench: ${missing}`);
    return 2;
  }
  const started = Date.now();
  const deadline = started + o.maxMinutes * 60_000;
  // Hard stop a little after the soft deadline, in case a step hangs past its own limits.
  setTimeout(() => {
    log('bench: overall time limit exceeded, aborting');
    process.exit(1);
  }, o.maxMinutes * 60_000 + 90_000).unref();

  const lab = new BenchLab();
  const tmp = await mkdtemp(join(o.dataRoot, 'hydra-bench-'));
  let measured: Measured;
  let shimProblem: string | undefined;
  let pgServers: ServerUnderTest[] = [];
  let pgSettings: Record<string, string> | undefined;
  if (!o.keep) lab.removeOnCleanup(tmp);
  if (pgSkipped) log(`bench: no PostgreSQL trials: ${pgSkipped}`);
  try {
    const shim = await buildRcvbufShim(tmp);
    shimProblem = shim.problem;
    if (shim.problem) log(`bench: ${shim.problem}`);
    await lab.create(hasPgPhase(o) ? Math.max(1, ...o.pgServers) : 1);
    if (hasPgPhase(o)) {
      const kea = findCommand('kea-dhcp4');
      const keaAdmin = kea && o.pgKea.length > 0 ? findCommand('kea-admin') : undefined;
      const db = BenchDatabase.start(keaAdmin);
      lab.atCleanup(() => db.destroy());
      pgSettings = db.settings();
      pgServers = choosePgServers(o, db);
      log(`bench: PostgreSQL ${pgSettings.server_version} (fsync ${pgSettings.fsync}, synchronous_commit ${pgSettings.synchronous_commit}), database servers ${pgServers.map((s) => s.name).join(', ')}`);
    }
    const serverList = [
      ...(servers.length + pgServers.length > 0 ? [`servers ${[...servers, ...pgServers].map((s) => s.name).join(', ')}`] : []),
      ...(millionServers.length > 0 ? [`million: ${millionServers.map((s) => s.name).join(', ')}`] : []),
    ].join(', ');
    log(`bench: ${o.smoke ? 'smoke' : 'full'} mode, ${serverList}, ${o.runs} run(s), phases ${o.phases.join(', ')}`);
    measured = await measureAll(o, servers, pgServers, millionServers, { lab, dataRoot: tmp, preload: shim.path, keepFiles: o.keep }, deadline);
  } finally {
    await lab.cleanup();
  }
  const names = servers.map((s) => s.name);
  const summaries = summarize(measured.records, names);
  const pgSummaries = summarize(measured.records, pgServers.map((s) => s.name), PG_PHASES);
  const labels = { lossLimitPct: o.lossLimitPct, fixedRate: o.fixedRate, pool8Rate: o.pool8Rate };
  const out = o.out ?? defaultOut(o.smoke, started);
  const date = new Date(started).toISOString();
  const info = machine(o.dataRoot);
  process.stdout.write(`\nHydra benchmark ${date} on ${String(info.cpu)} × ${String(info.cores)}, ${o.runs} run(s), medians; ${String(info.kea ? `Kea ${String(info.kea)}` : 'no Kea')}\n\n`);
  if (summaries.length > 0) process.stdout.write(formatSummary(summaries, labels) + '\n');
  if (pgSummaries.length > 0) {
    const s = pgSettings!;
    process.stdout.write(`\nOne local PostgreSQL ${s.server_version} (fsync ${s.fsync}, synchronous_commit ${s.synchronous_commit}, wal_sync_method ${s.wal_sync_method}); pool ${POOLS['/16b'].ranges.map((r) => r.join('–')).join(', ')}\n\n`);
    process.stdout.write(formatPgSummary(pgSummaries, { lossLimitPct: o.lossLimitPct, fixedRate: o.pgFixedRate }) + '\n');
  }
  if (measured.million.length > 0) {
    process.stdout.write(`\n1,000,000 clients (phase million): ${fmtInt(o.millionClients)} ACKs wanted, new clients only, the server up throughout\n`);
    for (const m of measured.million) process.stdout.write('\n' + formatMillion(m) + '\n');
  }
  if (!measured.complete) process.stdout.write(`\nINCOMPLETE: the ${o.maxMinutes}-minute limit stopped the run early\n`);
  const problems = (o.smoke
    ? smokeProblems(o, measured.records)
    : measured.records.filter((r) => r.error).map((r) => `${r.server} ${r.phase} run ${r.run}: ${r.error}`).concat(leaseProblems(measured.records))
  ).concat(measured.million.filter((m) => m.error).map((m) => `${m.server} million run ${m.run}: ${m.error}`));
  await writeResults(out, {
    date,
    seconds: (Date.now() - started) / 1000,
    command: process.argv.slice(1).join(' '),
    machine: info,
    options: o,
    servers: [...servers, ...pgServers, ...millionServers.filter((m) => !servers.some((s) => s.name === m.name))].map((s) => ({ name: s.name, description: s.description })),
    postgres: pgSettings ?? pgSkipped ?? null,
    rcvbufShim: shimProblem ?? 'LD_PRELOAD, SO_RCVBUFFORCE 8 MiB',
    complete: measured.complete,
    summary: summaries,
    ratios: ratios(summaries),
    pgSummary: pgSummaries,
    pgRatios: pgRatios(pgSummaries),
    million: measured.million,
    problems,
    trials: measured.records,
  });
  process.stdout.write(`\nresults: ${out}\n`);
  for (const p of problems) log(`bench: ${p}`);
  return problems.length > 0 || !measured.complete ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    log(`bench: ${(e as Error).stack ?? String(e)}`);
    process.exit(1);
  },
);
