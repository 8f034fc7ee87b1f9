import { hostName, requestedLeaseTime } from '../protocol/accessors.js';
import type { Ipv4 } from '../protocol/ipv4.js';
import { MessageType, type DhcpMessage } from '../protocol/message.js';
import type { Exchange } from './exchange.js';
import { grantLeaseTime, INFINITE, leaseTimers, type GrantedTimes } from './lease-time.js';
import type { Pool } from './pool.js';
import { buildReply } from './reply-builder.js';
import type { Lease, LeaseState } from './types.js';

// The lease transitions shared by the handlers: hold an offer, bind, refuse.

function grantedTimes(x: Exchange, pool: Pool): GrantedTimes {
  return leaseTimers(pool.subnet.leaseTimes, grantLeaseTime(pool.subnet.leaseTimes, requestedLeaseTime(x.req)));
}

/** Configured options, plus the hostname of the client's reservation when the operator set one. */
function replyOptions(x: Exchange, pool: Pool, address: Ipv4): Map<number, Uint8Array> {
  const r = pool.reservationAt(address);
  if (!r?.hostname || pool.options.has(12) || pool.reservationFor(x.client) !== r) return pool.options;
  return new Map(pool.options).set(12, new TextEncoder().encode(r.hostname));
}

function leaseRecord(x: Exchange, pool: Pool, address: Ipv4, state: LeaseState, expiresAt: number): Lease {
  const previous = x.table.get(address);
  const reserved = pool.reservationAt(address);
  const reservedName = reserved && pool.reservationFor(x.client) === reserved ? reserved.hostname : undefined;
  const previousName = previous?.clientKey === x.client.key ? previous.hostname : null;
  const hostname = hostName(x.req) ?? reservedName ?? previousName;
  return {
    address,
    subnetId: pool.id,
    clientKey: x.client.key,
    hwType: x.client.hwType,
    hwAddress: x.client.hwAddress,
    clientId: x.client.clientId,
    hostname,
    state,
    issuedAt: x.now,
    expiresAt,
  };
}

/**
 * Holds `address` for the client for offerHoldSeconds and builds the OFFER. A client has one
 * offer at a time per subnet; a current binding is offered as it is, never downgraded.
 */
export function offerAddress(x: Exchange, pool: Pool, address: Ipv4): DhcpMessage {
  for (const l of x.table.forClient(pool.id, x.client.key)) {
    if (l.state === 'offered' && l.address !== address) x.remove(l.address);
  }
  const current = x.table.get(address);
  const stillBound = current?.state === 'bound' && current.clientKey === x.client.key && current.expiresAt > x.now;
  if (!stillBound) x.upsert(leaseRecord(x, pool, address, 'offered', x.now + x.config.offerHoldSeconds));
  return buildReply(x.req, {
    type: MessageType.Offer,
    serverId: x.serverId,
    yiaddr: address,
    ciaddr: 0,
    times: grantedTimes(x, pool),
    options: replyOptions(x, pool, address),
  });
}

/**
 * Binds `address` to the client and builds the ACK. The client's other offers and bindings in
 * the subnet are retired: a client holds one address per subnet. A retired binding becomes
 * 'expired' rather than vanishing, so the client keeps its affinity to it.
 */
export function bindAddress(x: Exchange, pool: Pool, address: Ipv4): DhcpMessage {
  let times = grantedTimes(x, pool);
  for (const l of x.table.forClient(pool.id, x.client.key)) {
    if (l.address === address) continue;
    if (l.state === 'offered') x.remove(l.address);
    else if (l.state === 'bound') x.upsert({ ...l, state: 'expired', expiresAt: x.now });
  }
  const cached = cachedTimes(x, address, times);
  if (cached) times = cached;
  else x.upsert(leaseRecord(x, pool, address, 'bound', x.now + times.lease));
  return buildReply(x.req, {
    type: MessageType.Ack,
    serverId: x.serverId,
    yiaddr: address,
    ciaddr: x.req.ciaddr,
    times,
    options: replyOptions(x, pool, address),
  });
}

/**
 * Lease caching: a renewal soon after the lease was written reuses the stored lease unchanged
 * and tells the client the whole seconds that remain, with T1/T2 in the same proportions. The
 * record, and so what is on disk, already says exactly that: no write is needed, and the stored
 * expiry is never earlier than what the client was told. Null when the lease must be rewritten.
 */
function cachedTimes(x: Exchange, address: Ipv4, wanted: GrantedTimes): GrantedTimes | null {
  const percent = x.config.leaseCachePercent;
  const current = x.table.get(address);
  if (percent <= 0 || wanted.lease === INFINITE || !current) return null;
  if (current.state !== 'bound' || current.clientKey !== x.client.key) return null;
  const length = current.expiresAt - current.issuedAt;
  const age = x.now - current.issuedAt;
  if (age < 0 || age >= (length * percent) / 100 || length > wanted.lease) return null;
  const remaining = Math.floor(current.expiresAt - x.now);
  if (remaining <= 0) return null;
  const scale = remaining / wanted.lease;
  return { lease: remaining, renewal: Math.floor(wanted.renewal * scale), rebinding: Math.floor(wanted.rebinding * scale) };
}

export function nak(x: Exchange, message: string): DhcpMessage {
  return buildReply(x.req, { type: MessageType.Nak, serverId: x.serverId, yiaddr: 0, ciaddr: 0, message });
}
