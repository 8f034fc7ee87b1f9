import type { Ipv4 } from '../protocol/ipv4.js';
import type { DhcpMessage } from '../protocol/message.js';

/** What the runtime knows about the path a request arrived on. */
export interface RequestContext {
  /** Seconds since the epoch (may be fractional); the engine has no clock of its own. */
  now: number;
  /** Our address as the client reaches us on this path. */
  serverId: Ipv4;
  /** Receiving interface, used to find the subnet of directly attached clients. */
  iface: { address: Ipv4; prefixLength: number } | null;
}

export type LeaseState = 'offered' | 'bound' | 'released' | 'expired' | 'declined';

/** One record per address: who has (or last had) it, and until when. */
export interface Lease {
  address: Ipv4;
  subnetId: number;
  clientKey: string;
  hwType: number;
  hwAddress: Uint8Array;
  clientId: Uint8Array | null;
  hostname: string | null;
  state: LeaseState;
  issuedAt: number;
  expiresAt: number;
}

export type LeaseChange = { kind: 'upsert'; lease: Lease } | { kind: 'delete'; address: Ipv4 };

export interface Decision {
  /** null = stay silent. */
  reply: DhcpMessage | null;
  /**
   * Short stable code for logs and metrics. Replies: 'offer', 'ack', 'ack-inform',
   * 'nak-wrong-address', 'nak-wrong-network', 'nak-no-requested-address'. Silent with a lease
   * change: 'release', 'decline'. Silent: 'drop-not-request', 'drop-bootp',
   * 'drop-unexpected-type', 'drop-no-client-identity', 'drop-no-subnet', 'drop-no-free-address',
   * 'drop-other-server', 'drop-unknown-client', 'drop-not-our-network', 'drop-malformed-request',
   * 'drop-malformed-decline', 'drop-decline-not-leased', 'drop-release-not-leased'.
   */
  reason: string;
  subnetId: number | null;
  /** What changed in the lease table, in order; a store persists these before the reply is sent. */
  changes: LeaseChange[];
}
