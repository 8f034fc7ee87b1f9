import { StoreError } from './lease-store.js';
import { describeIoError, writeAll, type StoreFile, type StoreIo } from './store-io.js';

/** A change made durable: the address and its new frame, or null for a delete. */
export interface DurableEntry {
  address: number;
  frame: Buffer | null;
}

export interface CommitCounters {
  syncs: number;
  records: number;
  largestBatch: number;
  failures: number;
}

/**
 * Appends gathered for one write + sync. Every append in a batch succeeds or fails together, so
 * they all share one promise (no promise, closure or waiter object per commit on the hot path).
 */
interface Batch {
  frames: Buffer[];
  bytes: number;
  entries: DurableEntry[];
  /** performance.now() of each append, for the observer's commit latency. */
  appendedAt: number[];
  done: Promise<void>;
  resolve: () => void;
  reject: (err: Error) => void;
}

function newBatch(): Batch {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { frames: [], bytes: 0, entries: [], appendedAt: [], done, resolve, reject };
}

/**
 * A sync starts at most once per this many milliseconds. Each one costs the process 100-200 µs
 * of CPU beyond the disk's own work (two thread-pool hand-offs, wake-ups, the journal commit),
 * and a fast disk finishes one in well under a millisecond, so at a few thousand ACKs per
 * second back-to-back syncs would each carry only two or three records. Waiting out the rest of
 * the millisecond gathers more per sync; it delays nothing when syncs are rarer than that, and
 * every ACK still waits for its own sync.
 */
export const MIN_SYNC_INTERVAL_MS = 1;

interface PendingSwitch {
  file: StoreFile;
  length: number;
  adopted: (old: { file: StoreFile; records: number }) => void;
}

/**
 * The append side of the log, with group commit: appends gather in a batch; one write and one
 * fdatasync make the whole batch durable; appends arriving meanwhile form the next batch. Every
 * write goes at the last good length, so a failed batch leaves nothing behind (it is truncated
 * away, and if even that fails the next batch truncates first or fails too).
 */
export class GroupCommitLog {
  private pending: Batch | null = null;
  private running: Promise<void> | null = null;
  private nextFile: PendingSwitch | null = null;
  private mustTruncate = false;
  /** performance.now() when the last batch began to be written. */
  private lastBatchAt = -Infinity;
  /** Records made durable in the current file. */
  recordsInFile = 0;

  constructor(
    private readonly io: StoreIo,
    private file: StoreFile,
    /** End of the last durable record in `file`. */
    private length: number,
    private readonly onDurable: (entries: DurableEntry[]) => void,
    private readonly counters: CommitCounters,
    private readonly logError: (message: string, fields: Record<string, unknown>) => void,
    /** Told, per append, how many seconds it took to become durable (metrics; keep it cheap). */
    private readonly committed?: (seconds: number) => void,
  ) {}

  get path(): string {
    return this.file.path;
  }

  /** The file was renamed; only error messages care. */
  renamed(path: string): void {
    this.file = { path, handle: this.file.handle };
  }

  /** Adds one change's frame to the batch being gathered: an upsert's, or a delete's. */
  add(address: number, frame: Buffer, deleted: boolean): void {
    const batch = (this.pending ??= newBatch());
    batch.frames.push(frame);
    batch.bytes += frame.length;
    batch.entries.push({ address, frame: deleted ? null : frame });
  }

  /**
   * Ends one commit's add() calls: resolves once they are durable (shared by everything in the
   * same batch). Call it only after at least one add().
   */
  seal(): Promise<void> {
    const batch = this.pending!;
    if (this.committed) batch.appendedAt.push(performance.now());
    this.kick();
    return batch.done;
  }

  /** Sends later batches to `file` (between two batches); resolves with the file it replaced. */
  switchTo(file: StoreFile, length: number): Promise<{ file: StoreFile; records: number }> {
    return new Promise((adopted) => {
      this.nextFile = { file, length, adopted };
      this.kick();
    });
  }

  /** Resolves once every batch handed in so far has been written (or has failed). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async close(): Promise<void> {
    await this.idle();
    await this.file.handle.close();
  }

  private kick(): void {
    if (this.running) return;
    // setImmediate: let every packet read in this event-loop turn join the first batch.
    this.running = new Promise<void>((r) => setImmediate(r))
      .then(() => this.drain())
      .finally(() => {
        this.running = null;
        if (this.pending || this.nextFile) this.kick();
      });
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (this.nextFile) {
        const { file, length, adopted } = this.nextFile;
        this.nextFile = null;
        const old = { file: this.file, records: this.recordsInFile };
        this.file = file;
        this.length = length;
        this.recordsInFile = 0;
        this.mustTruncate = false;
        adopted(old);
      }
      if (!this.pending) return;
      const wait = this.lastBatchAt + MIN_SYNC_INTERVAL_MS - performance.now();
      if (wait > 0) {
        // Appends arriving meanwhile join this batch; a file switch asked meanwhile goes first.
        await new Promise((r) => setTimeout(r, wait));
        if (this.nextFile) continue;
      }
      const batch = this.pending;
      this.pending = null;
      this.lastBatchAt = performance.now();
      await this.write(batch);
    }
  }

  private async write(batch: Batch): Promise<void> {
    const data = batch.frames.length === 1 ? batch.frames[0] : Buffer.concat(batch.frames, batch.bytes);
    try {
      if (this.mustTruncate) {
        await this.io.truncate(this.file, this.length);
        this.mustTruncate = false;
      }
      await writeAll(this.io, this.file, data, this.length);
      await this.io.datasync(this.file);
    } catch (err) {
      this.counters.failures++;
      try {
        await this.io.truncate(this.file, this.length);
      } catch {
        this.mustTruncate = true;
      }
      const error = new StoreError(
        `cannot make ${batch.entries.length} lease record(s) durable in ${this.file.path}: ${describeIoError(err)}`,
      );
      this.logError(error.message, { file: this.file.path, records: batch.entries.length });
      batch.reject(error);
      return;
    }
    this.length += data.length;
    this.recordsInFile += batch.entries.length;
    this.counters.syncs++;
    this.counters.records += batch.entries.length;
    if (batch.entries.length > this.counters.largestBatch) this.counters.largestBatch = batch.entries.length;
    this.onDurable(batch.entries);
    if (this.committed) {
      const now = performance.now();
      for (const at of batch.appendedAt) this.committed((now - at) / 1000);
    }
    batch.resolve();
  }
}
