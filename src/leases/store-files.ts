import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeHeader, type FileKind } from './file-header.js';
import { writeAll, type StoreFile, type StoreIo } from './store-io.js';

// File names inside the data directory; README.md explains how they relate.
export const SNAPSHOT = 'leases.snapshot';
export const LOG = 'leases.log';
/** The log new commits go to while a compaction folds leases.log into a new snapshot. */
export const NEXT_LOG = 'leases.log.next';
export const TMP = '.tmp';

/**
 * Creates `name` holding only its header, atomically: written and synced under a temporary
 * name, then renamed, then the directory synced. A crash leaves either no file or a whole header.
 */
export async function createStoreFile(io: StoreIo, dir: string, name: string, kind: FileKind): Promise<StoreFile> {
  const tmp = join(dir, name + TMP);
  const handle = await open(tmp, 'w+');
  try {
    const file = { path: tmp, handle };
    await writeAll(io, file, encodeHeader(kind, Date.now()), 0);
    await io.datasync(file);
    await io.rename(tmp, join(dir, name));
    await io.syncDir(dir);
    return { path: join(dir, name), handle };
  } catch (err) {
    await handle.close().catch(() => undefined);
    await io.unlink(tmp).catch(() => undefined);
    throw err;
  }
}
