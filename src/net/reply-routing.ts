// Where a reply goes, per RFC 2131 §4.1. Pure: the transport carries out the decision.
import type { Ipv4 } from '../protocol/ipv4.js';
import { BROADCAST_FLAG, MessageType, type DhcpMessage } from '../protocol/message.js';

export const DEFAULT_SERVER_PORT = 67;

export type ReplyRoute =
  /** To the relay agent at giaddr, on the server port (67; the server's own port in tests). */
  | { kind: 'relay'; address: Ipv4; port: number }
  /** To a client that already has an address (ciaddr). */
  | { kind: 'unicast'; address: Ipv4; port: number }
  /** To 255.255.255.255 on the link the request came from. */
  | { kind: 'broadcast'; port: number }
  /** To yiaddr at chaddr, before the client can answer ARP: needs a neighbour entry. */
  | { kind: 'link-unicast'; address: Ipv4; port: number; hw: Uint8Array };

/** The client port is the one above the server's: 67 → 68, and 6767 → 6768 in tests. */
export function clientPortFor(serverPort: number): number {
  return serverPort + 1;
}

const HTYPE_ETHERNET = 1;
const ETHERNET_HLEN = 6;

/**
 * RFC 2131 §4.1, in its order: giaddr → relay; NAK → broadcast; ciaddr → unicast;
 * broadcast flag → broadcast; else unicast to yiaddr at chaddr. The link-unicast case needs an
 * Ethernet hardware address (the only kind a neighbour entry takes here) and a yiaddr; without
 * them it broadcasts, which every client accepts.
 */
export function routeReply(
  req: DhcpMessage,
  reply: DhcpMessage,
  replyType: number,
  serverPort: number = DEFAULT_SERVER_PORT,
): ReplyRoute {
  const clientPort = clientPortFor(serverPort);
  if (req.giaddr !== 0) return { kind: 'relay', address: req.giaddr, port: serverPort };
  if (replyType === MessageType.Nak) return { kind: 'broadcast', port: clientPort };
  if (req.ciaddr !== 0) return { kind: 'unicast', address: req.ciaddr, port: clientPort };
  if ((req.flags & BROADCAST_FLAG) !== 0) return { kind: 'broadcast', port: clientPort };
  if (reply.yiaddr === 0 || req.htype !== HTYPE_ETHERNET || req.hlen !== ETHERNET_HLEN) {
    return { kind: 'broadcast', port: clientPort };
  }
  return { kind: 'link-unicast', address: reply.yiaddr, port: clientPort, hw: req.chaddr.slice(0, req.hlen) };
}
