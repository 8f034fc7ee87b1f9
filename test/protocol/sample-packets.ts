import type { DhcpMessage } from '../../src/protocol/message.js';

// Test fixtures built by hand from the RFC 2131 §2 layout, byte by byte, so the decoder is
// checked against the RFC rather than against the encoder.

export const DHCLIENT_XID = 0x3903f326;
export const DHCLIENT_MAC = [0x00, 0x0c, 0x29, 0x12, 0x34, 0x56];
/** ISC dhclient's default parameter request list (dhclient.conf "request" line). */
export const DHCLIENT_PRL = [1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26, 121, 42];

/** A DHCPDISCOVER as ISC dhclient sends it on Ethernet after a reboot (it asks for its old address). */
export function dhclientDiscover(): Uint8Array {
  const b: number[] = [];
  b.push(1); // op BOOTREQUEST
  b.push(1); // htype Ethernet
  b.push(6); // hlen
  b.push(0); // hops
  b.push(0x39, 0x03, 0xf3, 0x26); // xid
  b.push(0x00, 0x03); // secs = 3
  b.push(0x00, 0x00); // flags: unicast reply is fine
  b.push(0, 0, 0, 0); // ciaddr
  b.push(0, 0, 0, 0); // yiaddr
  b.push(0, 0, 0, 0); // siaddr
  b.push(0, 0, 0, 0); // giaddr
  b.push(...DHCLIENT_MAC, ...new Array(10).fill(0)); // chaddr, 16 bytes
  b.push(...new Array(64).fill(0)); // sname
  b.push(...new Array(128).fill(0)); // file
  b.push(0x63, 0x82, 0x53, 0x63); // magic cookie
  b.push(53, 1, 1); // DHCPDISCOVER
  b.push(50, 4, 10, 77, 0, 10); // requested address 10.77.0.10
  b.push(12, 7, ...Buffer.from('client1')); // host name
  b.push(55, DHCLIENT_PRL.length, ...DHCLIENT_PRL);
  b.push(255); // end
  while (b.length < 300) b.push(0); // BOOTP minimum size, as dhclient pads
  return Uint8Array.from(b);
}

/** A header with all fixed fields zero except op/htype/hlen, a cookie, and `options` appended raw. */
export function packetWithOptions(options: number[], opts: { sname?: number[]; file?: number[] } = {}): Uint8Array {
  const b = new Uint8Array(240 + options.length);
  b[0] = 1;
  b[1] = 1;
  b[2] = 6;
  if (opts.sname) b.set(opts.sname, 44);
  if (opts.file) b.set(opts.file, 108);
  b.set([0x63, 0x82, 0x53, 0x63], 236);
  b.set(options, 240);
  return b;
}

export function emptyMessage(options: Map<number, Uint8Array> = new Map()): DhcpMessage {
  return {
    op: 2, htype: 1, hlen: 6, hops: 0, xid: 0x12345678, secs: 0, flags: 0x8000,
    ciaddr: 0, yiaddr: 0x0a4d000a, siaddr: 0, giaddr: 0,
    chaddr: Uint8Array.from([...DHCLIENT_MAC, ...new Array(10).fill(0)]),
    sname: new Uint8Array(64), file: new Uint8Array(128),
    hasMagicCookie: true, options,
  };
}

/** Walks the options field of an encoded packet: codes in wire order (pad skipped, stops at end). */
export function mainOptionCodes(packet: Uint8Array): number[] {
  const codes: number[] = [];
  let i = 240;
  while (i < packet.length && packet[i] !== 255) {
    if (packet[i] === 0) { i++; continue; }
    codes.push(packet[i]!);
    i += 2 + packet[i + 1]!;
  }
  return codes;
}
