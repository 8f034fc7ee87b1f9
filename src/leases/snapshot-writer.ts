import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeHeader, HEADER_SIZE } from './file-header.js';
import type { LiveSet } from './live-set.js';
import { encodeSnapshotEnd } from './record-codec.js';
import { SNAPSHOT, TMP } from './store-files.js';
import { writeAll, type StoreIo } from './store-io.js';

/** Records per write; between writes the event loop serves packets. */
const CHUNK_RECORDS = 8192;

export class CompactionAborted extends Error {}

/**
 * Writes every frame of `live` to leases.snapshot.tmp in chunks, syncs it, renames it over
 * leases.snapshot and syncs the directory. Returns the number of lease records written.
 *
 * `live` keeps changing while this runs (commits go on). That is safe: the walk covers every
 * address live when it starts (after the log was switched, so everything the old files hold),
 * each with its value as of some moment after the switch (or none, if deleted since), and
 * every change after the switch is in the new log, which is replayed after the snapshot on load.
 */
export async function writeSnapshot(
  io: StoreIo,
  dir: string,
  live: LiveSet,
  stopped: () => boolean,
): Promise<number> {
  const tmp = join(dir, SNAPSHOT + TMP);
  const handle = await open(tmp, 'w');
  const file = { path: tmp, handle };
  let renamed = false;
  try {
    let position = 0;
    const header = encodeHeader('snapshot', Date.now());
    await writeAll(io, file, header, position);
    position += HEADER_SIZE;
    let count = 0;
    const cursor = live.cursor();
    for (;;) {
      if (stopped()) throw new CompactionAborted('lease store closing');
      const { data, records } = live.copyFrames(cursor, CHUNK_RECORDS);
      if (records === 0) break;
      count += records;
      await writeAll(io, file, data, position);
      position += data.length;
    }
    await writeAll(io, file, encodeSnapshotEnd(count), position);
    await io.datasync(file);
    await handle.close();
    await io.rename(tmp, join(dir, SNAPSHOT));
    renamed = true;
    await io.syncDir(dir);
    return count;
  } catch (err) {
    await handle.close().catch(() => undefined);
    if (!renamed) await io.unlink(tmp).catch(() => undefined);
    throw err;
  }
}
