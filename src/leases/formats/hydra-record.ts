import { clientKeyOf } from '../../engine/client-identity.js';
import type { Lease, LeaseState } from '../../engine/types.js';
import { formatIpv4, parseIpv4 } from '../../protocol/ipv4.js';
import { colonHex, parseHexBytes } from './hex-text.js';

/**
 * One lease in Hydra's export formats (CSV columns and JSON keys alike). Times are epoch
 * seconds, written exactly as the store holds them (fractions included), so export → import
 * gives back the same numbers; ISO 8601 would round to milliseconds. Byte strings are colon hex;
 * `client_id` and `hostname` are null (an empty CSV field) when the client sent none.
 */
export interface HydraRecord {
  address: string;
  hw_type: number;
  hw_address: string;
  client_id: string | null;
  hostname: string | null;
  state: LeaseState;
  subnet_id: number;
  issued_at: number;
  expires_at: number;
}

export const HYDRA_COLUMNS = [
  'address', 'hw_type', 'hw_address', 'client_id', 'hostname', 'state', 'subnet_id', 'issued_at', 'expires_at',
] as const satisfies readonly (keyof HydraRecord)[];

/** Offers are never stored, so never exported; a file that holds one was not written by us. */
const STORED_STATES: readonly LeaseState[] = ['bound', 'released', 'expired', 'declined'];

export function leaseToRecord(l: Lease): HydraRecord {
  return {
    address: formatIpv4(l.address),
    hw_type: l.hwType,
    hw_address: colonHex(l.hwAddress),
    client_id: l.clientId ? colonHex(l.clientId) : null,
    hostname: l.hostname,
    state: l.state,
    subnet_id: l.subnetId,
    issued_at: l.issuedAt,
    expires_at: l.expiresAt,
  };
}

/** Checks one record field by field; returns the lease or a message naming the field. */
export function recordToLease(r: Record<string, unknown>): Lease | string {
  const address = typeof r.address === 'string' ? parseIpv4(r.address) : null;
  if (address === null) return `address: expected an IPv4 address, got ${show(r.address)}`;
  const hwType = r.hw_type;
  if (!isInt(hwType, 0, 255)) return `hw_type: expected a number from 0 to 255, got ${show(hwType)}`;
  const hwAddress = typeof r.hw_address === 'string' && r.hw_address.length <= 16 * 3 ? parseHexBytes(r.hw_address) : null;
  if (hwAddress === null || hwAddress.length > 16) return `hw_address: expected up to 16 colon-separated hex bytes, got ${show(r.hw_address)}`;
  let clientId: Uint8Array | null = null;
  if (r.client_id !== null && r.client_id !== undefined) {
    clientId = typeof r.client_id === 'string' ? parseHexBytes(r.client_id) : null;
    if (clientId === null || clientId.length === 0) return `client_id: expected colon-separated hex bytes, got ${show(r.client_id)}`;
  }
  if (r.hostname !== null && r.hostname !== undefined && typeof r.hostname !== 'string') {
    return `hostname: expected text, got ${show(r.hostname)}`;
  }
  const state = r.state as LeaseState;
  if (!STORED_STATES.includes(state)) return `state: expected one of ${STORED_STATES.join(', ')}, got ${show(r.state)}`;
  if (!isInt(r.subnet_id, 0, 0xffffffff)) return `subnet_id: expected a whole number, got ${show(r.subnet_id)}`;
  if (!isTime(r.issued_at)) return `issued_at: expected epoch seconds, got ${show(r.issued_at)}`;
  if (!isTime(r.expires_at)) return `expires_at: expected epoch seconds, got ${show(r.expires_at)}`;
  return {
    address,
    subnetId: r.subnet_id,
    clientKey: clientKeyOf(clientId, hwType, hwAddress),
    hwType,
    hwAddress,
    clientId,
    hostname: (r.hostname as string | null | undefined) ?? null,
    state,
    issuedAt: r.issued_at,
    expiresAt: r.expires_at,
  };
}

function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

function isTime(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? s.slice(0, 57) + '...' : s;
}
