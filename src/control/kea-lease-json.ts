import type { Lease } from '../engine/types.js';
import { colonHex } from '../leases/formats/hex-text.js';
import { formatIpv4 } from '../protocol/ipv4.js';
import { address, bool, clientId, has, hwAddress, int, onlyKeys, str, type Args } from './command-args.js';
import { ArgumentError } from './kea-answer.js';
import type { LeaseDraft } from './server-control.js';

// Leases in Kea's JSON shape (Lease4::toElement): the same keys, the same state numbers.

/** Kea's lease states: 0 default (assigned), 1 declined, 2 expired-reclaimed (Hydra's released and expired). */
export const KEA_STATE = { bound: 0, offered: 0, declined: 1, expired: 2, released: 2 } as const;

export interface KeaLease4 {
  'ip-address': string;
  'hw-address': string;
  'client-id'?: string;
  'valid-lft': number;
  cltt: number;
  'subnet-id': number;
  'fqdn-fwd': boolean;
  'fqdn-rev': boolean;
  hostname: string;
  state: number;
}

export function keaLease(l: Lease): KeaLease4 {
  return {
    'ip-address': formatIpv4(l.address),
    'hw-address': colonHex(l.hwAddress),
    ...(l.clientId ? { 'client-id': colonHex(l.clientId) } : {}),
    'valid-lft': Math.max(0, Math.round(l.expiresAt - l.issuedAt)),
    cltt: Math.floor(l.issuedAt),
    'subnet-id': l.subnetId,
    'fqdn-fwd': false,
    'fqdn-rev': false,
    hostname: l.hostname ?? '',
    state: KEA_STATE[l.state],
  };
}

/** Parameters lease4-add/lease4-update accept (Kea's; DNS flags and user context are accepted and not kept). */
const LEASE_KEYS = [
  'ip-address', 'hw-address', 'client-id', 'valid-lft', 'expire', 'subnet-id', 'fqdn-fwd', 'fqdn-rev',
  'hostname', 'state', 'user-context', 'comment', 'pool-id',
] as const;

const STATE_OF: Record<number, LeaseDraft['state']> = { 0: 'bound', 1: 'declined', 2: 'expired' };
const MAX_U32 = 0xffffffff;

export function leaseDraft(args: Args, extraKeys: readonly string[] = []): LeaseDraft {
  onlyKeys(args, [...LEASE_KEYS, ...extraKeys]);
  const ip = address(args, 'ip-address');
  const hw = hwAddress(args, 'hw-address');
  const cid = has(args, 'client-id') && args['client-id'] !== '' ? clientId(args, 'client-id') : null;
  const subnet = has(args, 'subnet-id') ? int(args, 'subnet-id', 0, MAX_U32) : 0;
  const valid = has(args, 'valid-lft') ? int(args, 'valid-lft', 0, MAX_U32) : null;
  let issuedAt: number | null = null;
  if (has(args, 'expire')) {
    const expire = int(args, 'expire', 0, Number.MAX_SAFE_INTEGER);
    if (valid === null) throw new ArgumentError("'expire' needs 'valid-lft' (the lease starts at expire - valid-lft)");
    issuedAt = expire - valid;
  }
  const stateNumber = has(args, 'state') ? int(args, 'state', 0, 2) : 0;
  const hostname = has(args, 'hostname') ? str(args, 'hostname') : '';
  if (hostname !== '' && !/^[A-Za-z0-9]([A-Za-z0-9.-]{0,253}[A-Za-z0-9.])?$/.test(hostname)) {
    throw new ArgumentError(`'hostname': ${JSON.stringify(hostname)} is not a valid host name`);
  }
  for (const k of ['fqdn-fwd', 'fqdn-rev']) if (has(args, k)) bool(args, k);
  return {
    address: ip,
    subnetId: subnet === 0 ? null : subnet,
    hwType: 1,
    hwAddress: hw,
    clientId: cid,
    hostname: hostname === '' ? null : hostname,
    state: STATE_OF[stateNumber]!,
    validLifetime: valid,
    issuedAt,
  };
}
