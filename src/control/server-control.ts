import type { Lease } from '../engine/types.js';
import type { Ipv4 } from '../protocol/ipv4.js';

/**
 * The seam between the management API and whatever serves DHCP. The API (api-server.ts) only
 * calls this; today's single process implements it over its engine (runtime/local-control.ts),
 * and a multi-worker supervisor can implement it by asking its workers. Every method is async
 * and takes and returns plain data (structured-clone safe), so it can cross a process boundary.
 */
export interface ServerControl {
  /** Lease records (never offers), in address order, narrowed by `query`. */
  leases(query: LeaseQuery): Promise<Lease[]>;
  /** Up to `limit` lease records with an address above `after` (null: from the lowest), in address order. */
  leasePage(after: Ipv4 | null, limit: number): Promise<Lease[]>;
  getLease(address: Ipv4): Promise<Lease | undefined>;
  /**
   * Writes a lease record, durable before the promise resolves. 'add' refuses an address that
   * has a record already; 'update' refuses one that has none; 'upsert' does either.
   */
  putLease(lease: LeaseDraft, mode: 'add' | 'update' | 'upsert'): Promise<PutResult>;
  /** Removes the record (durably); false when there was none. */
  deleteLease(address: Ipv4): Promise<boolean>;
  /** Removes every record of `subnetId` (every record when undefined); returns how many. */
  wipeLeases(subnetId?: number): Promise<number>;

  /** Counters and gauges under Kea's statistic names, as seen since the last reset. */
  statistics(): Promise<Map<string, StatisticValue>>;
  /** Sets one statistic (every one when undefined) back to zero; false when the name is unknown. */
  resetStatistic(name?: string): Promise<boolean>;
  /** Address usage per subnet and range, for `hydra pools`. */
  pools(): Promise<SubnetUsage[]>;

  /** The running configuration as its YAML-equivalent JSON document. */
  config(): Promise<ConfigDocument>;
  /** Validates a candidate document; the running configuration is not touched. */
  testConfig(document: unknown): Promise<ConfigCheck>;
  /** Validates and, when valid, applies the document atomically; refused ones change nothing. */
  setConfig(document: unknown): Promise<ConfigCheck>;
  /** Reads the configuration again from where the server got it (file or pool directory). */
  reloadConfig(): Promise<ConfigCheck>;
  /** Writes the running configuration to `path` (default: the file it came from); returns path and size. */
  writeConfig(path?: string): Promise<{ path: string; size: number }>;

  status(): Promise<ServerStatus>;
  /** While disabled, DHCP packets are dropped; `maxPeriod` seconds re-enables automatically. */
  setDhcpEnabled(enabled: boolean, maxPeriodSeconds?: number): Promise<void>;
  /** Reclaims every expired lease now; `remove` deletes the records instead of keeping them expired. */
  reclaim(remove: boolean): Promise<number>;
  /** Stops the server after the answer has had time to leave. */
  shutdown(exitValue: number): Promise<void>;
}

export type LeaseQuery =
  | { kind: 'all'; subnets?: number[] }
  | { kind: 'hw-address'; hwAddress: Uint8Array }
  | { kind: 'client-id'; clientId: Uint8Array }
  | { kind: 'hostname'; hostname: string }
  | { kind: 'client'; subnetId: number; hwAddress?: Uint8Array; clientId?: Uint8Array };

/** A lease as an API caller gives it: what is left out is filled in from the subnet and the clock. */
export interface LeaseDraft {
  address: Ipv4;
  /** null: the configured subnet that holds the address. */
  subnetId: number | null;
  hwType: number;
  hwAddress: Uint8Array;
  clientId: Uint8Array | null;
  hostname: string | null;
  state: 'bound' | 'declined' | 'expired';
  /** Seconds; null: the subnet's default lease time. */
  validLifetime: number | null;
  /** Epoch seconds the lease was (re)issued; null: now. */
  issuedAt: number | null;
}

export type PutResult = { ok: true } | { ok: false; reason: 'exists' | 'missing' | 'offered' | 'no-subnet'; message: string };

/** One statistic sample: value and the time (epoch seconds) it last changed or was reset. */
export interface StatisticValue {
  value: number;
  at: number;
}

export interface RangeUsage {
  start: Ipv4;
  end: Ipv4;
  /** Dynamic addresses (excluding exclusions, reservations, network and broadcast). */
  total: number;
  assigned: number;
  declined: number;
}

export interface SubnetUsage {
  id: number;
  name: string;
  network: Ipv4;
  prefixLength: number;
  /** Sum of the ranges' totals plus reservations. */
  total: number;
  assigned: number;
  declined: number;
  reservations: number;
  ranges: RangeUsage[];
}

export interface ConfigDocument {
  /** The YAML-equivalent JSON of the configuration (what config-set accepts). */
  document: unknown;
  /** Where it came from: a file, a pool directory, or "config-set". */
  source: string;
  /** Epoch seconds when it was applied. */
  appliedAt: number;
}

export type ConfigCheck = { ok: true } | { ok: false; message: string };

export interface ServerStatus {
  pid: number;
  /** Seconds since start. */
  uptime: number;
  /** Seconds since the configuration was last applied. */
  reload: number;
  dhcpEnabled: boolean;
  /** Epoch seconds when a time-limited dhcp-disable ends, null otherwise. */
  dhcpEnabledAt: number | null;
  leases: number;
  subnets: number;
  workers: number;
  configSource: string;
}

/** Raised by an implementation for a request that cannot be served, with a message for the caller. */
export class ControlError extends Error {
  override readonly name = 'ControlError';
}
