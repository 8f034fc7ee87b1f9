import { FRAME_HEADER } from './record-codec.js';

const SLAB_BITS = 20;
/** Arena slabs of 1 MiB; a frame (at most ~197 KiB) always fits in one. */
const SLAB_SIZE = 1 << SLAB_BITS;
const OFFSET_MASK = SLAB_SIZE - 1;

/**
 * The latest frame of every address, packed: frames live in 1 MiB arena slabs and the index
 * maps address → slab * 2^20 + offset. Both keys (address | 0) and values fit V8's small
 * integers, so a million leases are a million map entries and ~70 bytes each in slabs, with
 * no per-lease object for the garbage collector to trace (per-lease Buffers cost more in GC
 * than the whole load). A superseded frame stays in its slab as dead bytes; a slab that drops
 * below half live is emptied by moving its live frames to the current slab, so memory stays
 * within about twice the live bytes.
 */
export class LiveSet {
  private readonly index = new Map<number, number>();
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
    const key = address | 0;
    const previous = this.index.get(key);
    this.index.set(key, this.append(buffer, start));
    if (previous !== undefined) this.release(previous);
  }

  delete(address: number): void {
    const key = address | 0;
    const previous = this.index.get(key);
    if (previous === undefined) return;
    this.index.delete(key);
    this.release(previous);
  }

  /** Calls `fn(buffer, frameStart)` for every live frame (read it right away: slabs get reused). */
  forEach(fn: (buffer: Buffer, start: number) => void): void {
    for (const location of this.index.values()) fn(this.slabs[location >>> SLAB_BITS]!, location & OFFSET_MASK);
  }

  /** An iterator over live locations for copying out in chunks with copyFrames(). */
  locations(): IterableIterator<number> {
    return this.index.values();
  }

  /**
   * Copies frames from `it` into one buffer, up to `maxRecords`; empty when done. The index may
   * change between calls (commits go on); a Map iterator copes, and each frame is read at once.
   */
  copyFrames(it: Iterator<number>, maxRecords: number): { data: Buffer; records: number } {
    const parts: Buffer[] = [];
    let bytes = 0;
    let records = 0;
    while (records < maxRecords) {
      const next = it.next();
      if (next.done) break;
      const slab = this.slabs[next.value >>> SLAB_BITS]!;
      const start = next.value & OFFSET_MASK;
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
    buffer.copy(this.slabs[s]!, offset, start, start + length);
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
      const key = slab.readInt32LE(at + FRAME_HEADER + 4);
      if (this.index.get(key) === s * SLAB_SIZE + at) {
        this.index.set(key, this.append(slab, at));
      }
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
