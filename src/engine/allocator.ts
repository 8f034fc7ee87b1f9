import type { AddressRange } from '../config/model.js';
import type { Ipv4 } from '../protocol/ipv4.js';
import type { LeaseTable } from './lease-table.js';
import type { Pool } from './pool.js';
import { RangeBitmap } from './range-bitmap.js';
import type { Lease } from './types.js';

/**
 * Finds a new address in a subnet in O(1) amortised time. Addresses never used (clear bits)
 * are preferred; when none is left, released/expired addresses are reused oldest first, so a
 * departed client keeps its affinity to its old address as long as possible.
 *
 * A `scope` narrows where fresh allocations come from (the address blocks this server has
 * claimed in a shared database); which addresses are valid for a client is still the pool's
 * business (canGrant), so a client keeps a lease outside the scope.
 */
export class Allocator {
  private readonly bitmaps: RangeBitmap[];
  /** Released/expired addresses in the ranges, in the order they became free (Set keeps insertion order). */
  private readonly reusable = new Set<Ipv4>();
  private nextRange = 0;
  private readonly scoped: boolean;

  constructor(
    private readonly pool: Pool,
    private readonly table: LeaseTable,
    scope?: readonly AddressRange[],
  ) {
    const ranges = scope ? clip(scope, pool.subnet.ranges) : [...pool.subnet.ranges].sort((x, y) => (x.start >>> 0) - (y.start >>> 0));
    this.bitmaps = ranges.map((r) => new RangeBitmap(r.start, r.end));
    this.scoped = scope !== undefined;
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

  /** Is `a` inside the allocation scope (always, when there is no scope)? */
  inScope(a: Ipv4): boolean {
    return !this.scoped || this.bitmapFor(a) !== undefined;
  }

  /** Addresses a fresh allocation could still use (never-used plus reusable), an upper bound. */
  get available(): number {
    let n = this.reusable.size;
    for (const b of this.bitmaps) n += b.freeCount;
    return n;
  }

  /** Binary search: a scope of claimed blocks can hold thousands of ranges. */
  private bitmapFor(a: Ipv4): RangeBitmap | undefined {
    a = a >>> 0;
    let lo = 0;
    let hi = this.bitmaps.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const b = this.bitmaps[mid]!;
      if (a < b.start) hi = mid - 1;
      else if (b.contains(a)) return b;
      else lo = mid + 1;
    }
    return undefined;
  }
}

/** The parts of `scope` inside `ranges`, sorted, adjacent pieces merged. */
function clip(scope: readonly AddressRange[], ranges: readonly AddressRange[]): AddressRange[] {
  const pieces: AddressRange[] = [];
  for (const s of scope) {
    for (const r of ranges) {
      const start = Math.max(s.start >>> 0, r.start >>> 0);
      const end = Math.min(s.end >>> 0, r.end >>> 0);
      if (start <= end) pieces.push({ start, end });
    }
  }
  pieces.sort((x, y) => x.start - y.start);
  const out: AddressRange[] = [];
  for (const p of pieces) {
    const last = out[out.length - 1];
    if (last && p.start <= last.end + 1) last.end = Math.max(last.end, p.end);
    else out.push({ ...p });
  }
  return out;
}
