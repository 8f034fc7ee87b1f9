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
import { type BenchOptions, type Phase, parseOptions, USAGE, UsageError } from './options.js';
import { RateSearch } from './rate-search.js';
import { buildRcvbufShim } from './rcvbuf-shim.js';
import { formatSummary, ratios, summarize, type TrialRecord } from './report.js';
import { DEFAULT_HYDRA_MAIN, findCommand, hydraServer, keaServer, type ServerUnderTest } from './servers.js';
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
  const kea = findCommand('kea-dhcp4');
  const wanted = o.servers ?? (kea ? ['hydra', 'kea-st', 'kea-mt'] : ['hydra']);
  if (!kea && wanted.some((s) => s.startsWith('kea'))) throw new UsageError('--servers names Kea but kea-dhcp4 is not installed');
  return wanted.map((name) =>
    name === 'hydra' ? hydraServer(resolve(o.hydraMain ?? DEFAULT_HYDRA_MAIN), o.hydraArgs) : keaServer(kea!, name === 'kea-mt'),
  );
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
  if (r.passed !== undefined) line += r.passed ? ' (pass)' : ' (fail)';
  return line;
}

async function measureAll(o: BenchOptions, servers: ServerUnderTest[], ctx: TrialContext, deadline: number): Promise<{ records: TrialRecord[]; complete: boolean }> {
  const records: TrialRecord[] = [];
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
  for (let run = 1; run <= o.runs; run++) {
    const order = rotate(servers, run - 1);
    if (o.phases.includes('search')) {
      const searches = new Map(order.map((s) => [s.name, new RateSearch({ low: o.low, high: o.high, steps: o.steps, quantum: 250 })]));
      // Step by step, servers interleaved, so a noisy minute hits all of them alike.
      for (let step = 0; step < o.steps; step++) {
        for (const server of order) {
          const search = searches.get(server.name)!;
          const rate = search.next();
          if (rate === undefined) continue;
          const spec: TrialSpec = { pool: '/16', rate, clients: o.clients, seconds: o.seconds, timestamps: false };
          let rec = await trial(run, 'search', server, spec, step);
          if (!rec) continue;
          rec.passed = rec.result !== undefined && rec.result.lossPct <= o.lossLimitPct;
          log(describe(rec));
          // With --quiet, a step that failed while others were busy is measured once more:
          // one noisy trial would otherwise send the bisection the wrong way for good.
          if (!rec.passed && rec.result && o.quietCores > 0 && rec.result.foreignCores >= o.quietCores) {
            const again = await trial(run, 'search', server, spec, step);
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
  }
  return { records, complete };
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
  for (const r of records.filter((x) => x.server === 'hydra' && x.phase === 'fixed')) {
    if (!r.result) continue;
    if (r.result.acksReceived === 0) problems.push('hydra completed no exchanges');
    else if (r.result.lossPct > o.smokeMaxLossPct) problems.push(`hydra lost ${r.result.lossPct.toFixed(2)} % of exchanges at ${o.fixedRate}/s (limit ${o.smokeMaxLossPct} %)`);
  }
  if (!records.some((r) => r.server === 'hydra' && r.phase === 'fixed' && r.result)) problems.push('no Hydra fixed-rate result');
  return problems;
}

async function main(): Promise<number> {
  let o: BenchOptions;
  let servers: ServerUnderTest[];
  try {
    o = parseOptions(process.argv.slice(2));
    servers = chooseServers(o);
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
  let measured: { records: TrialRecord[]; complete: boolean };
  let shimProblem: string | undefined;
  if (!o.keep) lab.removeOnCleanup(tmp);
  try {
    const shim = await buildRcvbufShim(tmp);
    shimProblem = shim.problem;
    if (shim.problem) log(`bench: ${shim.problem}`);
    await lab.create();
    log(`bench: ${o.smoke ? 'smoke' : 'full'} mode, servers ${servers.map((s) => s.name).join(', ')}, ${o.runs} run(s), phases ${o.phases.join(', ')}`);
    measured = await measureAll(o, servers, { lab, dataRoot: tmp, preload: shim.path, keepFiles: o.keep }, deadline);
  } finally {
    await lab.cleanup();
  }
  const names = servers.map((s) => s.name);
  const summaries = summarize(measured.records, names);
  const labels = { lossLimitPct: o.lossLimitPct, fixedRate: o.fixedRate, pool8Rate: o.pool8Rate };
  const out = o.out ?? defaultOut(o.smoke, started);
  const date = new Date(started).toISOString();
  const info = machine(o.dataRoot);
  process.stdout.write(`\nHydra benchmark ${date} on ${String(info.cpu)} × ${String(info.cores)}, ${o.runs} run(s), medians; ${String(info.kea ? `Kea ${String(info.kea)}` : 'no Kea')}\n\n`);
  process.stdout.write(formatSummary(summaries, labels) + '\n');
  if (!measured.complete) process.stdout.write(`\nINCOMPLETE: the ${o.maxMinutes}-minute limit stopped the run early\n`);
  const problems = o.smoke ? smokeProblems(o, measured.records) : measured.records.filter((r) => r.error).map((r) => `${r.server} ${r.phase} run ${r.run}: ${r.error}`);
  await writeResults(out, {
    date,
    seconds: (Date.now() - started) / 1000,
    command: process.argv.slice(1).join(' '),
    machine: info,
    options: o,
    servers: servers.map((s) => ({ name: s.name, description: s.description })),
    rcvbufShim: shimProblem ?? 'LD_PRELOAD, SO_RCVBUFFORCE 8 MiB',
    complete: measured.complete,
    summary: summaries,
    ratios: ratios(summaries),
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
