import { AddressIndex } from './address-index.js';
import { FRAME_HEADER, recordAddress } from './record-codec.js';

const SLAB_BITS = 20;
/** Arena slabs of 1 MiB; a frame (at most ~197 KiB) always fits in one. */
const SLAB_SIZE = 1 << SLAB_BITS;
const OFFSET_MASK = SLAB_SIZE - 1;

/** A walk over the addresses live when it began, for copying frames out in chunks. */
export interface FrameCursor {
  readonly addresses: Uint32Array;
  next: number;
}

/**
 * The latest frame of every address, packed: frames live in 1 MiB arena slabs and the index
 * maps address → slab * 2^20 + offset, in typed arrays, so a million leases are ~70 bytes each
 * in slabs plus 16 in the index, with no per-lease object for the garbage collector to trace
 * (per-lease Buffers cost more in GC than the whole load). A superseded frame stays in its
 * slab as dead bytes; a slab that drops below half live is emptied by moving its live frames
 * to the current slab, so memory stays within about twice the live bytes.
 */
export class LiveSet {
  private readonly index = new AddressIndex();
  private readonly slabs: (Buffer | null)[] = [];
  /** Live bytes per slab, and bytes used (live or dead). */
  private readonly liveBytes: number[] = [];
  private readonly usedBytes: number[] = [];
  private readonly freeSlabs: number[] = [];
  private current = -1;

  get size(): number {
    return this.index.size;
  }

  /** Bytes held by slabs (for stats and the benchmark). */
  get arenaBytes(): number {
    return this.slabs.reduce((n, s) => n + (s ? s.length : 0), 0);
  }

  /** Copies the frame at `start` in `buffer` in as the latest record of `address`. */
  set(address: number, buffer: Buffer, start = 0): void {
    const previous = this.index.set(address, this.append(buffer, start));
    if (previous >= 0) this.release(previous);
  }

  delete(address: number): void {
    const previous = this.index.delete(address);
    if (previous >= 0) this.release(previous);
  }

  /**
   * Calls `fn(buffer, frameStart)` for every live frame (read it right away: slabs get reused).
   * Walks the slabs in order, so a reload reads its frames sequentially.
   */
  forEach(fn: (buffer: Buffer, start: number) => void): void {
    for (let s = 0; s < this.slabs.length; s++) {
      const slab = this.slabs[s];
      if (!slab) continue;
      // A slab with no dead bytes needs no index lookups (the usual case right after a load).
      const allLive = this.liveBytes[s] === this.usedBytes[s];
      for (let at = 0; at < this.usedBytes[s]; at += FRAME_HEADER + slab.readUInt32LE(at)) {
        if (allLive || this.index.get(recordAddress(slab, at + FRAME_HEADER)) === s * SLAB_SIZE + at) fn(slab, at);
      }
    }
  }

  /** Starts a walk over the addresses live now (in address order, so snapshots are too), for copyFrames(). */
  cursor(): FrameCursor {
    return { addresses: this.index.addresses(), next: 0 };
  }

  /**
   * Copies the current frames of the cursor's next addresses into one buffer, up to
   * `maxRecords`; empty when done. Commits may go on between calls: an address deleted since
   * the cursor began is skipped, one added since is not visited (the caller's log has both).
   */
  copyFrames(cursor: FrameCursor, maxRecords: number): { data: Buffer; records: number } {
    const parts: Buffer[] = [];
    let bytes = 0;
    let records = 0;
    while (records < maxRecords && cursor.next < cursor.addresses.length) {
      const location = this.index.get(cursor.addresses[cursor.next++]!);
      if (location < 0) continue;
      const slab = this.slabs[location >>> SLAB_BITS]!;
      const start = location & OFFSET_MASK;
      const end = start + FRAME_HEADER + slab.readUInt32LE(start);
      parts.push(slab.subarray(start, end));
      bytes += end - start;
      records++;
    }
    return { data: Buffer.concat(parts, bytes), records };
  }

  private append(buffer: Buffer, start: number): number {
    const length = FRAME_HEADER + buffer.readUInt32LE(start);
    if (this.current < 0 || this.usedBytes[this.current] + length > SLAB_SIZE) this.newSlab();
    const s = this.current;
    const offset = this.usedBytes[s];
    // A byte loop: frames are ~70 bytes, where Buffer.copy's per-call checks cost more than the copy.
    const slab = this.slabs[s]!;
    for (let i = 0; i < length; i++) slab[offset + i] = buffer[start + i]!;
    this.usedBytes[s] = offset + length;
    this.liveBytes[s] += length;
    return s * SLAB_SIZE + offset;
  }

  private release(location: number): void {
    const s = location >>> SLAB_BITS;
    const slab = this.slabs[s]!;
    const start = location & OFFSET_MASK;
    this.liveBytes[s] -= FRAME_HEADER + slab.readUInt32LE(start);
    if (s !== this.current && this.liveBytes[s] * 2 < this.usedBytes[s]) this.evacuate(s);
  }

  /** Moves slab `s`'s live frames to the current slab and frees it (at most 512 KiB copied). */
  private evacuate(s: number): void {
    const slab = this.slabs[s]!;
    const used = this.usedBytes[s];
    for (let at = 0; at < used; ) {
      const length = FRAME_HEADER + slab.readUInt32LE(at);
      const address = recordAddress(slab, at + FRAME_HEADER);
      if (this.index.get(address) === s * SLAB_SIZE + at) this.index.set(address, this.append(slab, at));
      at += length;
    }
    this.slabs[s] = null;
    this.liveBytes[s] = 0;
    this.usedBytes[s] = 0;
    this.freeSlabs.push(s);
  }

  private newSlab(): void {
    const s = this.freeSlabs.pop() ?? this.slabs.length;
    this.slabs[s] = Buffer.allocUnsafeSlow(SLAB_SIZE);
    this.liveBytes[s] = 0;
    this.usedBytes[s] = 0;
    this.current = s;
  }
}
