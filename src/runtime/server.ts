import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ServeOptions } from '../cli/args.js';
import { loadConfig } from '../config/load-config.js';
import { DhcpEngine } from '../engine/engine.js';
import { DhcpTransport } from '../net/transport.js';
import { formatIpv4 } from '../protocol/ipv4.js';
import { Counters } from './counters.js';
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
 * Starts one server: configuration first (a bad one stops us before any socket opens), then the
 * engine, then the sockets. Throws ConfigError / TransportError for the caller to print.
 */
export async function startServer(opts: ServeOptions, log: Logger): Promise<RunningServer> {
  const config = loadConfig({ configFile: opts.configFile, poolDir: opts.poolDir });
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  if (opts.cores !== undefined && opts.cores > 1) {
    log.log('warn', 'Hydra mode (-P > 1) is not available yet; serving with one worker', { cores: opts.cores });
  }
  const engine = new DhcpEngine(config);
  const counters = new Counters();
  const transport = await DhcpTransport.open({
    port: opts.port,
    iface: opts.iface,
    address: opts.bindAddress,
    log: (msg) => log.log('warn', msg),
  });
  const deps = { engine, transport, counters, log, serverId: opts.serverId, clock };
  transport.onPacket((data, from, iface) => {
    try {
      servePacket(deps, data, from, iface);
    } catch (e) {
      // A bug must not take the server down with it: count it, log it, keep serving.
      counters.add('pkt4-processing-failed');
      log.log('error', 'packet processing failed', { error: (e as Error).stack ?? String(e) });
    }
  });
  const reclaim = setInterval(() => {
    const changes = engine.reclaimExpired(clock(), RECLAIM_BATCH);
    if (changes.length > 0) counters.add('reclaimed-leases', changes.length);
  }, RECLAIM_INTERVAL_MS);
  reclaim.unref();

  log.log('info', 'serving', {
    port: transport.port,
    mode: transport.mode,
    interfaces: transport.interfaces().map((i) => `${i.name}=${formatIpv4(i.address)}/${i.prefixLength}`).join(','),
    subnets: config.subnets.length,
    config: config.source,
    dataDir,
    fallback: transport.unavailableReason ?? undefined,
  });

  return {
    engine,
    transport,
    counters,
    async stop() {
      clearInterval(reclaim);
      await transport.close();
    },
  };
}
