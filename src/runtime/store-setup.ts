import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { PostgresStoreConfig, ServerConfig } from '../config/model.js';
import { DatabaseMetrics } from '../control/metrics-database.js';
import type { ServerMetrics } from '../control/metrics.js';
import type { DhcpEngine } from '../engine/engine.js';
import type { LeaseTable } from '../engine/lease-table.js';
import type { LeaseChange } from '../engine/types.js';
import { openEmbeddedStore } from '../leases/embedded-store.js';
import type { LeaseStore } from '../leases/lease-store.js';
import { BlockClaims } from '../leases/postgres/block-claims.js';
import { openPgPool } from '../leases/postgres/connect.js';
import { openPostgresStore } from '../leases/postgres/postgres-store.js';
import { ClaimScopes } from './claim-scopes.js';
import type { Logger } from './logger.js';

/** The lease store a server runs on, and what it needs once the engine exists. */
export interface StoreSetup {
  readonly store: LeaseStore;
  readonly kind: 'embedded' | 'postgres';
  /** The engine is built from the loaded leases: follow other servers, claim address blocks. */
  attach(engine: DhcpEngine, metrics: ServerMetrics): Promise<void>;
  /** A reload applied a new configuration. */
  reconfigure(config: ServerConfig): Promise<void>;
  close(): Promise<void>;
}

export interface StoreSetupOptions {
  config: ServerConfig;
  dataDir: string;
  log: Logger;
  /** Set once the metrics exist (they need the engine); the store reports into it from then on. */
  metrics: () => ServerMetrics | undefined;
  compactAfterRecords?: number;
}

export async function openStore(o: StoreSetupOptions): Promise<StoreSetup> {
  const cfg = o.config.store;
  if (cfg?.kind === 'postgres') return openShared(cfg, o);
  const store = await openEmbeddedStore({
    observer: {
      committed: (seconds) => o.metrics()?.storeObserver.committed(seconds),
      synced: (records) => o.metrics()?.storeObserver.synced(records),
    },
    dataDir: resolve(o.dataDir),
    compactAfterRecords: o.compactAfterRecords,
    log: (level, msg, fields) => o.log.log(level, msg, fields),
  });
  return {
    store,
    kind: 'embedded',
    attach: async () => undefined,
    reconfigure: async () => undefined,
    close: () => store.close(),
  };
}

/**
 * PostgreSQL: the schema is checked (created in an empty database) before anything else, the
 * store loads every server's leases, and once the engine exists this server follows the others'
 * changes and allocates only inside the address blocks it has claimed.
 */
async function openShared(cfg: PostgresStoreConfig, o: StoreSetupOptions): Promise<StoreSetup> {
  const serverName = cfg.serverName ?? hostname();
  const log = (level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>): void => o.log.log(level, msg, fields);
  const pool = openPgPool(cfg, 2, (e) => log('warn', 'database connection lost (claims)', { error: e.message }));
  let claims: BlockClaims | null = null;
  const db = new DatabaseMetrics(() => claims?.stats ?? null);
  let store: LeaseStore;
  try {
    store = await openPostgresStore({
      config: cfg,
      serverName,
      log,
      observer: {
        batch: (records, seconds) => db.batchCommitted(records, seconds),
        connection: (link, up) => db.connection(link, up),
        conflicts: (n) => db.conflicted(n),
        feedApplied: (n) => db.feedApplied(n),
      },
    });
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw e;
  }
  claims = new BlockClaims({ pool, serverName, blockSize: cfg.blockSize, claimSeconds: cfg.claimSeconds, log });
  let scopes: ClaimScopes | null = null;
  return {
    store,
    kind: 'postgres',
    async attach(engine, metrics) {
      metrics.register(db.definitions());
      store.watch?.((change) => applyRemote(engine.leases, change));
      let waited = false;
      scopes = new ClaimScopes(engine, claims!, Math.max(1, Math.floor(cfg.blockSize / 2)), cfg.claimSeconds, (why) => {
        if (!waited) log('warn', 'waiting for the previous instance of this server name to lapse', { reason: why });
        waited = true;
      });
      await scopes.start(engine.config);
      log('info', 'sharing leases through PostgreSQL', { server: serverName, blocks: claims!.stats.owned });
    },
    async reconfigure(config) {
      if (config.store?.kind !== 'postgres') {
        log('warn', 'the lease store cannot change on reload: restart to switch stores');
        return;
      }
      await scopes?.reconfigure(config);
    },
    async close() {
      try {
        await scopes?.stop();
      } catch (e) {
        log('warn', 'could not hand back address blocks', { error: (e as Error).message });
      }
      await store.close();
      await pool.end().catch(() => undefined);
    },
  };
}

/**
 * Another server's change, as the database has it now. The database is the truth, except that a
 * row older than what this server itself has for the same client (its own newer write is still
 * on the way) must not roll the table back.
 */
function applyRemote(table: LeaseTable, change: LeaseChange): void {
  if (change.kind === 'delete') {
    table.delete(change.address);
    return;
  }
  const mine = table.get(change.lease.address);
  if (mine && mine.clientKey === change.lease.clientKey && mine.issuedAt > change.lease.issuedAt) return;
  table.upsert(change.lease);
}

