// hydra_lease4 rows <-> Lease values, and leases as column arrays for unnest() (one parameter
// per column keeps a batch of any size at one statement with 10 parameters).
import type { Lease, LeaseState } from '../../engine/types.js';

/** Columns read back, in the order rowToLease expects. */
export const LEASE_SELECT = 'address, subnet_id, client_key, hw_type, hw_address, client_id, hostname, state, issued_at, expires_at';

export interface LeaseRow {
  address: number;
  subnet_id: number;
  client_key: string;
  hw_type: number;
  hw_address: Buffer;
  client_id: Buffer | null;
  hostname: string | null;
  state: string;
  issued_at: number;
  expires_at: number;
}

const STATES: ReadonlySet<string> = new Set<LeaseState>(['offered', 'bound', 'released', 'expired', 'declined']);

/** The lease a row holds, or a reason it cannot be one (load() lists such rows as dropped). */
export function rowToLease(row: LeaseRow): Lease | string {
  if (!Number.isInteger(row.address) || row.address < 0 || row.address > 0xffffffff) return `address ${row.address} is not an IPv4 address`;
  if (!STATES.has(row.state)) return `unknown state ${JSON.stringify(row.state)}`;
  return {
    address: row.address,
    subnetId: row.subnet_id,
    clientKey: row.client_key,
    hwType: row.hw_type,
    // Copies: a Buffer may be a view into a pooled slab far larger than the lease.
    hwAddress: new Uint8Array(row.hw_address),
    clientId: row.client_id === null ? null : new Uint8Array(row.client_id),
    hostname: row.hostname,
    state: row.state as LeaseState,
    issuedAt: row.issued_at,
    expiresAt: row.expires_at,
  };
}

/** PostgreSQL text cannot hold NUL; one client's odd hostname must not fail a whole batch. */
function noNul(s: string): string {
  return s.includes('\0') ? s.replace(/\0/g, '') : s;
}

function buf(b: Uint8Array): Buffer {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** The ten column arrays of `leases`, matching UPSERT_COLUMNS' unnest() parameter types. */
export function leaseColumns(leases: readonly Lease[]): unknown[][] {
  const cols: unknown[][] = [[], [], [], [], [], [], [], [], [], []];
  for (const l of leases) {
    cols[0]!.push(l.address);
    cols[1]!.push(l.subnetId);
    cols[2]!.push(noNul(l.clientKey));
    cols[3]!.push(l.hwType);
    cols[4]!.push(buf(l.hwAddress));
    cols[5]!.push(l.clientId === null ? null : buf(l.clientId));
    cols[6]!.push(l.hostname === null ? null : noNul(l.hostname));
    cols[7]!.push(l.state);
    cols[8]!.push(l.issuedAt);
    cols[9]!.push(l.expiresAt);
  }
  return cols;
}
