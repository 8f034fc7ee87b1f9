import { interfaceServing, isLoopbackAddress, type NetInterface } from '../net/interfaces.js';
import type { Ipv4 } from '../protocol/ipv4.js';

/**
 * The server identifier (option 54) when neither --server-id nor the receiving interface names
 * it (one shared socket): our address on the network of the relay or peer, then any
 * non-loopback address of ours.
 */
export function serverIdFacing(peer: Ipv4, served: readonly NetInterface[]): Ipv4 {
  const facing = interfaceServing(served, peer);
  if (facing) return facing.address;
  const external = served.find((i) => !isLoopbackAddress(i.address));
  return (external ?? served[0])?.address ?? 0x7f000001;
}
