import type { Ipv4 } from '../protocol/ipv4.js';

const CHUNK_BITS = 8;
const CHUNK = 1 << CHUNK_BITS;
const LOW = CHUNK - 1;

/**
 * address → value, as a Map from each /24-sized block of addresses to a 256-slot array. Why not
 * one Map: a Map doubles its table by rehashing every entry at once, and past 2^20 leases that is
 * one 70 ms stall of the event loop (measured: ~2,000 exchanges held up at 20,000/s). Here the
 * outer Map holds one entry per block (4,096 for a million sequentially allocated leases) and a
 * block never grows. Pools hand out addresses in runs, so blocks fill densely; a block with few
 * leases costs its 256 slots (2 KiB), which is small against the leases themselves.
 */
export class AddressMap<V> {
  private readonly blocks = new Map<number, (V | undefined)[]>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(address: Ipv4): V | undefined {
    return this.blocks.get(address >>> CHUNK_BITS)?.[address & LOW];
  }

  set(address: Ipv4, value: V): void {
    const key = address >>> CHUNK_BITS;
    let block = this.blocks.get(key);
    if (!block) this.blocks.set(key, (block = new Array<V | undefined>(CHUNK).fill(undefined)));
    if (block[address & LOW] === undefined) this.count++;
    block[address & LOW] = value;
  }

  /** True when there was a value. */
  delete(address: Ipv4): boolean {
    const key = address >>> CHUNK_BITS;
    const block = this.blocks.get(key);
    const slot = address & LOW;
    if (!block || block[slot] === undefined) return false;
    block[slot] = undefined;
    this.count--;
    return true;
  }

  /** Every value, block by block in the order the blocks were first used, each block by address. */
  *values(): IterableIterator<V> {
    for (const block of this.blocks.values()) {
      for (let i = 0; i < CHUNK; i++) {
        const v = block[i];
        if (v !== undefined) yield v;
      }
    }
  }
}
