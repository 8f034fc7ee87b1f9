import { requestedAddress } from '../../protocol/accessors.js';
import type { Ipv4 } from '../../protocol/ipv4.js';
import { canGrant, mayHandOut } from '../address-policy.js';
import { offerAddress } from '../binding.js';
import type { Exchange } from '../exchange.js';
import type { Pool } from '../pool.js';
import type { Decision, Lease, LeaseState } from '../types.js';

/** How many due records a DISCOVER may reclaim itself when the subnet looks full. */
const RECLAIM_ON_EXHAUSTION = 64;

/**
 * The address to offer, in RFC 2131 §4.3.1 order: the client's reservation, its current
 * binding, its previous address, the address it asks for, a new one. Each candidate in the
 * list is an explicit step so the order is visible and testable.
 */
const preferences: ((x: Exchange, pool: Pool, held: readonly Lease[]) => Ipv4 | null | undefined)[] = [
  (x, pool) => pool.reservationFor(x.client)?.address,
  (_x, _pool, held) => newest(held, 'bound'),
  (_x, _pool, held) => newest(held, 'offered'),
  (_x, _pool, held) => newest(held, 'released', 'expired'),
  (x) => requestedAddress(x.req),
];

/** The most recently issued of the client's records in one of these states. */
function newest(held: readonly Lease[], state: LeaseState, orState: LeaseState = state): Ipv4 | null {
  let best: Lease | null = null;
  for (const l of held) {
    if ((l.state === state || l.state === orState) && (!best || l.issuedAt > best.issuedAt)) best = l;
  }
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
  // Looked up once: choosing changes nothing, so the client's records stay as they are.
  const held = x.clientLeases();
  const alloc = x.services.allocator(pool);
  const inScope = (a: Ipv4): boolean => alloc.inScope(a);
  for (const prefer of preferences) {
    const a = prefer(x, pool, held);
    if (a != null && canGrant(pool, x.table, x.client, a, x.now) && mayHandOut(pool, x.table, x.client, a, x.now, inScope)) {
      return x.decide('offer', offerAddress(x, pool, a));
    }
  }
  const a = newAddress(x, pool);
  if (a === null) return x.decide('drop-no-free-address');
  return x.decide('offer', offerAddress(x, pool, a));
}
