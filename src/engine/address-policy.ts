import type { Ipv4 } from '../protocol/ipv4.js';
import type { ClientIdentity } from './client-identity.js';
import type { LeaseTable } from './lease-table.js';
import type { Pool } from './pool.js';
import type { Lease } from './types.js';

/**
 * Whether the lease record at an address keeps it from this client. Expired offers, bindings
 * and probations count as free here even before the reclaimer has run (lazy expiry).
 */
export function heldAgainst(lease: Lease | undefined, clientKey: string, now: number): boolean {
  if (!lease) return false;
  switch (lease.state) {
    case 'declined':
      return lease.expiresAt > now;
    case 'offered':
    case 'bound':
      return lease.clientKey !== clientKey && lease.expiresAt > now;
    case 'released':
    case 'expired':
      return false;
  }
}

/**
 * May `address` be given to `client` in `pool` now? It must be the client's reservation, or a
 * dynamic address (in a range, not excluded, not the network/broadcast address, not reserved for
 * anyone), and no one else may hold it.
 */
export function canGrant(pool: Pool, table: LeaseTable, client: ClientIdentity, address: Ipv4, now: number): boolean {
  if (!pool.contains(address) || pool.isNetworkOrBroadcast(address)) return false;
  const reserved = pool.reservationAt(address);
  if (reserved) {
    if (pool.reservationFor(client) !== reserved) return false;
  } else if (!pool.inRange(address) || pool.isExcluded(address)) {
    return false;
  }
  return !heldAgainst(table.get(address), client.key, now);
}

/**
 * With an allocation scope (several servers on one database), an address is handed out by the
 * server whose claimed blocks hold it, unless the client already holds it live (offered or bound,
 * not expired): then any server may confirm it. This keeps two servers from giving one free
 * address to two clients at the same moment; the database still refuses the loser.
 */
export function mayHandOut(pool: Pool, table: LeaseTable, client: ClientIdentity, address: Ipv4, now: number, inScope: (a: Ipv4) => boolean): boolean {
  if (pool.reservationFor(client)?.address === address) return true;
  const l = table.get(address);
  if (l && l.clientKey === client.key && (l.state === 'bound' || l.state === 'offered') && l.expiresAt > now) return true;
  return inScope(address);
}
