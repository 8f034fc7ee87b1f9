// The PostgreSQL lease store: the database is the source of truth and the arbiter between
// servers; this process keeps the whole table in memory (the engine's) and writes through.
// Writes are conditional (see batch-writer.ts), batched and pipelined; other servers' changes
// arrive through the change feed and go to `watch` listeners.
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import type { PostgresStoreConfig } from '../../config/model.js';
import type { Lease, LeaseChange } from '../../engine/types.js';
import type { StoreLog } from '../embedded-store.js';
import { LeaseConflict, StoreError, type LeaseStore, type LoadResult, type StoreStats } from '../lease-store.js';
import { planBatch, splitWrites, writesOf } from './batch-planner.js';
import { writeBatch } from './batch-writer.js';
import { ChangeFeed } from './change-feed.js';
import { describeDatabase, isConnectionError, openPgPool } from './connect.js';
import { checkSchema } from './migrate.js';
import { LEASE_SELECT, rowToLease, type LeaseRow } from './row-codec.js';

/** Told of what /metrics shows; called on the commit path, so keep it cheap. */
export interface PostgresStoreObserver {
  /** A batch of `records` changes committed, `seconds` after it was sent (one round trip). */
  batch(records: number, seconds: number): void;
  /** The write connections ('writer') or the change feed ('feed') went up or down. */
  connection(link: 'writer' | 'feed', up: boolean): void;
  /** The database refused `addresses` changes of ours (another server's client holds them). */
  conflicts(addresses: number): void;
  /** `changes` of other servers (or a resync) were handed to the watch listeners. */
  feedApplied(changes: number): void;
}

export interface PostgresStoreOptions {
  config: PostgresStoreConfig;
  /** Written as `writer` on our rows; the feed skips notices of this name. */
  serverName: string;
  log?: StoreLog;
  observer?: PostgresStoreObserver;
  /** Write batches in flight at once, each on its own connection (default 4). */
  pipeline?: number;
  /** A batch takes further calls while it holds fewer records than this (default 2000). */
  maxBatchRecords?: number;
  /** Seconds since the epoch; what "expired" is judged against (default the system clock). */
  now?: () => number;
}

export interface PostgresStoreStats extends StoreStats {
  /** Addresses refused by the database (LeaseConflict). */
  conflicts: number;
  /** Changes from other servers (and resyncs) handed to watch listeners. */
  feedChanges: number;
  /** Commit calls waiting for a batch, and batches in flight. */
  queued: number;
  inFlight: number;
  writerConnected: boolean;
  feedConnected: boolean;
}

interface Call {
  writes: Map<number, LeaseChange>;
  resolve(): void;
  reject(e: Error): void;
}

const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 2_000;
const REFRESH_RETRY_MS = 1_000;
const REFRESH_CHUNK = 5_000;
const CLOSE_DRAIN_MS = 5_000;
const VERIFY_SETTLE_MS = 2_000;

/**
 * Checks the schema (creating it in an empty database; refusing an unknown or older one), then
 * opens the change feed. Throws StoreError naming the database when either fails. Call load() next.
 */
export async function openPostgresStore(opts: PostgresStoreOptions): Promise<PostgresLeaseStore> {
  const where = describeDatabase(opts.config);
  const log: StoreLog = opts.log ?? (() => undefined);
  const pipeline = Math.max(1, opts.pipeline ?? 4);
  const pool = openPgPool(opts.config, pipeline + 1, (e) => log('warn', 'idle database connection failed', { database: where, error: e.message }));
  let store: PostgresLeaseStore | undefined;
  try {
    await checkSchema(pool, where);
    store = new PostgresLeaseStore(pool, where, log, pipeline, opts);
    await store.startFeed();
    return store;
  } catch (e) {
    await store?.close().catch(() => undefined);
    if (!store) await pool.end().catch(() => undefined);
    if (e instanceof StoreError) throw e;
    throw new StoreError(`${where}: cannot connect: ${(e as Error).message}`);
  }
}

export class PostgresLeaseStore implements LeaseStore {
  private readonly feed: ChangeFeed;
  private readonly maxBatch: number;
  private readonly now: () => number;
  private readonly observer: PostgresStoreObserver | undefined;
  private readonly serverName: string;
  private queue: Call[] = [];
  private inFlight = 0;
  private readonly inFlightAddresses = new Set<number>();
  /** Addresses with a change queued or in flight: the engine's table is ahead of the database there. */
  private readonly busy = new Map<number, number>();
  /** Addresses the database holds a row for, as far as we know (load, our writes, the feed). */
  private readonly present = new Set<number>();
  /**
   * Our batches' completions, counted, and the count at each address's latest. A read sent
   * before one of our writes completed may have run before it committed (replies on different
   * connections can arrive in either order): its row for that address is stale, so it is
   * re-read instead of delivered.
   */
  private completions = 0;
  private readonly completedAt = new Map<number, number>();
  /** Addresses to re-read and deliver once nothing of ours is pending on them. */
  private readonly toRefresh = new Set<number>();
  private refreshing = false;
  private readonly verifyAddresses = new Set<number>();
  private verifyWaiters: { resolve(): void; reject(e: Error): void }[] = [];
  private refreshTimer: NodeJS.Timeout | null = null;
  private pumpScheduled = false;
  private downUntil = 0;
  private backoff = BACKOFF_MIN_MS;
  private writerUp = true;
  private readonly listeners: ((change: LeaseChange) => void)[] = [];
  private closing: Promise<void> | null = null;
  private drained: (() => void) | null = null;
  private readonly counters = { syncs: 0, records: 0, largestBatch: 0, failures: 0, conflicts: 0, feedChanges: 0 };

  /** @internal use openPostgresStore. */
  constructor(
    private readonly pool: pg.Pool,
    private readonly where: string,
    private readonly log: StoreLog,
    private readonly pipeline: number,
    opts: PostgresStoreOptions,
  ) {
    this.maxBatch = Math.max(1, opts.maxBatchRecords ?? 2000);
    this.now = opts.now ?? (() => Date.now() / 1000);
    this.observer = opts.observer;
    this.serverName = opts.serverName;
    this.feed = new ChangeFeed(
      opts.config,
      opts.serverName,
      {
        mark: () => this.completions,
        changed: (rows, deleted, mark) => this.feedChanged(rows, deleted, mark),
        resynced: (rows, mark) => this.feedResynced(rows, mark),
        connection: (up) => {
          this.observer?.connection('feed', up);
          // The database answers again: let commits try at once rather than after the backoff.
          if (up) this.downUntil = 0;
        },
      },
      log,
    );
  }

  /** @internal */
  async startFeed(): Promise<void> {
    await this.feed.start();
  }

  get stats(): PostgresStoreStats {
    return {
      ...this.counters,
      queued: this.queue.length,
      inFlight: this.inFlight,
      writerConnected: this.writerUp,
      feedConnected: this.feed.connected,
    };
  }

  async load(): Promise<LoadResult> {
    let rows: LeaseRow[];
    try {
      rows = (await this.pool.query<LeaseRow>(`SELECT ${LEASE_SELECT} FROM hydra_lease4`)).rows;
    } catch (e) {
      throw new StoreError(`${this.where}: cannot read leases: ${(e as Error).message}`);
    }
    const leases: Lease[] = [];
    const dropped: LoadResult['dropped'] = [];
    for (const row of rows) {
      const l = rowToLease(row);
      if (typeof l === 'string') dropped.push({ place: `${this.where}, hydra_lease4 row ${row.address}`, reason: l });
      else {
        leases.push(l);
        this.present.add(l.address);
      }
    }
    return { leases, dropped };
  }

  /**
   * Re-reads the rows of `addresses` and hands them to the watch listeners, so the runtime can
   * decide an OFFER or NAK again on what the database holds now rather than on a feed that may
   * lag by a few milliseconds. Calls of one event-loop turn share one query. Rejects with
   * StoreError when the database does not answer.
   */
  verify(addresses: readonly number[]): Promise<void> {
    if (this.closing) return Promise.reject(new StoreError(`${this.where}: the lease store is closed`));
    return new Promise<void>((resolve, reject) => {
      for (const a of addresses) this.verifyAddresses.add(a);
      this.verifyWaiters.push({ resolve, reject });
      if (this.verifyWaiters.length === 1) setImmediate(() => this.runVerify());
    });
  }

  private runVerify(): void {
    const addresses = [...this.verifyAddresses];
    const waiters = this.verifyWaiters;
    this.verifyAddresses.clear();
    this.verifyWaiters = [];
    void this.whenSettled(addresses).then(() => this.readForVerify(addresses, waiters));
  }

  /**
   * A write of ours still pending on an address decides what its row becomes (and keeps the
   * feed from delivering it): a check must read after it, not before. Bounded wait.
   */
  private async whenSettled(addresses: readonly number[]): Promise<void> {
    const deadline = Date.now() + VERIFY_SETTLE_MS;
    while (addresses.some((a) => this.busy.has(a)) && Date.now() < deadline && !this.closing) {
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  private readForVerify(addresses: number[], waiters: { resolve(): void; reject(e: Error): void }[]): void {
    const mark = this.completions;
    this.pool.query<LeaseRow>(`SELECT ${LEASE_SELECT} FROM hydra_lease4 WHERE address = ANY($1::bigint[])`, [addresses]).then(
      (res) => {
        let n = 0;
        for (const row of res.rows) n += this.deliverRow(row, mark);
        if (n > 0) this.observer?.feedApplied(n);
        for (const w of waiters) w.resolve();
      },
      (e: unknown) => {
        const err = new StoreError(`${this.where}: cannot read leases: ${(e as Error).message}`);
        for (const w of waiters) w.reject(err);
      },
    );
  }

  watch(listener: (change: LeaseChange) => void): void {
    this.listeners.push(listener);
    if (this.listeners.length === 1) this.feed.activate();
  }

  commit(changes: readonly LeaseChange[]): Promise<void> {
    if (this.closing) return Promise.reject(new StoreError(`${this.where}: the lease store is closed`));
    const writes = writesOf(changes);
    if (writes.size === 0) return Promise.resolve();
    if (Date.now() < this.downUntil) {
      this.counters.failures++;
      return Promise.reject(this.unreachable());
    }
    return new Promise<void>((resolve, reject) => {
      for (const a of writes.keys()) this.busy.set(a, (this.busy.get(a) ?? 0) + 1);
      this.queue.push({ writes, resolve, reject });
      // Calls arriving in this turn of the event loop share a batch.
      if (!this.pumpScheduled) {
        this.pumpScheduled = true;
        setImmediate(() => {
          this.pumpScheduled = false;
          this.pump();
        });
      }
    });
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    if (this.queue.length > 0 || this.inFlight > 0) {
      // Let queued and in-flight writes finish (their callers wait on them), within bounds.
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, CLOSE_DRAIN_MS);
        this.drained = () => {
          clearTimeout(t);
          resolve();
        };
        this.pump();
      });
    }
    for (const c of this.queue.splice(0)) c.reject(new StoreError(`${this.where}: the lease store closed before this write was sent`));
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    await this.feed.close();
    await Promise.race([this.pool.end().catch(() => undefined), new Promise((r) => setTimeout(r, 3_000).unref())]);
  }

  private unreachable(): StoreError {
    return new StoreError(`${this.where}: unreachable; retrying (commits are refused until it answers)`);
  }

  private pump(): void {
    if (this.queue.length > 0 && Date.now() < this.downUntil) {
      const err = this.unreachable();
      for (const c of this.queue.splice(0)) {
        this.counters.failures++;
        this.release(c);
        c.reject(err);
      }
    }
    while (this.inFlight < this.pipeline && this.queue.length > 0) {
      const { taken, rest } = planBatch(this.queue, this.inFlightAddresses, this.maxBatch);
      if (taken.length === 0) break;
      this.queue = rest;
      this.dispatch(taken);
    }
    if (this.drained && this.queue.length === 0 && this.inFlight === 0) this.drained();
  }

  private dispatch(calls: Call[]): void {
    const { upserts, deletes } = splitWrites(calls);
    const records = upserts.length + deletes.length;
    for (const a of upserts) this.inFlightAddresses.add(a.address);
    for (const a of deletes) this.inFlightAddresses.add(a);
    this.inFlight++;
    const started = performance.now();
    writeBatch(this.pool, { upserts, deletes, writer: this.serverName, now: this.now() })
      .then(
        (result) => {
          this.counters.syncs++;
          this.counters.records += records;
          if (records > this.counters.largestBatch) this.counters.largestBatch = records;
          this.observer?.batch(records, (performance.now() - started) / 1000);
          this.backoff = BACKOFF_MIN_MS;
          this.setWriterUp(true);
          const refused = new Set(result.refused);
          const kept = new Set(result.kept);
          for (const l of upserts) if (!refused.has(l.address)) this.present.add(l.address);
          for (const a of deletes) if (!kept.has(a)) this.present.delete(a);
          if (refused.size > 0) {
            this.counters.conflicts += refused.size;
            this.observer?.conflicts(refused.size);
          }
          // The engine's table is wrong at these addresses: deliver the database's rows once
          // our own pending changes there are done.
          for (const a of refused) this.toRefresh.add(a);
          for (const a of kept) this.toRefresh.add(a);
          for (const c of calls) {
            this.release(c);
            const lost = refused.size === 0 ? [] : [...c.writes.keys()].filter((a) => refused.has(a));
            if (lost.length > 0) c.reject(new LeaseConflict(lost));
            else c.resolve();
          }
        },
        (e: unknown) => {
          this.counters.failures++;
          const msg = (e as Error).message;
          if (isConnectionError(e)) this.markDown(msg);
          else this.log('error', 'database refused a lease write batch', { database: this.where, error: msg, records });
          const err = new StoreError(`${this.where}: write failed: ${msg}`);
          for (const c of calls) {
            this.release(c);
            c.reject(err);
          }
        },
      )
      .finally(() => {
        this.inFlight--;
        // Failed batches count too: a write whose reply was lost may still have committed.
        const seq = ++this.completions;
        for (const l of upserts) {
          this.inFlightAddresses.delete(l.address);
          this.completedAt.set(l.address, seq);
        }
        for (const a of deletes) {
          this.inFlightAddresses.delete(a);
          this.completedAt.set(a, seq);
        }
        this.pump();
        this.scheduleRefresh();
      });
  }

  /** The call's addresses are no longer pending. */
  private release(c: Call): void {
    for (const a of c.writes.keys()) {
      const n = this.busy.get(a)! - 1;
      if (n <= 0) this.busy.delete(a);
      else this.busy.set(a, n);
    }
  }

  private markDown(reason: string): void {
    this.downUntil = Date.now() + this.backoff;
    this.backoff = Math.min(this.backoff * 2, BACKOFF_MAX_MS);
    if (this.writerUp) this.log('warn', 'database unreachable: lease commits fail until it answers', { database: this.where, error: reason });
    this.setWriterUp(false);
  }

  private setWriterUp(up: boolean): void {
    if (up === this.writerUp) return;
    this.writerUp = up;
    if (up) this.log('info', 'database reachable again', { database: this.where });
    this.observer?.connection('writer', up);
  }

  private emit(change: LeaseChange): void {
    for (const l of this.listeners) {
      try {
        l(change);
      } catch (e) {
        this.log('error', 'lease watch listener failed', { error: (e as Error).message });
      }
    }
  }

  /** True when a read sent at `mark` may predate our own latest write at `address`. */
  private stale(address: number, mark: number): boolean {
    return this.busy.has(address) || (this.completedAt.get(address) ?? 0) > mark;
  }

  /** Hands the database's row (read at `mark`) to the listeners, unless ours may be newer. */
  private deliverRow(row: LeaseRow, mark: number): number {
    const lease = rowToLease(row);
    if (typeof lease === 'string') {
      this.log('warn', 'skipped an unreadable lease row', { database: this.where, address: row.address, reason: lease });
      return 0;
    }
    if (this.stale(lease.address, mark)) {
      // Our write decides (or decided) what the row becomes; re-read after it.
      this.toRefresh.add(lease.address);
      return 0;
    }
    this.present.add(lease.address);
    this.emit({ kind: 'upsert', lease });
    return 1;
  }

  private deliverDelete(address: number, mark: number): number {
    if (this.stale(address, mark)) {
      this.toRefresh.add(address);
      return 0;
    }
    this.present.delete(address);
    this.emit({ kind: 'delete', address });
    return 1;
  }

  private feedChanged(rows: LeaseRow[], deleted: number[], mark: number): void {
    let n = 0;
    // Deletes first: the rows are the current versions, newer than any delete in these batches.
    // An address we never saw in the database is only in the engine's table as our own offer.
    for (const a of deleted) if (this.present.has(a)) n += this.deliverDelete(a, mark);
    for (const r of rows) n += this.deliverRow(r, mark);
    this.counters.feedChanges += n;
    if (n > 0) this.observer?.feedApplied(n);
    this.scheduleRefresh();
  }

  private feedResynced(rows: LeaseRow[], mark: number): void {
    const seen = new Set<number>();
    let n = 0;
    for (const r of rows) {
      seen.add(r.address);
      n += this.deliverRow(r, mark);
    }
    // Rows we knew that the database no longer has: confirm with a fresh read, then delete.
    for (const a of this.present) if (!seen.has(a)) this.toRefresh.add(a);
    this.counters.feedChanges += n;
    if (n > 0) this.observer?.feedApplied(n);
    this.log('info', 'lease table resynchronised from the database', { database: this.where, rows: rows.length });
    this.scheduleRefresh();
  }

  private scheduleRefresh(): void {
    if (this.refreshing || this.refreshTimer || this.closing || this.toRefresh.size === 0) return;
    const ready: number[] = [];
    for (const a of this.toRefresh) {
      if (!this.busy.has(a)) ready.push(a);
      if (ready.length >= REFRESH_CHUNK) break;
    }
    if (ready.length === 0) return;
    for (const a of ready) this.toRefresh.delete(a);
    this.refreshing = true;
    const mark = this.completions;
    this.pool
      .query<LeaseRow>(`SELECT ${LEASE_SELECT} FROM hydra_lease4 WHERE address = ANY($1::bigint[])`, [ready])
      .then(
        (res) => {
          const found = new Map(res.rows.map((r) => [r.address, r]));
          let n = 0;
          for (const a of ready) {
            const row = found.get(a);
            n += row ? this.deliverRow(row, mark) : this.deliverDelete(a, mark);
          }
          this.counters.feedChanges += n;
          if (n > 0) this.observer?.feedApplied(n);
          this.refreshing = false;
          this.scheduleRefresh();
        },
        (e: unknown) => {
          for (const a of ready) this.toRefresh.add(a);
          this.refreshing = false;
          this.log('warn', 'cannot re-read lease rows; retrying', { database: this.where, error: (e as Error).message });
          this.refreshTimer = setTimeout(() => {
            this.refreshTimer = null;
            this.scheduleRefresh();
          }, REFRESH_RETRY_MS);
          this.refreshTimer.unref();
        },
      );
  }
}
