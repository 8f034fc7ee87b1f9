import { resolve } from 'node:path';
import type { ServeOptions } from '../cli/args.js';
import { loadConfig } from '../config/load-config.js';
import { DhcpEngine, LeaseTable } from '../engine/engine.js';
import { openEmbeddedStore } from '../leases/embedded-store.js';
import { StoreError } from '../leases/lease-store.js';
import { DhcpTransport } from '../net/transport.js';
import { formatIpv4 } from '../protocol/ipv4.js';
import { CommitHealth, reportDropped } from './commit-health.js';
import { Counters } from './counters.js';
import { DurableCommits } from './durable-commits.js';
import type { Logger } from './logger.js';
import { servePacket } from './packet-pipeline.js';

/** Expired leases are reclaimed this often, at most this many per pass, so no pass stalls serving. */
const RECLAIM_INTERVAL_MS = 1000;
const RECLAIM_BATCH = 10_000;

export interface RunningServer {
  readonly engine: DhcpEngine;
  readonly transport: DhcpTransport;
  readonly counters: Counters;
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
export async function startServer(opts: ServeOptions, log: Logger): Promise<RunningServer> {
  const config = loadConfig({ configFile: opts.configFile, poolDir: opts.poolDir });
  if (opts.cores !== undefined && opts.cores > 1) {
    log.log('warn', 'Hydra mode (-P > 1) is not available yet; serving with one worker', { cores: opts.cores });
  }
  // The leases come back before any socket opens: a client must never be answered from an
  // empty table while its lease is still on disk.
  const store = await openEmbeddedStore({
    dataDir: resolve(opts.dataDir),
    compactAfterRecords: compactAfterFromEnv(),
    log: (level, msg, fields) => log.log(level, msg, fields),
  });
  let transport: DhcpTransport;
  let engine: DhcpEngine;
  let commits: DurableCommits;
  try {
    const loaded = await store.load();
    reportDropped(log, loaded.dropped);
    engine = new DhcpEngine(config, new LeaseTable(loaded.leases));
    commits = new DurableCommits(store, engine.leases);
    transport = await DhcpTransport.open({
      port: opts.port,
      iface: opts.iface,
      address: opts.bindAddress,
      log: (msg) => log.log('warn', msg),
    });
  } catch (e) {
    await store.close();
    throw e;
  }
  const counters = new Counters();
  const health = new CommitHealth(log);
  const deps = {
    engine, transport, counters, log, commits, serverId: opts.serverId, clock,
    onCommitFailure: (e: unknown) => health.failed(e),
  };
  transport.onPacket((data, from, iface) => {
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

  log.log('info', 'serving', {
    port: transport.port,
    mode: transport.mode,
    interfaces: transport.interfaces().map((i) => `${i.name}=${formatIpv4(i.address)}/${i.prefixLength}`).join(','),
    subnets: config.subnets.length,
    config: config.source,
    fallback: transport.unavailableReason ?? undefined,
  });

  return {
    engine,
    transport,
    counters,
    async stop() {
      clearInterval(reclaim);
      await transport.close();
      await store.close();
    },
  };
}
