import type { Ipv4 } from '../protocol/ipv4.js';

/**
 * One bit per address of a range: set = not available for a fresh allocation (has a lease
 * record, or is excluded/reserved/network/broadcast). The words are allocated on first use, so a
 * configured /8 costs nothing until it serves a client, then 2 MiB. A rotating cursor makes a
 * sequential fill O(1) per allocation; a sparse range is skipped 32 addresses per step.
 */
export class RangeBitmap {
  readonly start: Ipv4;
  readonly size: number;
  private words: Uint32Array | null = null;
  private cursor = 0;
  private used = 0;

  constructor(start: Ipv4, end: Ipv4) {
    this.start = start >>> 0;
    this.size = (end >>> 0) - this.start + 1;
  }

  contains(a: Ipv4): boolean {
    const i = (a >>> 0) - this.start;
    return i >= 0 && i < this.size;
  }

  get freeCount(): number {
    return this.size - this.used;
  }

  isSet(a: Ipv4): boolean {
    if (!this.words) return false;
    const i = (a >>> 0) - this.start;
    return (this.words[i >>> 5]! & (1 << (i & 31))) !== 0;
  }

  set(a: Ipv4): void {
    const w = this.ensure();
    const i = (a >>> 0) - this.start;
    const bit = 1 << (i & 31);
    if ((w[i >>> 5]! & bit) !== 0) return;
    w[i >>> 5] = w[i >>> 5]! | bit;
    this.used++;
  }

  clear(a: Ipv4): void {
    if (!this.words) return;
    const i = (a >>> 0) - this.start;
    const bit = 1 << (i & 31);
    if ((this.words[i >>> 5]! & bit) === 0) return;
    this.words[i >>> 5] = this.words[i >>> 5]! & ~bit;
    this.used--;
  }

  /** The next clear address at or after the cursor (wrapping), or null when every bit is set. */
  nextClear(): Ipv4 | null {
    if (this.used >= this.size) return null;
    const w = this.ensure();
    const nWords = w.length;
    let i = this.cursor;
    // At most one full lap plus the partial first word.
    for (let steps = 0; steps <= nWords; steps++) {
      const wi = i >>> 5;
      const word = w[wi]!;
      if (word !== 0xffffffff) {
        for (let b = i & 31; b < 32; b++) {
          const idx = (wi << 5) + b;
          if (idx >= this.size) break;
          if ((word & (1 << b)) === 0) {
            this.cursor = idx + 1 >= this.size ? 0 : idx + 1;
            return (this.start + idx) >>> 0;
          }
        }
      }
      i = (wi + 1) << 5;
      if (i >= this.size) i = 0;
    }
    return null;
  }

  private ensure(): Uint32Array {
    return (this.words ??= new Uint32Array(Math.ceil(this.size / 32)));
  }
}
