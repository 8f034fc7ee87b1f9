import type { Ipv4 } from '../protocol/ipv4.js';
import { AddressMap } from './address-map.js';
import { ClientIndex, clientHash } from './client-index.js';
import { ExpiryQueue } from './expiry-queue.js';
import type { Lease } from './types.js';

export type LeaseListener = (address: Ipv4, before: Lease | undefined, after: Lease | undefined) => void;

/** States whose expiry means work for the reclaimer; released/expired records only keep affinity. */
const isTimed = (state: Lease['state']): boolean => state === 'bound' || state === 'offered' || state === 'declined';

/**
 * The lease records, one per address, indexed by address, by (subnet, client) and by expiry.
 * Records are treated as immutable values: every change replaces the record, so a LeaseChange
 * handed to a store is a stable snapshot.
 */
export class LeaseTable {
  private readonly byAddress = new AddressMap<Lease>();
  /** Addresses a client holds or last held in a subnet (declined records are not the client's any more). */
  private readonly byClient = new ClientIndex();
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
    const out: Lease[] = [];
    for (const a of this.byClient.addressesOf(clientHash(subnetId, clientKey))) {
      const l = this.byAddress.get(a);
      // Another client may share the hash: only this client's own records count.
      if (l && isIndexed(l) && l.subnetId === subnetId && l.clientKey === clientKey) out.push(l);
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
    this.byAddress.set(lease.address, lease);
    // A renewal keeps its client: the index entry stays as it is.
    const sameClient =
      before !== undefined &&
      isIndexed(before) === isIndexed(lease) &&
      before.subnetId === lease.subnetId &&
      before.clientKey === lease.clientKey;
    if (!sameClient) {
      if (before) this.unindexClient(before);
      if (isIndexed(lease)) this.byClient.add(clientHash(lease.subnetId, lease.clientKey), lease.address);
    }
    if (isTimed(lease.state) && (!before || before.expiresAt !== lease.expiresAt || !isTimed(before.state))) {
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
      if (l && l.expiresAt === at && isTimed(l.state)) return l;
      this.expiry.pop();
    }
  }

  private unindexClient(l: Lease): void {
    if (isIndexed(l)) this.byClient.remove(clientHash(l.subnetId, l.clientKey), l.address);
  }
}

/** Declined records are not the client's any more, so the client index leaves them out. */
const isIndexed = (l: Lease): boolean => l.state !== 'declined';
