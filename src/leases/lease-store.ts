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

/** A store problem a user can see: the message names the file (and offset) and what is wrong. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
}
