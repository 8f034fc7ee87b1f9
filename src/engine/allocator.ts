import type { Ipv4 } from '../protocol/ipv4.js';
import type { LeaseTable } from './lease-table.js';
import type { Pool } from './pool.js';
import { RangeBitmap } from './range-bitmap.js';
import type { Lease } from './types.js';

/**
 * Finds a new address in a subnet in O(1) amortised time. Addresses never used (clear bits)
 * are preferred; when none is left, released/expired addresses are reused oldest first, so a
 * departed client keeps its affinity to its old address as long as possible.
 */
export class Allocator {
  private readonly bitmaps: RangeBitmap[];
  /** Released/expired addresses in the ranges, in the order they became free (Set keeps insertion order). */
  private readonly reusable = new Set<Ipv4>();
  private nextRange = 0;

  constructor(
    private readonly pool: Pool,
    private readonly table: LeaseTable,
  ) {
    this.bitmaps = pool.subnet.ranges.map((r) => new RangeBitmap(r.start, r.end));
    for (const b of this.bitmaps) {
      for (const a of pool.subnet.exclusions) if (b.contains(a)) b.set(a);
      for (const r of pool.reservations()) if (b.contains(r.address)) b.set(r.address);
      if (pool.subnet.prefixLength < 31) {
        if (b.contains(pool.networkAddress)) b.set(pool.networkAddress);
        if (b.contains(pool.broadcastAddress)) b.set(pool.broadcastAddress);
      }
    }
  }

  /** Keeps the bitmaps and the reuse queue in step with the lease table. */
  onLeaseChange(address: Ipv4, after: Lease | undefined): void {
    const b = this.bitmapFor(address);
    if (!b) return;
    if (after) {
      b.set(address);
      if (after.state === 'released' || after.state === 'expired') {
        this.reusable.delete(address);
        this.reusable.add(address);
      } else {
        this.reusable.delete(address);
      }
    } else {
      this.reusable.delete(address);
      if (!this.pool.isStaticallyBlocked(address)) b.clear(address);
    }
  }

  /** A fresh or reusable dynamic address, or null when the subnet is full. Does not reserve it. */
  pick(): Ipv4 | null {
    const n = this.bitmaps.length;
    for (let k = 0; k < n; k++) {
      const i = (this.nextRange + k) % n;
      const b = this.bitmaps[i]!;
      for (let a = b.nextClear(); a !== null; a = b.nextClear()) {
        // A clear bit with a record means someone changed the table behind our back: repair.
        if (this.table.get(a) === undefined && !this.pool.isStaticallyBlocked(a)) {
          this.nextRange = i;
          return a;
        }
        b.set(a);
      }
    }
    for (const a of this.reusable) {
      const l = this.table.get(a);
      if ((l === undefined || l.state === 'released' || l.state === 'expired') && !this.pool.isStaticallyBlocked(a)) {
        return a;
      }
      this.reusable.delete(a);
    }
    return null;
  }

  private bitmapFor(a: Ipv4): RangeBitmap | undefined {
    for (const b of this.bitmaps) if (b.contains(a)) return b;
    return undefined;
  }
}
