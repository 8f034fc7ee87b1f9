import { interfaceServing, isLoopbackAddress, type NetInterface } from '../net/interfaces.js';
import type { Ipv4 } from '../protocol/ipv4.js';

/**
 * The server identifier (option 54) for a reply: the address the client can reach us at.
 * An explicit --server-id wins; else the receiving interface's address; else (one shared socket)
 * the address of ours on the network of the relay or peer, then any non-loopback address.
 */
export function chooseServerId(
  configured: Ipv4 | undefined,
  receiving: NetInterface | null,
  peer: Ipv4,
  served: readonly NetInterface[],
): Ipv4 {
  if (configured !== undefined) return configured;
  if (receiving) return receiving.address;
  const facing = interfaceServing(served, peer);
  if (facing) return facing.address;
  const external = served.find((i) => !isLoopbackAddress(i.address));
  return (external ?? served[0])?.address ?? 0x7f000001;
}
