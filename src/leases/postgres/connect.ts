// Connections to the PostgreSQL lease database. One place decides timeouts, keepalive and how
// 64-bit integers come back, so the store, the migrations and the CLI behave alike.
import pg from 'pg';
import type { PostgresStoreConfig } from '../../config/model.js';

const INT8_OID = 20;

/**
 * bigint columns (addresses, batch numbers) as JavaScript numbers: both stay far below 2^53,
 * and numbers are what the lease table holds.
 */
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/** Client settings shared by the pool and the change feed's dedicated connection. */
export function pgClientConfig(cfg: Pick<PostgresStoreConfig, 'url'>): pg.ClientConfig {
  return {
    // No url: node-postgres reads PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD.
    ...(cfg.url !== undefined ? { connectionString: cfg.url } : {}),
    application_name: 'hydra',
    // An unreachable host must fail a commit in seconds, not hang it (ACKs wait on commits).
    connectionTimeoutMillis: 5_000,
    query_timeout: 15_000,
    // Notice a silently dead peer (cable, firewall state) on otherwise idle connections.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    types,
  };
}

/**
 * A pool of up to `max` connections. Idle clients that lose their server emit 'error' on the
 * pool; without a listener that would crash the process, so errors go to `onError`.
 */
export function openPgPool(cfg: Pick<PostgresStoreConfig, 'url'>, max: number, onError?: (e: Error) => void): pg.Pool {
  const pool = new pg.Pool({ ...pgClientConfig(cfg), max, idleTimeoutMillis: 60_000 });
  pool.on('error', (e) => onError?.(e));
  return pool;
}

/** A single connection (LISTEN needs one of its own); errors go to `onError`, never thrown. */
export function newPgClient(cfg: Pick<PostgresStoreConfig, 'url'>, onError: (e: Error) => void): pg.Client {
  const client = new pg.Client(pgClientConfig(cfg));
  client.on('error', onError);
  return client;
}

/** "database hydra on host:port" for messages; never the password. */
export function describeDatabase(cfg: Pick<PostgresStoreConfig, 'url'>, env: NodeJS.ProcessEnv = process.env): string {
  let host = env.PGHOST;
  let port = env.PGPORT;
  let database = env.PGDATABASE ?? env.PGUSER;
  if (cfg.url !== undefined) {
    try {
      const u = new URL(cfg.url);
      host = u.searchParams.get('host') ?? (u.hostname ? decodeURIComponent(u.hostname) : undefined) ?? host;
      port = u.searchParams.get('port') ?? (u.port || undefined);
      const path = decodeURIComponent(u.pathname.replace(/^\//, ''));
      database = path || (u.username ? decodeURIComponent(u.username) : undefined);
    } catch {
      return 'PostgreSQL database (unparsable URL)';
    }
  }
  return `PostgreSQL database ${database ?? '(default)'} on ${host ?? 'localhost'}${port ? `:${port}` : ''}`;
}

/**
 * True when `e` says the server is unreachable or the connection broke (retry later), false for
 * an error the statement itself caused (SQLSTATE of any other class).
 */
export function isConnectionError(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return /^(08|57|53)/.test(code);
  return true;
}
