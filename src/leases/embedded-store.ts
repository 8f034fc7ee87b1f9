import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Lease, LeaseChange } from '../engine/types.js';
import { lockDataDir, type DirLock } from './data-dir-lock.js';
import { checkHeader, HEADER_SIZE, type FileKind } from './file-header.js';
import { GroupCommitLog, type DurableEntry } from './group-commit-log.js';
import { ByteArena } from './byte-arena.js';
import { LiveSet } from './live-set.js';
import { StoreError, type LeaseStore, type LoadResult, type StoreStats } from './lease-store.js';
import {
  decodeUpsert,
  encodeDelete,
  encodeUpsert,
  FRAME_HEADER,
  RECORD_DELETE,
  RECORD_SNAPSHOT_END,
  RECORD_UPSERT,
  recordAddress,
  snapshotEndCount,
} from './record-codec.js';
import { scanRecords } from './record-scanner.js';
import { CompactionAborted, writeSnapshot } from './snapshot-writer.js';
import { createStoreFile, LOG, NEXT_LOG, SNAPSHOT, TMP } from './store-files.js';
import { describeIoError, isNotFound, realIo, type StoreFile, type StoreIo } from './store-io.js';

export type { StoreIo, StoreFile } from './store-io.js';

export type StoreLog = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

export interface EmbeddedStoreOptions {
  dataDir: string;
  /**
   * Compact (new snapshot, fresh log) once the files hold this many records beyond the live
   * set. Default: the live set's size, at least 100,000 — so a reload reads at most about
   * twice the live set.
   */
  compactAfterRecords?: number;
  log?: StoreLog;
  /** For tests: replace file operations (write, sync, rename...) to inject failures. */
  io?: Partial<StoreIo>;
  /** Told of each durable commit and each sync (metrics); called on the commit path, so keep it cheap. */
  observer?: StoreObserver;
}

export interface StoreObserver {
  /** A commit that wrote records became durable `seconds` after commit() was called. */
  committed(seconds: number): void;
  /** One write + fdatasync made `records` records durable. */
  synced(records: number): void;
}

export interface EmbeddedStoreStats extends StoreStats {
  /** Addresses with a record (any state). */
  live: number;
  /** Records in the snapshot and log files, live or superseded. */
  diskRecords: number;
  compactions: number;
}

/** What a commit with nothing to write returns: one shared, already resolved promise. */
const RESOLVED: Promise<void> = Promise.resolve();

/** After a failed compaction, wait this long before trying again. */
const COMPACTION_RETRY_MS = 30_000;
const MIN_COMPACT_AFTER = 100_000;

/** The files in load order: snapshot, then the log, then the log begun by an unfinished compaction. */
const FILES: readonly { name: string; kind: FileKind }[] = [
  { name: SNAPSHOT, kind: 'snapshot' },
  { name: LOG, kind: 'log' },
  { name: NEXT_LOG, kind: 'log' },
];

/**
 * Takes the data directory's lock, removes temporary files a crash left behind and checks
 * every store file's header (a file that is not ours is refused here, before anything is
 * written). Call load() next.
 */
export async function openEmbeddedStore(opts: EmbeddedStoreOptions): Promise<EmbeddedStore> {
  const dir = resolve(opts.dataDir);
  const log: StoreLog = opts.log ?? (() => undefined);
  const io: StoreIo = { ...realIo, ...opts.io };
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw new StoreError(`cannot create lease store directory ${dir}: ${describeIoError(err)}`);
  }
  const lock = await lockDataDir(dir, (m, f) => log('warn', m, f));
  try {
    for (const { name } of FILES) {
      // A temporary file is never part of the state (it is renamed only once complete).
      await io.unlink(join(dir, name + TMP)).catch((err) => {
        if (!isNotFound(err)) throw err;
      });
    }
    for (const { name, kind } of FILES) {
      const path = join(dir, name);
      const fh = await openIfExists(path, 'r');
      if (!fh) continue;
      try {
        const { buffer } = await fh.read(Buffer.alloc(HEADER_SIZE), 0, HEADER_SIZE, 0).then((r) => ({
          buffer: r.buffer.subarray(0, r.bytesRead),
        }));
        checkHeader(path, buffer, kind);
      } finally {
        await fh.close();
      }
    }
  } catch (err) {
    await lock.release();
    if (err instanceof StoreError) throw err;
    throw new StoreError(`cannot open lease store ${dir}: ${describeIoError(err)}`);
  }
  return new EmbeddedStore(dir, lock, io, log, opts.compactAfterRecords, opts.observer);
}

async function openIfExists(path: string, flags: string): Promise<FileHandle | null> {
  try {
    return await open(path, flags);
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

/**
 * The default lease store: a snapshot plus an append-only log of checksummed records in one
 * directory (format in README.md). Commits are group-committed; compaction runs in the
 * background while commits continue.
 */
export class EmbeddedStore implements LeaseStore {
  readonly directory: string;
  readonly stats: EmbeddedStoreStats = {
    syncs: 0,
    records: 0,
    largestBatch: 0,
    failures: 0,
    live: 0,
    diskRecords: 0,
    compactions: 0,
  };
  /** Latest frame per address: what a snapshot written now would hold. */
  private readonly live = new LiveSet();
  private appender: GroupCommitLog | null = null;
  private phase: 'opened' | 'loaded' | 'closing' | 'closed' = 'opened';
  /** leases.log.next takes the commits; leases.log (if still there) awaits deletion. */
  private rotated = false;
  private snapshotRecords = 0;
  private oldLogRecords = 0;
  private compacting: Promise<void> | null = null;
  private compactionRetryAt = 0;

  /** Use openEmbeddedStore(). */
  constructor(
    dir: string,
    private readonly lock: DirLock,
    private readonly io: StoreIo,
    private readonly log: StoreLog,
    private readonly compactAfterRecords: number | undefined,
    private readonly observer?: StoreObserver,
  ) {
    this.directory = dir;
  }

  async load(): Promise<LoadResult> {
    if (this.phase !== 'opened') throw new StoreError(`lease store ${this.directory}: load() runs once, right after opening`);
    const started = performance.now();
    const dropped: LoadResult['dropped'] = [];
    const logs: { name: string; file: StoreFile; size: number; end: number; records: number }[] = [];
    try {
      for (const { name, kind } of FILES) {
        const path = join(this.directory, name);
        const fh = await this.openForLoad(path, kind === 'log' ? 'r+' : 'r');
        if (!fh) continue;
        let read: { size: number; end: number; records: number } | null;
        try {
          read = await this.readFile(fh, path, kind, dropped);
        } catch (err) {
          await fh.close();
          throw err;
        }
        if (read === null) {
          await fh.close();
          await this.io.unlink(path);
        } else if (kind === 'snapshot') {
          await fh.close();
          this.snapshotRecords = read.records;
        } else {
          logs.push({ name, file: { path, handle: fh }, ...read });
        }
      }
      // The newest log takes new commits; an older one is left for the compaction to remove.
      const active = logs.pop();
      for (const old of logs) {
        this.oldLogRecords += old.records;
        await old.file.handle.close();
      }
      let appender: GroupCommitLog;
      if (active) {
        if (active.end < active.size) {
          await this.io.truncate(active.file, active.end);
          await this.io.datasync(active.file);
        }
        this.rotated = active.name === NEXT_LOG;
        appender = this.newAppender(active.file, active.end);
        appender.recordsInFile = active.records;
      } else {
        appender = this.newAppender(await createStoreFile(this.io, this.directory, LOG, 'log'), HEADER_SIZE);
      }
      this.appender = appender;
    } catch (err) {
      for (const l of logs) await l.file.handle.close().catch(() => undefined);
      if (err instanceof StoreError) throw err;
      throw new StoreError(`cannot load lease store ${this.directory}: ${describeIoError(err)}`);
    }

    const leases: Lease[] = [];
    const arena = new ByteArena();
    this.live.forEach((buffer, start) => leases.push(decodeUpsert(buffer, start + FRAME_HEADER, arena)));
    this.phase = 'loaded';
    this.updateCounts();
    const ms = Math.round(performance.now() - started);
    this.log('info', 'lease store loaded', {
      dir: this.directory,
      recovered: leases.length,
      records: this.stats.diskRecords,
      dropped: dropped.length,
      ms,
    });
    for (const d of dropped) this.log('warn', `lease store: dropped damaged data at ${d.place}: ${d.reason}`, { ...d });
    if (this.rotated) this.startCompaction('finishing a compaction interrupted by a restart');
    else this.maybeCompact();
    return { leases, dropped };
  }

  /** Replays one file into the live set; null for a file cut inside its header (nothing in it). */
  private async readFile(
    fh: FileHandle,
    path: string,
    kind: FileKind,
    dropped: LoadResult['dropped'],
  ): Promise<{ size: number; end: number; records: number } | null> {
    const size = (await fh.stat()).size;
    const head = Buffer.alloc(Math.min(HEADER_SIZE, size));
    await fh.read(head, 0, head.length, 0);
    if (checkHeader(path, head, kind) === null) {
      if (size > 0) dropped.push({ place: `${path} at byte 0`, reason: `header cut short (${size} bytes, no records); file started afresh` });
      return null;
    }
    const live = this.live;
    let leaseRecords = 0;
    let endMarker: { count: number; offset: number } | null = null;
    const result = await scanRecords(fh, HEADER_SIZE, size, (buffer, start, type, offset) => {
      if (type === RECORD_UPSERT) {
        live.set(recordAddress(buffer, start + FRAME_HEADER), buffer, start);
        leaseRecords++;
      } else if (type === RECORD_DELETE) {
        live.delete(recordAddress(buffer, start + FRAME_HEADER));
        leaseRecords++;
      } else if (type === RECORD_SNAPSHOT_END && endMarker === null) {
        endMarker = { count: snapshotEndCount(buffer, start + FRAME_HEADER), offset };
        if (endMarker.count !== leaseRecords) {
          dropped.push({
            place: `${path} at byte ${offset}`,
            reason: `snapshot end marker counts ${endMarker.count} records, ${leaseRecords} were intact`,
          });
        }
      }
    });
    for (const d of result.damage) {
      const fate = kind === 'log' && d.tail ? '; cut off' : '';
      dropped.push({ place: `${path} at byte ${d.offset}`, reason: d.reason + fate });
    }
    if (kind === 'snapshot' && endMarker === null) {
      dropped.push({
        place: `${path} at byte ${result.end}`,
        reason: `snapshot cut short: no end marker after ${leaseRecords} records (leases written after that point are lost unless the log has them)`,
      });
    }
    return { size, end: result.end, records: leaseRecords };
  }

  private async openForLoad(path: string, flags: string): Promise<FileHandle | null> {
    try {
      return await openIfExists(path, flags);
    } catch (err) {
      throw new StoreError(`cannot read ${path}: ${describeIoError(err)}`);
    }
  }

  private newAppender(file: StoreFile, length: number): GroupCommitLog {
    return new GroupCommitLog(
      this.io,
      file,
      length,
      (entries) => this.durable(entries),
      this.stats,
      (m, f) => this.log('error', m, f),
      this.observer ? (seconds) => this.observer!.committed(seconds) : undefined,
    );
  }

  /**
   * Persists every change except upserts in state 'offered' (an OFFER promises nothing, so it
   * needs no disk write); resolves once they are synced. With nothing to write it resolves at once.
   */
  commit(changes: readonly LeaseChange[]): Promise<void> {
    const appender = this.appender;
    if (this.phase !== 'loaded' || !appender) {
      const why = this.phase === 'opened' ? 'load() must run before commit()' : 'the store is closed';
      return Promise.reject(new StoreError(`lease store ${this.directory}: ${why}`));
    }
    // Encode everything first: a lease the format cannot hold fails this commit alone, before
    // any of its frames joins the shared batch.
    let frames: Buffer[] | null = null;
    try {
      for (const c of changes) {
        if (c.kind === 'upsert' && c.lease.state === 'offered') continue;
        (frames ??= []).push(c.kind === 'upsert' ? encodeUpsert(c.lease) : encodeDelete(c.address));
      }
    } catch (err) {
      return Promise.reject(err);
    }
    if (frames === null) return RESOLVED;
    let i = 0;
    for (const c of changes) {
      if (c.kind === 'delete') appender.add(c.address >>> 0, frames[i++]!, true);
      else if (c.lease.state !== 'offered') appender.add(c.lease.address >>> 0, frames[i++]!, false);
    }
    return appender.seal();
  }

  private durable(entries: DurableEntry[]): void {
    this.observer?.synced(entries.length);
    for (const e of entries) {
      if (e.frame) this.live.set(e.address, e.frame);
      else this.live.delete(e.address);
    }
    this.updateCounts();
    this.maybeCompact();
  }

  private updateCounts(): void {
    this.stats.live = this.live.size;
    this.stats.diskRecords = this.snapshotRecords + this.oldLogRecords + (this.appender?.recordsInFile ?? 0);
  }

  private maybeCompact(): void {
    if (this.compacting || this.phase !== 'loaded' || Date.now() < this.compactionRetryAt) return;
    const threshold = this.compactAfterRecords ?? Math.max(MIN_COMPACT_AFTER, this.live.size);
    const superseded = this.stats.diskRecords - this.live.size;
    if (superseded > threshold) this.startCompaction(`${superseded} superseded records`);
  }

  private startCompaction(why: string): void {
    this.log('info', 'lease store: compacting', { dir: this.directory, why });
    this.compact().catch(() => undefined); // compact() logs its own failure
  }

  /**
   * Folds everything into a new snapshot without stopping commits: new commits go to a fresh
   * log first, then the live set is written out in chunks. Safe to crash at any step (README.md).
   * Resolves when done; concurrent calls share one run.
   */
  compact(): Promise<void> {
    if (this.phase !== 'loaded') return Promise.reject(new StoreError(`lease store ${this.directory}: not open`));
    this.compacting ??= this.runCompaction().then(
      () => {
        this.compacting = null;
      },
      (err: unknown) => {
        this.compacting = null;
        if (err instanceof CompactionAborted) return;
        this.compactionRetryAt = Date.now() + COMPACTION_RETRY_MS;
        const message = `lease store: compaction failed, serving continues on the log: ${describeIoError(err)}`;
        this.log('warn', message, { dir: this.directory });
        throw new StoreError(message);
      },
    );
    return this.compacting;
  }

  private async runCompaction(): Promise<void> {
    const appender = this.appender!;
    const started = performance.now();
    if (!this.rotated) {
      const next = await createStoreFile(this.io, this.directory, NEXT_LOG, 'log');
      const old = await appender.switchTo(next, HEADER_SIZE);
      this.rotated = true;
      this.oldLogRecords += old.records;
      await old.file.handle.close();
    }
    const stopped = (): boolean => this.phase !== 'loaded';
    const written = await writeSnapshot(this.io, this.directory, this.live, stopped);
    // The snapshot now holds everything the old snapshot and old log did.
    this.snapshotRecords = written;
    await this.io.unlink(join(this.directory, LOG)).catch((err) => {
      if (!isNotFound(err)) throw err;
    });
    this.oldLogRecords = 0;
    await this.io.rename(join(this.directory, NEXT_LOG), join(this.directory, LOG));
    this.rotated = false;
    appender.renamed(join(this.directory, LOG));
    await this.io.syncDir(this.directory);
    this.stats.compactions++;
    this.updateCounts();
    this.log('info', 'lease store: compacted', {
      dir: this.directory,
      snapshotRecords: written,
      ms: Math.round(performance.now() - started),
    });
  }

  /** Waits for batches in flight, stops a running compaction at its next chunk, releases the lock. */
  async close(): Promise<void> {
    if (this.phase === 'closed' || this.phase === 'closing') return;
    this.phase = 'closing';
    try {
      if (this.compacting) await this.compacting.catch(() => undefined);
      if (this.appender) await this.appender.close();
    } finally {
      this.phase = 'closed';
      await this.lock.release();
    }
  }
}
