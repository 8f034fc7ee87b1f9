import type { Ipv4 } from '../protocol/ipv4.js';

/**
 * A 32-bit hash of (subnet, client key). Only a hint: the index may hold other clients' addresses
 * under the same hash, so callers confirm each candidate against its lease record.
 */
export function clientHash(subnetId: number, clientKey: string): number {
  let h = Math.imul(subnetId ^ 0x811c9dc5, 0x01000193); // FNV-1a over the key's characters
  for (let i = 0; i < clientKey.length; i++) h = Math.imul(h ^ clientKey.charCodeAt(i), 0x01000193);
  // murmur3's finalizer, so the low bits that pick a slot depend on every character.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/**
 * (hash, address) pairs, spread over 16 tables by the hash's top 4 bits. Why: a table doubles by
 * moving every entry at once, and at a million leases one table's resize held the event loop for
 * 17 ms; sixteen tables reach their thresholds at different moments (the hashes are uniform but
 * not evenly counted), each moving a sixteenth. A client's entries share one hash, so one table.
 */
export class ClientIndex {
  private readonly tables = Array.from({ length: 16 }, () => new ClientTable());

  get size(): number {
    let n = 0;
    for (const t of this.tables) n += t.size;
    return n;
  }

  add(hash: number, address: Ipv4): void {
    this.tables[hash >>> 28]!.add(hash, address);
  }

  /** Removes the pair if present. */
  remove(hash: number, address: Ipv4): void {
    this.tables[hash >>> 28]!.remove(hash, address);
  }

  /** Addresses stored under `hash`, in insertion order (usually one, possibly none). */
  addressesOf(hash: number): Ipv4[] {
    return this.tables[hash >>> 28]!.addressesOf(hash);
  }
}

/**
 * (hash, address) pairs in an open-addressing table of typed arrays (linear probing, deletion by
 * backward shift, so no tombstones). Keyed by a number rather than the client key string: a
 * reload inserts a million fresh keys, and a Map<string, …> spends most of its time hashing
 * them and the garbage collector tracing its entries. A client's addresses sit in one probe run
 * in insertion order.
 */
class ClientTable {
  private hashes = new Int32Array(0);
  private addresses = new Uint32Array(0);
  private full = new Uint8Array(0);
  private mask = -1;
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(hash: number, address: Ipv4): void {
    if ((this.count + 1) * 2 > this.full.length) this.resize(Math.max(1024, this.full.length * 2));
    let i = hash & this.mask;
    while (this.full[i]) i = (i + 1) & this.mask;
    this.put(i, hash, address);
    this.count++;
  }

  /** Removes the pair if present. */
  remove(hash: number, address: Ipv4): void {
    const mask = this.mask;
    let i = hash & mask;
    for (; this.full[i]; i = (i + 1) & mask) {
      if (this.hashes[i] === hash && this.addresses[i] === address) break;
    }
    if (!this.full[i]) return;
    this.count--;
    // Shift later entries of the run back into the hole when their home slot allows it.
    for (let j = (i + 1) & mask; this.full[j]; j = (j + 1) & mask) {
      const home = this.hashes[j]! & mask;
      if (((j - home) & mask) >= ((j - i) & mask)) {
        this.put(i, this.hashes[j]!, this.addresses[j]!);
        i = j;
      }
    }
    this.full[i] = 0;
  }

  /** Addresses stored under `hash`, in insertion order (usually one, possibly none). */
  addressesOf(hash: number): Ipv4[] {
    const out: Ipv4[] = [];
    for (let i = hash & this.mask; this.full[i]; i = (i + 1) & this.mask) {
      if (this.hashes[i] === hash) out.push(this.addresses[i]!);
    }
    return out;
  }

  private put(i: number, hash: number, address: Ipv4): void {
    this.hashes[i] = hash;
    this.addresses[i] = address;
    this.full[i] = 1;
  }

  private resize(slots: number): void {
    const { hashes, addresses, full } = this;
    this.hashes = new Int32Array(slots);
    this.addresses = new Uint32Array(slots);
    this.full = new Uint8Array(slots);
    this.mask = slots - 1;
    // Walking the old table from the start of a run keeps each client's addresses in order.
    const n = full.length;
    let start = 0;
    while (start < n && full[start]) start++;
    for (let j = start; j < n; j++) if (full[j]) this.reinsert(hashes[j]!, addresses[j]!);
    for (let j = 0; j < start; j++) if (full[j]) this.reinsert(hashes[j]!, addresses[j]!);
  }

  private reinsert(hash: number, address: Ipv4): void {
    let i = hash & this.mask;
    while (this.full[i]) i = (i + 1) & this.mask;
    this.put(i, hash, address);
  }
}
