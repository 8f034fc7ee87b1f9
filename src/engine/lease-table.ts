import type { Ipv4 } from '../protocol/ipv4.js';
import { ExpiryQueue } from './expiry-queue.js';
import type { Lease } from './types.js';

export type LeaseListener = (address: Ipv4, before: Lease | undefined, after: Lease | undefined) => void;

/** States whose expiry means work for the reclaimer; released/expired records only keep affinity. */
const TIMED = new Set(['offered', 'bound', 'declined']);

/**
 * A client's addresses in one subnet: almost always exactly one, kept as the bare number so a
 * table of a million clients holds no million small collections (reload time and GC).
 */
type ClientAddresses = Ipv4 | Ipv4[];

/**
 * The lease records, one per address, indexed by address, by (subnet, client) and by expiry.
 * Records are treated as immutable values: every change replaces the record, so a LeaseChange
 * handed to a store is a stable snapshot.
 */
export class LeaseTable {
  private readonly byAddress = new Map<Ipv4, Lease>();
  /** Addresses a client holds or last held in a subnet (declined records are not the client's any more). */
  private readonly byClient = new Map<number, Map<string, ClientAddresses>>();
  private readonly expiry = new ExpiryQueue();
  private readonly listeners: LeaseListener[] = [];

  constructor(leases: Iterable<Lease> = []) {
    for (const l of leases) this.upsert(l);
  }

  get size(): number {
    return this.byAddress.size;
  }

  get(address: Ipv4): Lease | undefined {
    return this.byAddress.get(address);
  }

  all(): IterableIterator<Lease> {
    return this.byAddress.values();
  }

  /** The client's records in a subnet (bound, offered, released or expired). */
  forClient(subnetId: number, clientKey: string): Lease[] {
    const held = this.byClient.get(subnetId)?.get(clientKey);
    if (held === undefined) return [];
    const out: Lease[] = [];
    for (const a of typeof held === 'number' ? [held] : held) {
      const l = this.byAddress.get(a);
      if (l) out.push(l);
    }
    return out;
  }

  /** Observers keep derived structures (the allocator's bitmaps) in step with every change. */
  subscribe(listener: LeaseListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  upsert(lease: Lease): void {
    const before = this.byAddress.get(lease.address);
    if (before) this.unindexClient(before);
    this.byAddress.set(lease.address, lease);
    if (lease.state !== 'declined') {
      let clients = this.byClient.get(lease.subnetId);
      if (!clients) this.byClient.set(lease.subnetId, (clients = new Map()));
      const held = clients.get(lease.clientKey);
      if (held === undefined) clients.set(lease.clientKey, lease.address);
      else if (typeof held === 'number') {
        if (held !== lease.address) clients.set(lease.clientKey, [held, lease.address]);
      } else if (!held.includes(lease.address)) held.push(lease.address);
    }
    if (TIMED.has(lease.state) && (!before || before.expiresAt !== lease.expiresAt || !TIMED.has(before.state))) {
      this.expiry.push(lease.expiresAt, lease.address);
    }
    for (const f of this.listeners) f(lease.address, before, lease);
  }

  delete(address: Ipv4): void {
    const before = this.byAddress.get(address);
    if (!before) return;
    this.unindexClient(before);
    this.byAddress.delete(address);
    for (const f of this.listeners) f(address, before, undefined);
  }

  /**
   * The earliest offered/bound/declined record whose time has come (expiresAt <= now), or
   * undefined. Stale queue entries (renewed, deleted, state changed) are discarded on the way.
   */
  nextExpired(now: number): Lease | undefined {
    for (;;) {
      const at = this.expiry.peekTime();
      if (at === undefined || at > now) return undefined;
      const l = this.byAddress.get(this.expiry.peekAddress()!);
      if (l && l.expiresAt === at && TIMED.has(l.state)) return l;
      this.expiry.pop();
    }
  }

  private unindexClient(l: Lease): void {
    const clients = this.byClient.get(l.subnetId);
    const held = clients?.get(l.clientKey);
    if (held === undefined) return;
    if (typeof held === 'number') {
      if (held === l.address) clients!.delete(l.clientKey);
      return;
    }
    const rest = held.filter((a) => a !== l.address);
    clients!.set(l.clientKey, rest.length === 1 ? rest[0]! : rest);
    if (rest.length === 0) clients!.delete(l.clientKey);
  }
}
