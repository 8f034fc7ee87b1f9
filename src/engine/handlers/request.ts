import { requestedAddress, serverIdentifier } from '../../protocol/accessors.js';
import type { Ipv4 } from '../../protocol/ipv4.js';
import { canGrant, mayHandOut } from '../address-policy.js';
import { bindAddress, nak } from '../binding.js';
import type { Exchange } from '../exchange.js';
import type { Pool } from '../pool.js';
import type { Decision } from '../types.js';

/**
 * DHCPREQUEST, RFC 2131 §4.3.2. The client's state is read from the fields it filled in:
 * server identifier → SELECTING; ciaddr → RENEWING/REBINDING; requested address alone →
 * INIT-REBOOT.
 */
export function handleRequest(x: Exchange): Decision {
  const serverId = serverIdentifier(x.req);
  if (serverId !== null) return selecting(x, serverId);
  if (x.req.ciaddr !== 0) return renewing(x, x.req.ciaddr);
  const requested = requestedAddress(x.req);
  if (requested !== null) return initReboot(x, requested);
  return x.decide('drop-malformed-request');
}

/** Does the client hold `address` (offered, bound, or lapsed but not yet taken) in this subnet? */
function holds(x: Exchange, pool: Pool, address: Ipv4, states: readonly string[]): boolean {
  const l = x.table.get(address);
  return l !== undefined && l.subnetId === pool.id && l.clientKey === x.client.key && states.includes(l.state);
}

function selecting(x: Exchange, serverId: Ipv4): Decision {
  if (!x.isUs(serverId)) {
    // The client chose another server: our offer is free for others at once.
    for (const l of x.clientLeases()) if (l.state === 'offered') x.remove(l.address);
    return x.decide('drop-other-server');
  }
  const pool = x.pool;
  if (!pool) return x.decide('drop-no-subnet');
  const requested = requestedAddress(x.req);
  if (requested === null) return x.decide('nak-no-requested-address', nak(x, 'requested address missing'));
  if (holds(x, pool, requested, ['offered', 'bound']) && canGrant(pool, x.table, x.client, requested, x.now)) {
    return x.decide('ack', bindAddress(x, pool, requested));
  }
  return x.decide('nak-wrong-address', nak(x, 'address not offered to this client'));
}

/**
 * INIT-REBOOT: a client that remembers an address checks it is still valid. A client we know
 * (a record in this subnet or a reservation) gets ACK for its own address and NAK for any other.
 * An unknown client is none of our business unless we are authoritative; then, by choice, it
 * gets its address when that address is free and allocatable to it (as Kea does: this lets
 * clients survive a lost lease database), and NAK otherwise.
 */
function initReboot(x: Exchange, requested: Ipv4): Decision {
  const pool = x.pool;
  if (!pool) return x.decide('drop-no-subnet');
  if (!pool.contains(requested)) return x.decide('nak-wrong-network', nak(x, 'address not on this network'));
  const reservation = pool.reservationFor(x.client);
  const known = reservation !== undefined || x.clientLeases().length > 0;
  const grantable = canGrant(pool, x.table, x.client, requested, x.now) && handOut(x, pool, requested);
  if (known) {
    const own = reservation?.address === requested || holds(x, pool, requested, ['offered', 'bound', 'released', 'expired']);
    if (own && grantable) return x.decide('ack', bindAddress(x, pool, requested));
    return x.decide('nak-wrong-address', nak(x, 'address not leased to this client'));
  }
  if (!x.config.authoritative) return x.decide('drop-unknown-client');
  if (grantable) return x.decide('ack', bindAddress(x, pool, requested));
  return x.decide('nak-wrong-address', nak(x, 'address not available'));
}

/**
 * RENEWING (unicast) and REBINDING (broadcast): extend the client's binding of ciaddr. An
 * address outside all our subnets belongs to another server's business: stay silent.
 */
function renewing(x: Exchange, ciaddr: Ipv4): Decision {
  const home = x.services.pools.containing(ciaddr);
  if (!home) return x.decide('drop-not-our-network');
  const pool = x.pool;
  if (!pool || pool !== home) return x.decide('nak-wrong-network', nak(x, 'address not on this network'), pool?.id ?? null);
  const reserved = pool.reservationFor(x.client)?.address === ciaddr;
  const own = reserved || holds(x, pool, ciaddr, ['bound', 'offered', 'expired']);
  if (own && canGrant(pool, x.table, x.client, ciaddr, x.now) && handOut(x, pool, ciaddr)) return x.decide('ack', bindAddress(x, pool, ciaddr));
  return x.decide('nak-wrong-address', nak(x, 'address not leased to this client'));
}

/** Another server's block is that server's to hand out, unless the client holds the address live. */
function handOut(x: Exchange, pool: Pool, address: Ipv4): boolean {
  const alloc = x.services.allocator(pool);
  return mayHandOut(pool, x.table, x.client, address, x.now, (a) => alloc.inScope(a));
}
