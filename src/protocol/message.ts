import type { Ipv4 } from './ipv4.js';

export const BOOTREQUEST = 1;
export const BOOTREPLY = 2;
export const BROADCAST_FLAG = 0x8000;

/** DHCP message types (option 53), RFC 2132 §9.6. */
export const enum MessageType {
  Discover = 1,
  Offer = 2,
  Request = 3,
  Decline = 4,
  Ack = 5,
  Nak = 6,
  Release = 7,
  Inform = 8,
}

/**
 * One BOOTP/DHCP message. Options are kept as their raw value bytes keyed by code, in wire
 * order, already joined across repeated instances (RFC 3396) and across the overloaded
 * sname/file fields (option 52). Typed views come from the option table (option-values.ts); keeping
 * bytes here is what lets unknown options survive a round trip unchanged.
 */
export interface DhcpMessage {
  op: number;
  htype: number;
  hlen: number;
  hops: number;
  xid: number;
  secs: number;
  flags: number;
  ciaddr: Ipv4;
  yiaddr: Ipv4;
  siaddr: Ipv4;
  giaddr: Ipv4;
  /** 16 bytes, as on the wire; the hardware address is the first `hlen` of them. */
  chaddr: Uint8Array;
  /** 64 bytes; zero-filled when the field carried options (overload). */
  sname: Uint8Array;
  /** 128 bytes; zero-filled when the field carried options (overload). */
  file: Uint8Array;
  /** False for a plain BOOTP message without the magic cookie. */
  hasMagicCookie: boolean;
  /** Options except pad (0), end (255) and overload (52), which the codec manages. */
  options: Map<number, Uint8Array>;
}
