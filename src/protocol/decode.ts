import { DecodeError } from './decode-error.js';
import { readIpv4 } from './ipv4.js';
import type { DhcpMessage } from './message.js';
import {
  CHADDR_LENGTH, FILE_LENGTH, HEADER_LENGTH, MAGIC_COOKIE, OFF_CHADDR, OFF_CIADDR, OFF_COOKIE, OFF_FILE,
  OFF_FLAGS, OFF_GIADDR, OFF_HLEN, OFF_HOPS, OFF_HTYPE, OFF_OP, OFF_OPTIONS, OFF_SECS, OFF_SIADDR, OFF_SNAME,
  OFF_XID, OFF_YIADDR, OPT_END, OPT_OVERLOAD, OPT_PAD, SNAME_LENGTH,
} from './wire-layout.js';

export interface DecodeOptions {
  /**
   * Copy the packet (default), so the message owns its bytes. `false`: the caller hands the
   * bytes over and never changes them afterwards (a socket's fresh buffer per datagram), and the
   * fields become views into them, which spares a copy and an allocation per packet.
   */
  copy?: boolean;
}

/**
 * Decodes one BOOTP/DHCP message. Throws only DecodeError, whatever the input.
 *
 * A message shorter than the 236-byte header is an error. A message without the magic cookie
 * (including one of 236–239 bytes, which has no room for it) is plain BOOTP: no options.
 * Options are read from the options field, then `file`, then `sname` when option 52 says so
 * (RFC 2131 §4.1), and repeated instances of one code are joined in that order (RFC 3396).
 */
export function decodeMessage(input: Uint8Array, opts?: DecodeOptions): DhcpMessage {
  const len = input.length;
  if (len < HEADER_LENGTH) {
    throw new DecodeError('packet', `length ${len} is shorter than the ${HEADER_LENGTH}-byte BOOTP header`);
  }
  // Every field below is a view into `buf`, so decoding allocates almost nothing else. A plain
  // Uint8Array view even over a Buffer, so the fields are the same kind either way.
  const buf = opts?.copy === false ? new Uint8Array(input.buffer, input.byteOffset, len) : new Uint8Array(input);
  const hlen = buf[OFF_HLEN]!;
  if (hlen > CHADDR_LENGTH) {
    throw new DecodeError('hlen', `hardware address length ${hlen} exceeds the 16-byte chaddr field`, OFF_HLEN);
  }
  const hasMagicCookie = len >= OFF_OPTIONS && readIpv4(buf, OFF_COOKIE) === MAGIC_COOKIE;
  const options = new Map<number, Uint8Array>();
  let sname = buf.subarray(OFF_SNAME, OFF_SNAME + SNAME_LENGTH);
  let file = buf.subarray(OFF_FILE, OFF_FILE + FILE_LENGTH);
  if (hasMagicCookie) {
    const overload = readOptions(buf, OFF_OPTIONS, len, 'packet', options, true);
    if (overload & 1) {
      readOptions(buf, OFF_FILE, OFF_FILE + FILE_LENGTH, 'file field', options, false);
      file = new Uint8Array(FILE_LENGTH);
    }
    if (overload & 2) {
      readOptions(buf, OFF_SNAME, OFF_SNAME + SNAME_LENGTH, 'sname field', options, false);
      sname = new Uint8Array(SNAME_LENGTH);
    }
  }
  return {
    op: buf[OFF_OP]!,
    htype: buf[OFF_HTYPE]!,
    hlen,
    hops: buf[OFF_HOPS]!,
    xid: readIpv4(buf, OFF_XID),
    secs: (buf[OFF_SECS]! << 8) | buf[OFF_SECS + 1]!,
    flags: (buf[OFF_FLAGS]! << 8) | buf[OFF_FLAGS + 1]!,
    ciaddr: readIpv4(buf, OFF_CIADDR),
    yiaddr: readIpv4(buf, OFF_YIADDR),
    siaddr: readIpv4(buf, OFF_SIADDR),
    giaddr: readIpv4(buf, OFF_GIADDR),
    chaddr: buf.subarray(OFF_CHADDR, OFF_CHADDR + CHADDR_LENGTH),
    sname,
    file,
    hasMagicCookie,
    options,
  };
}

/**
 * Reads the options in buf[start, end) into `into`, joining repeats. Returns the overload value
 * (option 52) when `main` is set; option 52 found in file/sname is meaningless there and skipped.
 * A missing end option is tolerated (many clients omit it); a truncated option is not.
 */
function readOptions(
  buf: Uint8Array, start: number, end: number, area: string, into: Map<number, Uint8Array>, main: boolean,
): number {
  let overload = 0;
  let sawOverload = false;
  let i = start;
  while (i < end) {
    const code = buf[i]!;
    if (code === OPT_PAD) { i++; continue; }
    if (code === OPT_END) break;
    if (i + 1 >= end) throw new DecodeError(`option ${code}`, `length byte missing at end of ${area}`, i);
    const n = buf[i + 1]!;
    const from = i + 2;
    const to = from + n;
    if (to > end) throw new DecodeError(`option ${code}`, `length ${n} runs past end of ${area}`, i);
    if (code === OPT_OVERLOAD) {
      if (main) {
        if (n !== 1 || sawOverload) throw new DecodeError('option 52', 'overload must appear once with 1 byte', i);
        overload = buf[from]!;
        if (overload < 1 || overload > 3) throw new DecodeError('option 52', `overload value ${overload} is not 1, 2 or 3`, i);
        sawOverload = true;
      }
    } else {
      const prev = into.get(code);
      if (prev === undefined) {
        into.set(code, buf.subarray(from, to));
      } else {
        // RFC 3396: repeated instances are one option, concatenated in order. Rare, so copying is fine.
        const joined = new Uint8Array(prev.length + n);
        joined.set(prev, 0);
        joined.set(buf.subarray(from, to), prev.length);
        into.set(code, joined);
      }
    }
    i = to;
  }
  return overload;
}
