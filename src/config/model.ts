import type { Ipv4 } from '../protocol/ipv4.js';

/**
 * The validated, normalised configuration the engine runs on. Both inputs (YAML/JSON file and
 * the seed's pool directory) are turned into this one shape, so the engine knows one format.
 */
export interface ServerConfig {
  subnets: SubnetConfig[];
  /** Answer INIT-REBOOT requests from unknown clients on our networks with NAK (RFC 2131 §4.3.2). */
  authoritative: boolean;
  /** How long an OFFERed address stays held for the client it was offered to, in seconds. */
  offerHoldSeconds: number;
  /** How long a DECLINEd address is kept out of allocation, in seconds. */
  declineProbationSeconds: number;
  /**
   * Lease caching (as Kea's cache-threshold): a renewal that comes within this percentage of the
   * lease time after the lease was last written reuses it. The client is told the time that
   * remains, so the stored expiry is exactly what it was told, and nothing is written. 0 disables.
   */
  leaseCachePercent: number;
  /** Where the configuration came from, for messages ("file.yaml", "pooldir/"). */
  source: string;
  /** The lease store; absent = embedded (the only choice for a seed pool directory). */
  store?: StoreConfig;
}

export interface AddressRange {
  start: Ipv4;
  end: Ipv4;
}

export interface Reservation {
  /** Hardware (MAC) address, when the reservation is by hardware address. */
  hwAddress?: Uint8Array;
  /** Client identifier (option 61 bytes, including its type byte), when by client-id. */
  clientId?: Uint8Array;
  address: Ipv4;
  hostname?: string;
}

export interface LeaseTimes {
  /** Lease time given when the client does not ask (option 51 absent), seconds. */
  default: number;
  min: number;
  max: number;
  /** T1 (option 58); when absent, 50 % of the granted lease time. */
  renewal?: number;
  /** T2 (option 59); when absent, 87.5 % of the granted lease time. */
  rebinding?: number;
}

export interface SubnetConfig {
  /** Stable numeric id (Kea-style `subnet[id]` statistics); 1-based, in config order unless set. */
  id: number;
  name: string;
  network: Ipv4;
  prefixLength: number;
  ranges: AddressRange[];
  /** Addresses inside the ranges never handed out dynamically. */
  exclusions: Ipv4[];
  reservations: Reservation[];
  /** Configured options, already encoded as option value bytes, in configured order. */
  options: Map<number, Uint8Array>;
  leaseTimes: LeaseTimes;
}

/** Where leases are kept. Absent from ServerConfig = the embedded store in --data-dir. */
export type StoreConfig = { kind: 'embedded' } | PostgresStoreConfig;

export interface PostgresStoreConfig {
  kind: 'postgres';
  /** Connection URL; when absent the PG* environment variables (PGHOST, PGDATABASE, …) apply. */
  url?: string;
  /** This server's name in the database (lease writer, block owner); unique among live servers. */
  serverName?: string;
  /** Addresses per claimable block of a dynamic range. */
  blockSize: number;
  /** How long a block claim (and a server's liveness) lasts without renewal, in seconds. */
  claimSeconds: number;
}
