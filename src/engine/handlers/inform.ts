import { MessageType } from '../../protocol/message.js';
import type { Exchange } from '../exchange.js';
import { buildReply } from '../reply-builder.js';
import type { Decision } from '../types.js';

/**
 * DHCPINFORM, RFC 2131 §4.3.5: the client has its address and wants configuration only.
 * ACK with the subnet's options, yiaddr 0, ciaddr echoed, no lease times. No lease change.
 */
export function handleInform(x: Exchange): Decision {
  const pool = x.pool;
  if (!pool) return x.decide('drop-no-subnet');
  const reply = buildReply(x.req, {
    type: MessageType.Ack,
    serverId: x.serverId,
    yiaddr: 0,
    ciaddr: x.req.ciaddr,
    options: pool.options,
  });
  return x.decide('ack-inform', reply);
}
