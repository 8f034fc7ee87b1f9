import { serverIdentifier } from '../../protocol/accessors.js';
import type { Exchange } from '../exchange.js';
import type { Decision } from '../types.js';

/**
 * DHCPRELEASE, RFC 2131 §4.3.4: the address is free again at once, but the record stays with
 * the client so it gets the same address back next time if nobody took it meanwhile.
 */
export function handleRelease(x: Exchange): Decision {
  const serverId = serverIdentifier(x.req);
  if (serverId !== null && !x.isUs(serverId)) return x.decide('drop-other-server');
  const lease = x.table.get(x.req.ciaddr);
  if (!lease || lease.clientKey !== x.client.key || (lease.state !== 'bound' && lease.state !== 'offered')) {
    return x.decide('drop-release-not-leased');
  }
  x.upsert({ ...lease, state: 'released', expiresAt: x.now });
  return x.decide('release', null, lease.subnetId);
}
