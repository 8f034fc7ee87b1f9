import { requestedAddress } from '../../protocol/accessors.js';
import type { Ipv4 } from '../../protocol/ipv4.js';
import { canGrant } from '../address-policy.js';
import { offerAddress } from '../binding.js';
import type { Exchange } from '../exchange.js';
import type { Pool } from '../pool.js';
import type { Decision } from '../types.js';

/** How many due records a DISCOVER may reclaim itself when the subnet looks full. */
const RECLAIM_ON_EXHAUSTION = 64;

/**
 * The address to offer, in RFC 2131 §4.3.1 order: the client's reservation, its current
 * binding, its previous address, the address it asks for, a new one. Each candidate in the
 * list is an explicit step so the order is visible and testable.
 */
const preferences: ((x: Exchange, pool: Pool) => Ipv4 | null | undefined)[] = [
  (x, pool) => pool.reservationFor(x.client)?.address,
  (x) => pick(x.clientLeases().filter((l) => l.state === 'bound')),
  (x) => pick(x.clientLeases().filter((l) => l.state === 'offered')),
  (x) => pick(x.clientLeases().filter((l) => l.state === 'released' || l.state === 'expired')),
  (x) => requestedAddress(x.req),
];

/** The most recently issued of the client's records. */
function pick(leases: { address: Ipv4; issuedAt: number }[]): Ipv4 | null {
  let best: { address: Ipv4; issuedAt: number } | null = null;
  for (const l of leases) if (!best || l.issuedAt > best.issuedAt) best = l;
  return best ? best.address : null;
}

function newAddress(x: Exchange, pool: Pool): Ipv4 | null {
  const alloc = x.services.allocator(pool);
  let a = alloc.pick();
  if (a === null) {
    // Bindings past their expiry are free even if the reclaimer has not run yet.
    x.services.reclaimInto(x.now, RECLAIM_ON_EXHAUSTION, x.changes);
    a = alloc.pick();
  }
  return a !== null && canGrant(pool, x.table, x.client, a, x.now) ? a : null;
}

export function handleDiscover(x: Exchange): Decision {
  const pool = x.pool;
  if (!pool) return x.decide('drop-no-subnet');
  for (const prefer of preferences) {
    const a = prefer(x, pool);
    if (a != null && canGrant(pool, x.table, x.client, a, x.now)) return x.decide('offer', offerAddress(x, pool, a));
  }
  const a = newAddress(x, pool);
  if (a === null) return x.decide('drop-no-free-address');
  return x.decide('offer', offerAddress(x, pool, a));
}
