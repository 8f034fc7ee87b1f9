import type { SubnetConfig, Reservation } from '../config/model.js';
import { inNetwork, ipv4Bytes, prefixToMask, type Ipv4 } from '../protocol/ipv4.js';
import { hex } from './bytes.js';
import type { ClientIdentity } from './client-identity.js';

/**
 * A subnet's static facts, indexed for per-packet questions: is this address ours, dynamic,
 * excluded, reserved, and for whom.
 */
export class Pool {
  readonly subnet: SubnetConfig;
  readonly id: number;
  readonly networkAddress: Ipv4;
  readonly broadcastAddress: Ipv4;
  private readonly reservedByAddress = new Map<Ipv4, Reservation>();
  private readonly reservedByClientId = new Map<string, Reservation>();
  private readonly reservedByHw = new Map<string, Reservation>();
  private readonly excluded: Set<Ipv4>;
  /** Configured options, with the subnet mask (1) derived from the prefix when not configured. */
  readonly options: Map<number, Uint8Array>;

  constructor(subnet: SubnetConfig) {
    this.subnet = subnet;
    this.id = subnet.id;
    const mask = prefixToMask(subnet.prefixLength);
    this.networkAddress = (subnet.network & mask) >>> 0;
    this.broadcastAddress = (this.networkAddress | ~mask) >>> 0;
    this.options = subnet.options.has(1) ? subnet.options : new Map([[1, ipv4Bytes(mask)], ...subnet.options]);
    this.excluded = new Set(subnet.exclusions.map((a) => a >>> 0));
    for (const r of subnet.reservations) {
      this.reservedByAddress.set(r.address >>> 0, r);
      if (r.clientId) this.reservedByClientId.set(hex(r.clientId), r);
      if (r.hwAddress) this.reservedByHw.set(hex(r.hwAddress), r);
    }
  }

  contains(a: Ipv4): boolean {
    return inNetwork(a, this.networkAddress, this.subnet.prefixLength);
  }

  inRange(a: Ipv4): boolean {
    a = a >>> 0;
    for (const r of this.subnet.ranges) if (a >= r.start >>> 0 && a <= r.end >>> 0) return true;
    return false;
  }

  /** Network and broadcast addresses are never given out (on /31 and /32 there are none). */
  isNetworkOrBroadcast(a: Ipv4): boolean {
    if (this.subnet.prefixLength >= 31) return false;
    return a >>> 0 === this.networkAddress || a >>> 0 === this.broadcastAddress;
  }

  isExcluded(a: Ipv4): boolean {
    return this.excluded.has(a >>> 0);
  }

  reservationAt(a: Ipv4): Reservation | undefined {
    return this.reservedByAddress.get(a >>> 0);
  }

  /** The client's reservation: by client identifier first, then by hardware address. */
  reservationFor(client: ClientIdentity): Reservation | undefined {
    // Asked several times per packet: most subnets have no reservations, and then no key is built.
    if (this.reservedByAddress.size === 0) return undefined;
    if (client.clientId) {
      const r = this.reservedByClientId.get(hex(client.clientId));
      if (r) return r;
    }
    return this.reservedByHw.get(hex(client.hwAddress));
  }

  /** Addresses a fresh dynamic allocation must skip, whoever asks. */
  isStaticallyBlocked(a: Ipv4): boolean {
    return this.isExcluded(a) || this.reservedByAddress.has(a >>> 0) || this.isNetworkOrBroadcast(a);
  }

  reservations(): Iterable<Reservation> {
    return this.reservedByAddress.values();
  }
}
