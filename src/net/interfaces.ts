// The host's IPv4 interfaces as the transport sees them: a name, a primary address and prefix.
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { inNetwork, parseIpv4, prefixToMask, type Ipv4 } from '../protocol/ipv4.js';

export interface InterfaceAddress {
  address: Ipv4;
  prefixLength: number;
}

export interface NetInterface {
  name: string;
  /** The first IPv4 address the OS lists: the one a reply's source and server id default to. */
  address: Ipv4;
  prefixLength: number;
  /** Every IPv4 address on the interface, primary first. */
  addresses: readonly InterfaceAddress[];
  /** Loopback: never a place to broadcast from. */
  internal: boolean;
}

/** Injectable for tests; defaults to os.networkInterfaces. */
export type InterfaceLister = () => NodeJS.Dict<NetworkInterfaceInfo[]>;

export function listIpv4Interfaces(lister: InterfaceLister = networkInterfaces): NetInterface[] {
  const out: NetInterface[] = [];
  for (const [name, infos] of Object.entries(lister())) {
    if (!infos) continue;
    const addresses: InterfaceAddress[] = [];
    let internal = false;
    for (const info of infos) {
      // Node 18.0–18.3 reported family as a number; accept both spellings.
      if (info.family !== 'IPv4' && (info.family as unknown) !== 4) continue;
      const address = parseIpv4(info.address);
      const prefixLength = prefixOf(info);
      if (address === null || prefixLength === null) continue;
      addresses.push({ address, prefixLength });
      internal ||= info.internal;
    }
    const first = addresses[0];
    if (first) out.push({ name, address: first.address, prefixLength: first.prefixLength, addresses, internal });
  }
  return out;
}

function prefixOf(info: NetworkInterfaceInfo): number | null {
  const slash = info.cidr?.lastIndexOf('/') ?? -1;
  if (info.cidr && slash >= 0) {
    const n = Number(info.cidr.slice(slash + 1));
    if (Number.isInteger(n) && n >= 0 && n <= 32) return n;
  }
  const mask = parseIpv4(info.netmask);
  if (mask === null) return null;
  for (let p = 0; p <= 32; p++) if (prefixToMask(p) === mask) return p;
  return null;
}

/** The interface with `address` on one of its networks (a directly reachable peer). */
export function interfaceServing(list: readonly NetInterface[], address: Ipv4): NetInterface | null {
  for (const iface of list) {
    for (const a of iface.addresses) if (inNetwork(address, a.address, a.prefixLength)) return iface;
  }
  return null;
}

/** The interface that owns `address` itself. */
export function interfaceOwning(list: readonly NetInterface[], address: Ipv4): NetInterface | null {
  return list.find((i) => i.addresses.some((a) => a.address === address)) ?? null;
}

export function isLoopbackAddress(a: Ipv4): boolean {
  return a >>> 24 === 127;
}
