import type { Ipv4 } from '../protocol/ipv4.js';

/**
 * Min-heap of (time, address). Entries are never updated in place: a renewed lease pushes a new
 * entry and the stale one is skipped when it surfaces (the caller checks it against the table).
 * That keeps every operation O(log n) with no per-address bookkeeping.
 */
export class ExpiryQueue {
  private times: number[] = [];
  private addrs: Ipv4[] = [];

  get size(): number {
    return this.times.length;
  }

  push(at: number, address: Ipv4): void {
    const t = this.times;
    const a = this.addrs;
    let i = t.length;
    t.push(at);
    a.push(address);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (t[p]! <= at) break;
      t[i] = t[p]!;
      a[i] = a[p]!;
      i = p;
    }
    t[i] = at;
    a[i] = address;
  }

  peekTime(): number | undefined {
    return this.times[0];
  }

  peekAddress(): Ipv4 | undefined {
    return this.addrs[0];
  }

  pop(): void {
    const t = this.times;
    const a = this.addrs;
    const lastT = t.pop()!;
    const lastA = a.pop()!;
    const n = t.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && t[r]! < t[l]! ? r : l;
      if (t[c]! >= lastT) break;
      t[i] = t[c]!;
      a[i] = a[c]!;
      i = c;
    }
    t[i] = lastT;
    a[i] = lastA;
  }
}
