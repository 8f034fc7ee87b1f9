// Small database helpers for the block claims and the server registry: every wait is bounded, so
// a database that hangs (rather than refusing) cannot stall the claim timer forever.
import type pg from 'pg';
import { StoreError } from '../lease-store.js';

/** What both a pool and a checked-out client offer. */
export interface Queryable {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  query(config: pg.QueryConfig): Promise<pg.QueryResult<any>>;
}

/** The database's own words (and SQLSTATE) for log lines and StoreErrors. */
export function dbErrorText(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    const msg = e.message || String((e as { errors?: unknown }).errors ?? e.name);
    return typeof code === 'string' && !msg.includes(code) ? `${msg} (${code})` : msg;
  }
  return String(e);
}

/** pool.connect() that gives up after `ms`; a connection that arrives later is returned to the pool. */
export async function connectWithin(pool: pg.Pool, ms: number): Promise<pg.PoolClient> {
  const pending = pool.connect();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreError(`no database connection within ${ms} ms`)), ms);
    timer.unref();
  });
  try {
    return await Promise.race([pending, timeout]);
  } catch (e) {
    pending.then((c) => c.release(), () => undefined);
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

/** One statement with a read timeout (node-postgres' per-query `query_timeout`). */
export async function queryWithin<R extends pg.QueryResultRow>(
  db: Queryable,
  ms: number,
  text: string,
  values: unknown[] = [],
): Promise<pg.QueryResult<R>> {
  const config = { text, values, query_timeout: ms } as pg.QueryConfig;
  return (await db.query(config)) as pg.QueryResult<R>;
}

/**
 * Runs `fn` on one client checked out for it; a client that saw an error is destroyed rather than
 * reused (after a timeout its protocol state is unknown).
 */
export async function withClient<T>(pool: pg.Pool, ms: number, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await connectWithin(pool, ms);
  // node-postgres emits 'error' on a checked-out client when its connection breaks (database
  // restart: EPIPE, ECONNRESET), even while a query is failing with the same error; the pool only
  // listens while the client is idle. Without a listener here that is an uncaught exception.
  let broken: Error | null = null;
  const onError = (e: Error): void => {
    broken = e;
  };
  client.on('error', onError);
  try {
    const result = await fn(client);
    client.off('error', onError);
    client.release(broken ?? undefined);
    return result;
  } catch (e) {
    client.off('error', onError);
    client.release(e instanceof Error ? e : true);
    throw e;
  }
}

/** Seconds as a PostgreSQL interval expression over parameter `$n` (a double). */
export const secondsParam = (n: number): string => `($${n}::double precision * interval '1 second')`;
