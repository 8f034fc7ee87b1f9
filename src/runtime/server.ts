import { resolve } from 'node:path';
import type { ServeOptions } from '../cli/args.js';
import { loadConfig } from '../config/load-config.js';
import { DhcpEngine, LeaseTable } from '../engine/engine.js';
import { LeaseConflict, StoreError } from '../leases/lease-store.js';
import { DhcpTransport } from '../net/transport.js';
import { ServerMetrics } from '../control/metrics.js';
import { metricsRoute } from '../control/metrics-route.js';
import { ServerStatistics } from '../control/statistics.js';
import { LeaseGauges } from '../control/statistics-leases.js';
import { formatIpv4 } from '../protocol/ipv4.js';
import { CommitHealth, reportDropped } from './commit-health.js';
import { Counters } from './counters.js';
import { DurableCommits } from './durable-commits.js';
import type { Logger } from './logger.js';
import { servePacket } from './packet-pipeline.js';
import { ConfigReloader, reloadOnSighup } from './reload.js';
import { openControlApi } from './control-api.js';
import { LocalControl } from './local-control.js';
import { shardConfig } from './shard-config.js';
import { prepareLayout, readLayout, shardDir } from './shard-layout.js';
import { openStore } from './store-setup.js';
import { DEFAULT_WARM_UP_EXCHANGES, warmUp, type WarmUpResult } from './warm-up.js';

/** Hydra mode: this process is worker `index` of `count`, on the reuseport socket `fd` its supervisor made. */
export interface WorkerSeat {
  index: number;
  count: number;
  fd: number;
}

/** Expired leases are reclaimed this often, at most this many per pass, so no pass stalls serving. */
const RECLAIM_INTERVAL_MS = 1000;
const RECLAIM_BATCH = 10_000;

export interface RunningServer {
  readonly engine: DhcpEngine;
  readonly transport: DhcpTransport;
  readonly counters: Counters;
  /** The management seam (the API calls it; SIGHUP reload can call control.reloadConfig()). */
  readonly control: LocalControl;
  /** Kea-named statistics (statistic-get-all shape: statistics.snapshot()), pool usage. */
  readonly statistics: ServerStatistics;
  /** Prometheus metrics: metrics.metricsText(), served as GET /metrics on the API listener. */
  readonly metrics: ServerMetrics;
  /** Reload without restart (SIGHUP). */
  readonly reloader: ConfigReloader;
  stop(): Promise<void>;
}

const clock = (): number => Date.now() / 1000;

/**
 * HYDRA_COMPACT_AFTER: compact the lease log after this many superseded records (default: the
 * live count, at least 100,000). A tuning knob, and how the crash test makes kills land
 * during compaction.
 */
function compactAfterFromEnv(): number | undefined {
  const text = process.env.HYDRA_COMPACT_AFTER;
  if (text === undefined || text === '') return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1) {
    throw new StoreError(`HYDRA_COMPACT_AFTER: expected a whole number of records above 0, got '${text}'`);
  }
  return Number(text);
}

/**
 * Starts one server: configuration first (a bad one stops us before any socket opens), then the
 * engine, then the sockets. Throws ConfigError / TransportError for the caller to print.
 */
export async function startServer(opts: ServeOptions, log: Logger, seat?: WorkerSeat): Promise<RunningServer> {
  let config = loadConfig({ configFile: opts.configFile, poolDir: opts.poolDir });
  let dataDir = opts.dataDir;
  const shared = config.store?.kind === 'postgres';
  if (shared && seat) {
    // Each worker would need its own server name and claims; not built yet (see README).
    throw new StoreError(`${config.source}: store type postgres does not run in Hydra mode yet: use -P 1 (run several servers instead)`);
  }
  if (seat) {
    // The supervisor prepared the layout; this worker serves its share of it.
    const layout = await readLayout(opts.dataDir);
    if (!layout || layout.workers !== seat.count) throw new StoreError(`${opts.dataDir}: no lease layout for ${seat.count} workers`);
    config = shardConfig(config, seat.index, seat.count, layout.carried);
    dataDir = shardDir(opts.dataDir, seat.index, seat.count);
  } else if (!shared) {
    // A data dir last served by several workers is folded back into one store first.
    await prepareLayout(opts.dataDir, 1, config, log);
  }
  // The leases come back before any socket opens: a client must never be answered from an
  // empty table while its lease is still on disk.
  let metrics: ServerMetrics | undefined;
  const setup = await openStore({ config, dataDir: resolve(dataDir), log, metrics: () => metrics, compactAfterRecords: compactAfterFromEnv() });
  const store = setup.store;
  let transport: DhcpTransport;
  let engine: DhcpEngine;
  let commits: DurableCommits;
  let warmedUp: WarmUpResult = { acks: 0, path: 'off' };
  try {
    const loaded = await store.load();
    reportDropped(log, loaded.dropped);
    engine = new DhcpEngine(config, new LeaseTable(loaded.leases));
    commits = new DurableCommits(store, engine.leases);
    try {
      warmedUp = await warmUp(config, { exchanges: opts.warmUpExchanges ?? DEFAULT_WARM_UP_EXCHANGES });
    } catch (e) {
      // Only a speed-up: a failure here must not keep the server from serving.
      log.log('warn', 'warm-up skipped', { error: String(e) });
    }
    transport = await DhcpTransport.open({
      port: opts.port,
      iface: opts.iface,
      address: opts.bindAddress,
      fd: seat?.fd,
      log: (msg) => log.log('warn', msg),
    });
  } catch (e) {
    await setup.close();
    throw e;
  }
  const counters = new Counters();
  const gauges = new LeaseGauges(engine.leases, () => engine.config);
  const statistics = new ServerStatistics(counters, gauges, () => engine.config);
  metrics = new ServerMetrics(counters, gauges, statistics);
  const health = new CommitHealth(log);
  const deps = {
    engine, transport, counters, log, commits, serverId: opts.serverId, clock,
    replyLatency: metrics.replyLatency,
    verify: store.verify ? (addresses: number[]) => store.verify!(addresses) : undefined,
    // A conflict is another server's client winning the address in the shared database.
    onCommitFailure: (e: unknown) => (e instanceof LeaseConflict ? counters.add('lease-conflicts') : health.failed(e)),
  };
  try {
    await setup.attach(engine, metrics);
  } catch (e) {
    await transport.close();
    await setup.close();
    throw e;
  }
  const control = new LocalControl({
    engine, commits, counters, statistics, log, clock, configFile: opts.configFile, poolDir: opts.poolDir,
    // shutdown over the API takes the same path as SIGTERM.
    exit: () => process.kill(process.pid, 'SIGTERM'),
  });
  const reloader = new ConfigReloader({
    engine, log, clock,
    sources: { configFile: opts.configFile, poolDir: opts.poolDir },
    onResult: (ok, at) => {
      metrics!.reloaded(ok, at);
      if (ok) setup.reconfigure(engine.config).catch((e: unknown) => log.log('warn', 'address blocks not updated after reload', { error: String(e) }));
    },
    reloadVia: () => control.reloadConfig(),
  });
  const stopReloadOnSighup = reloadOnSighup(reloader);
  transport.onPacket((data, from, iface) => {
    // dhcp-disable: packets are dropped (and counted) until dhcp-enable or max-period.
    if (!control.dhcpEnabled) {
      counters.add('pkt4-receive-drop');
      return;
    }
    try {
      servePacket(deps, data, from, iface);
    } catch (e) {
      // A bug must not take the server down with it: count it, log it, keep serving.
      counters.add('pkt4-processing-failed');
      log.log('error', 'packet processing failed', { error: (e as Error).stack ?? String(e) });
    }
  });
  // Reclaiming needs no write: an expired record on disk is expired again when loaded.
  const reclaim = setInterval(() => {
    const changes = engine.reclaimExpired(clock(), RECLAIM_BATCH);
    if (changes.length > 0) counters.add('reclaimed-leases', changes.length);
    health.check(commits.behind);
  }, RECLAIM_INTERVAL_MS);
  reclaim.unref();
  let api;
  try {
    // Workers in Hydra mode leave the API to their supervisor.
    api = seat ? null : await openControlApi(opts.control, control, log, metricsRoute(metrics));
  } catch (e) {
    stopReloadOnSighup();
    clearInterval(reclaim);
    await transport.close();
    await setup.close();
    throw e;
  }

  log.log('info', seat ? 'worker ready' : 'serving', {
    port: transport.port,
    mode: transport.mode,
    interfaces: transport.interfaces().map((i) => `${i.name}=${formatIpv4(i.address)}/${i.prefixLength}`).join(','),
    subnets: config.subnets.length,
    config: config.source,
    fallback: transport.unavailableReason ?? undefined,
    warmUp: `${warmedUp.acks} exchanges ${warmedUp.path}`,
  });

  return {
    engine,
    transport,
    counters,
    control,
    statistics,
    metrics,
    reloader,
    async stop() {
      stopReloadOnSighup();
      gauges.close();
      clearInterval(reclaim);
      control.stopTimers();
      await api?.close();
      await transport.close();
      await setup.close();
    },
  };
}
