import { writeSync } from 'node:fs';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';

/** An open store file: its path travels with the handle so every error can name the file. */
export interface StoreFile {
  readonly path: string;
  readonly handle: FileHandle;
}

/**
 * The file operations that can fail while serving (disk full, I/O error, crash mid-way).
 * Everything goes through here so tests can inject failures at any step. Whatever waits for the
 * disk (syncs, large writes) runs in the libuv pool, never on the event loop.
 */
export interface StoreIo {
  /** Writes at `position`; may write fewer bytes than asked (the caller loops). */
  write(file: StoreFile, data: Uint8Array, position: number): Promise<number>;
  datasync(file: StoreFile): Promise<void>;
  truncate(file: StoreFile, length: number): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** fsync of a directory, so a rename or unlink in it is durable. */
  syncDir(dir: string): Promise<void>;
}

/**
 * Writes up to this size go straight to the page cache from the calling thread. Such a write
 * only copies bytes into memory (the fdatasync after it, which waits for the disk, still runs in
 * the libuv pool) and costs a few microseconds, less than the hand-off to a pool thread and back,
 * which costs two thread wake-ups. Larger writes (snapshot chunks) stay in the pool.
 */
export const DIRECT_WRITE_MAX = 64 * 1024;

export const realIo: StoreIo = {
  async write(file, data, position) {
    if (data.length <= DIRECT_WRITE_MAX) return writeSync(file.handle.fd, data, 0, data.length, position);
    const { bytesWritten } = await file.handle.write(data, 0, data.length, position);
    return bytesWritten;
  },
  datasync: (file) => file.handle.datasync(),
  truncate: (file, length) => file.handle.truncate(length),
  rename: (from, to) => rename(from, to),
  unlink: (path) => unlink(path),
  async syncDir(dir) {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  },
};

/** Writes all of `data` at `position`, looping over short writes (a filling disk gives those first). */
export async function writeAll(io: StoreIo, file: StoreFile, data: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const n = await io.write(file, data.subarray(done), position + done);
    if (n <= 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
    done += n;
  }
}

/** "ENOSPC (no space left on device)" from a Node system error, or its message. */
export function describeIoError(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : null;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  if (!code) return message;
  // Node's messages read "ENOSPC: no space left on device, write"; keep the human part.
  const human = message.startsWith(`${code}: `) ? message.slice(code.length + 2).replace(/, \w+( '.*')?$/, '') : message;
  return human && human !== code ? `${code} (${human})` : code;
}

export const isNotFound = (err: unknown): boolean => (err as { code?: unknown })?.code === 'ENOENT';
