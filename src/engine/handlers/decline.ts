import { requestedAddress, serverIdentifier } from '../../protocol/accessors.js';
import type { Exchange } from '../exchange.js';
import type { Decision } from '../types.js';

/**
 * DHCPDECLINE, RFC 2131 §4.3.3: the client found the address in use. It is set aside for the
 * probation period (never offered to anyone before it ends) and the client's binding is gone.
 * A missing server identifier is tolerated (some clients omit it); another server's is not.
 */
export function handleDecline(x: Exchange): Decision {
  const serverId = serverIdentifier(x.req);
  if (serverId !== null && !x.isUs(serverId)) return x.decide('drop-other-server');
  const address = requestedAddress(x.req);
  if (address === null) return x.decide('drop-malformed-decline');
  const lease = x.table.get(address);
  if (!lease || lease.clientKey !== x.client.key || (lease.state !== 'offered' && lease.state !== 'bound')) {
    return x.decide('drop-decline-not-leased');
  }
  x.upsert({ ...lease, state: 'declined', issuedAt: x.now, expiresAt: x.now + x.config.declineProbationSeconds });
  return x.decide('decline', null, lease.subnetId);
}
