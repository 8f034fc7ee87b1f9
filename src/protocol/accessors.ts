import { readIpv4, type Ipv4 } from './ipv4.js';
import type { DhcpMessage } from './message.js';

// Typed getters for the options the engine reads on every packet. They read the raw bytes the
// codec kept and answer null when an option is absent or malformed, so a bad option never throws
// in the engine: it is treated as not sent.

export function messageType(m: DhcpMessage): number | null {
  const v = m.options.get(53);
  return v && v.length === 1 ? v[0]! : null;
}

function ipOption(m: DhcpMessage, code: number): Ipv4 | null {
  const v = m.options.get(code);
  return v && v.length === 4 ? readIpv4(v, 0) : null;
}

export const requestedAddress = (m: DhcpMessage): Ipv4 | null => ipOption(m, 50);
export const serverIdentifier = (m: DhcpMessage): Ipv4 | null => ipOption(m, 54);
/** RFC 3011 subnet selection option (118). */
export const subnetSelection = (m: DhcpMessage): Ipv4 | null => ipOption(m, 118);

export function clientIdentifier(m: DhcpMessage): Uint8Array | null {
  const v = m.options.get(61);
  return v && v.length >= 2 ? v : null;
}

export function parameterRequestList(m: DhcpMessage): Uint8Array {
  return m.options.get(55) ?? new Uint8Array(0);
}

/** Largest reply the client accepts (option 57), never below the RFC 2131 minimum of 576. */
export function maxMessageSize(m: DhcpMessage): number {
  const v = m.options.get(57);
  if (!v || v.length !== 2) return 576;
  return Math.max(576, (v[0]! << 8) | v[1]!);
}

export function requestedLeaseTime(m: DhcpMessage): number | null {
  const v = m.options.get(51);
  return v && v.length === 4 ? readIpv4(v, 0) : null;
}

export function hostName(m: DhcpMessage): string | null {
  const v = m.options.get(12);
  return v && v.length > 0 ? Buffer.from(v).toString('latin1') : null;
}

/** Sub-options of the relay agent information option (82), raw, in wire order; null if absent or malformed. */
export function relayAgentSubOptions(m: DhcpMessage): Map<number, Uint8Array> | null {
  const v = m.options.get(82);
  if (!v) return null;
  const subs = new Map<number, Uint8Array>();
  let i = 0;
  while (i < v.length) {
    if (i + 2 > v.length) return null;
    const code = v[i]!;
    const len = v[i + 1]!;
    if (i + 2 + len > v.length) return null;
    subs.set(code, v.subarray(i + 2, i + 2 + len));
    i += 2 + len;
  }
  return subs;
}

function relayIp(m: DhcpMessage, sub: number): Ipv4 | null {
  const v = relayAgentSubOptions(m)?.get(sub);
  return v && v.length === 4 ? readIpv4(v, 0) : null;
}

/** RFC 3527 link selection sub-option (82.5). */
export const linkSelection = (m: DhcpMessage): Ipv4 | null => relayIp(m, 5);
/** RFC 5107 server identifier override sub-option (82.11). */
export const serverIdOverride = (m: DhcpMessage): Ipv4 | null => relayIp(m, 11);

/** The client's hardware address: the first hlen bytes of chaddr (at most 16). */
export function hardwareAddress(m: DhcpMessage): Uint8Array {
  return m.chaddr.subarray(0, Math.min(m.hlen, 16));
}
