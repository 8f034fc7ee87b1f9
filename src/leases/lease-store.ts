import type { Lease, LeaseChange } from '../engine/types.js';

/**
 * Where leases outlive the process. The engine never sees this: the runtime hands every
 * Decision's changes to `commit` and sends an ACK only after the promise resolves.
 */
export interface LeaseStore {
  /**
   * Reads every durable record, once, before the server binds its socket. Damaged records are
   * skipped and listed in `dropped`; a store that cannot be trusted at all (unreadable, not ours)
   * throws StoreError rather than returning an empty result over real data.
   */
  load(): Promise<LoadResult>;
  /**
   * Makes the changes durable (written and fsync'd). Calls that arrive while a sync is running
   * share the next one (group commit). Rejects with StoreError when writing or syncing fails;
   * the store then accepts new commits again, so serving recovers when the disk does.
   */
  commit(changes: readonly LeaseChange[]): Promise<void>;
  close(): Promise<void>;
  readonly stats: StoreStats;
  /**
   * Shared stores only (PostgreSQL): other servers' changes, delivered after they committed, and
   * the current row of any address a commit of ours lost to (see LeaseConflict). The runtime
   * applies them to its lease table. An embedded store has no other writers and leaves this out.
   */
  watch?(listener: (change: LeaseChange) => void): void;
  /**
   * Shared stores only: re-reads the records of `addresses` now and delivers them through
   * `watch`, so a decision can be checked against the database before it is sent.
   */
  verify?(addresses: readonly number[]): Promise<void>;
}

export interface LoadResult {
  leases: Lease[];
  /** What was damaged and left out, each naming the file and byte offset. */
  dropped: { place: string; reason: string }[];
}

export interface StoreStats {
  /** fsyncs done. */
  syncs: number;
  /** Records written. */
  records: number;
  /** Largest number of records one sync made durable. */
  largestBatch: number;
  /** Failed writes or syncs. */
  failures: number;
}

/**
 * A shared store refused a change because another server's client holds the address (the
 * database decides, not the local table). It is not a failure of the store: everything else in
 * the commit call is durable; the caller must not send the reply, must not retry the refused
 * changes, and learns the winning rows through `watch`.
 */
export class LeaseConflict extends Error {
  override readonly name = 'LeaseConflict';
  constructor(readonly addresses: readonly number[]) {
    super(`lease conflict on ${addresses.length} address(es): another server's client holds them`);
  }
}

/** A store problem a user can see: the message names the file (and offset) and what is wrong. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
}
