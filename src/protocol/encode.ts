import { zeroedBytes } from './byte-slab.js';
import { writeIpv4 } from './ipv4.js';
import type { DhcpMessage } from './message.js';
import {
  BOOTP_MIN_LENGTH, CHADDR_LENGTH, FILE_LENGTH, IP_UDP_HEADERS, MAGIC_COOKIE, MIN_MAX_MESSAGE_SIZE, OFF_CHADDR,
  OFF_CIADDR, OFF_COOKIE, OFF_FILE, OFF_FLAGS, OFF_GIADDR, OFF_HLEN, OFF_HOPS, OFF_HTYPE, OFF_OP, OFF_OPTIONS,
  OFF_SECS, OFF_SIADDR, OFF_SNAME, OFF_XID, OFF_YIADDR, OPT_END, OPT_OVERLOAD, OPT_PAD, OPT_RELAY_AGENT,
  SNAME_LENGTH,
} from './wire-layout.js';

export interface EncodeResult {
  bytes: Uint8Array;
  /** Option codes left out because the message would not fit the client's maximum size. */
  dropped: number[];
}

/**
 * Options never dropped to make a reply fit: without them a reply means nothing (53, 54),
 * misconfigures the client (1, 51), or breaks the relay (82, RFC 3046 §2.2: echo unchanged).
 */
export const ESSENTIAL_OPTIONS: ReadonlySet<number> = new Set([53, 54, 51, 1, OPT_RELAY_AGENT]);

const MAX_INSTANCE = 255;

export function encodeMessage(msg: DhcpMessage, maxSize = MIN_MAX_MESSAGE_SIZE): Uint8Array {
  return encodeMessageDetailed(msg, maxSize).bytes;
}

/**
 * Encodes a message whose whole IP datagram fits `maxSize` (option 57; raised to 576, RFC 2131 §2).
 * Options go out in Map order, except 82 which is always last in the options field (RFC 3046).
 * Values over 255 bytes become consecutive instances (RFC 3396). When the options field is full,
 * options continue in `file` then `sname` (option 52), but only where msg leaves those fields
 * empty. If that is still not enough, trailing non-essential options are dropped and reported.
 * A message without the magic cookie is plain BOOTP and carries no options.
 * The only case that may exceed the limit is an option 82 too large to fit on its own.
 */
export function encodeMessageDetailed(msg: DhcpMessage, maxSize = MIN_MAX_MESSAGE_SIZE): EncodeResult {
  const limit = Math.max(maxSize, MIN_MAX_MESSAGE_SIZE) - IP_UDP_HEADERS;
  if (!msg.hasMagicCookie) {
    const out = zeroedBytes(BOOTP_MIN_LENGTH);
    writeHeader(out, msg, true, true);
    return { bytes: out, dropped: [] };
  }

  let relay: Uint8Array | undefined;
  let total = 0;
  // forEach, not for-of: for-of makes a [code, value] array per option, ≈ 1.9 KB of garbage per
  // DORA exchange (sampling heap profiler), 13 % of what the packet path allocates.
  msg.options.forEach((value, code) => {
    if (!encodable(code)) return;
    total += wireSize(value.length);
    if (code === OPT_RELAY_AGENT) relay = value;
  });

  // Common case: everything fits in the options field, written straight from the Map.
  if (OFF_OPTIONS + total + 1 <= limit) {
    const out = zeroedBytes(Math.max(BOOTP_MIN_LENGTH, OFF_OPTIONS + total + 1));
    writeHeader(out, msg, true, true);
    let p = OFF_OPTIONS;
    msg.options.forEach((value, code) => {
      if (encodable(code) && code !== OPT_RELAY_AGENT) p = writeOption(out, p, code, value);
    });
    if (relay) p = writeOption(out, p, OPT_RELAY_AGENT, relay);
    out[p] = OPT_END;
    return { bytes: out, dropped: [] };
  }
  const codes: number[] = [];
  for (const code of msg.options.keys()) if (encodable(code) && code !== OPT_RELAY_AGENT) codes.push(code);
  return encodeOverloaded(msg, limit, codes, relay);
}

/** Pad, end and overload are the codec's to write; anything outside 1..254 cannot be an option. */
function encodable(code: number): boolean {
  return code > OPT_PAD && code < OPT_END && code !== OPT_OVERLOAD;
}

/** Bytes an option of this value length takes on the wire, split into ≤255-byte instances. */
function wireSize(n: number): number {
  return n === 0 ? 2 : n + 2 * Math.ceil(n / MAX_INSTANCE);
}

function writeOption(out: Uint8Array, p: number, code: number, value: Uint8Array): number {
  const length = value.length;
  if (length <= MAX_INSTANCE) {
    out[p] = code;
    out[p + 1] = length;
    copyInto(out, p + 2, value, length);
    return p + 2 + length;
  }
  for (let off = 0; off < length; off += MAX_INSTANCE) {
    const n = Math.min(MAX_INSTANCE, length - off);
    out[p] = code;
    out[p + 1] = n;
    out.set(value.subarray(off, off + n), p + 2);
    p += 2 + n;
  }
  return p;
}

/**
 * Copies the first `length` bytes of `from` to `out` at `at`. Most option values are a few
 * bytes, which a loop copies faster than TypedArray.prototype.set (and without a subarray).
 */
function copyInto(out: Uint8Array, at: number, from: Uint8Array, length: number): void {
  if (length > 32) {
    out.set(length === from.length ? from : from.subarray(0, length), at);
    return;
  }
  for (let i = 0; i < length; i++) out[at + i] = from[i]!;
}

// Region indexes, in the order a decoder reads them (RFC 2131 §4.1), which keeps RFC 3396 joins in order.
const MAIN = 0;
const FILE = 1;
const SNAME = 2;

interface Piece { code: number; value: Uint8Array }

function encodeOverloaded(msg: DhcpMessage, limit: number, codes: number[], relay: Uint8Array | undefined): EncodeResult {
  const relaySize = relay ? wireSize(relay.length) : 0;
  // Room left in each region, each keeping one byte for its end option; main also keeps 3 for option 52.
  const capacity = [
    limit - OFF_OPTIONS - 1 - 3 - relaySize,
    isZero(msg.file) ? FILE_LENGTH - 1 : -1,
    isZero(msg.sname) ? SNAME_LENGTH - 1 : -1,
  ];
  const dropped: number[] = [];
  const kept = codes.slice();
  let regions = place(msg, kept, capacity);
  while (regions === null) {
    // Drop the last non-essential option; only when none is left, the last essential one (never 82).
    let victim = -1;
    for (let k = kept.length - 1; k >= 0; k--) {
      if (!ESSENTIAL_OPTIONS.has(kept[k]!)) { victim = k; break; }
    }
    if (victim < 0) victim = kept.length - 1;
    if (victim < 0) { regions = [[], [], []]; break; }
    dropped.push(kept[victim]!);
    kept.splice(victim, 1);
    regions = place(msg, kept, capacity);
  }
  dropped.reverse();

  const usesFile = regions[FILE]!.length > 0;
  const usesSname = regions[SNAME]!.length > 0;
  let mainSize = relaySize + (usesFile || usesSname ? 3 : 0);
  for (const piece of regions[MAIN]!) mainSize += 2 + piece.value.length;
  const out = zeroedBytes(Math.max(BOOTP_MIN_LENGTH, OFF_OPTIONS + mainSize + 1));
  writeHeader(out, msg, !usesSname, !usesFile);
  let p = OFF_OPTIONS;
  if (usesFile || usesSname) {
    out[p] = OPT_OVERLOAD;
    out[p + 1] = 1;
    out[p + 2] = (usesFile ? 1 : 0) | (usesSname ? 2 : 0);
    p += 3;
  }
  p = writePieces(out, p, regions[MAIN]!);
  if (relay) p = writeOption(out, p, OPT_RELAY_AGENT, relay);
  out[p] = OPT_END;
  if (usesFile) out[writePieces(out, OFF_FILE, regions[FILE]!)] = OPT_END;
  if (usesSname) out[writePieces(out, OFF_SNAME, regions[SNAME]!)] = OPT_END;
  return { bytes: out, dropped };
}

function writePieces(out: Uint8Array, p: number, pieces: Piece[]): number {
  for (const { code, value } of pieces) {
    out[p] = code;
    out[p + 1] = value.length;
    out.set(value, p + 2);
    p += 2 + value.length;
  }
  return p;
}

/**
 * Assigns option instances to regions, or null when they do not all fit. An option of up to 255
 * bytes stays whole, in the first region with room (clients without RFC 3396 support still read
 * it). A longer one is split across regions as space allows, never going back to an earlier
 * region, so the decoder joins its parts in order.
 */
function place(msg: DhcpMessage, codes: number[], capacity: number[]): Piece[][] | null {
  const room = capacity.slice();
  const regions: Piece[][] = [[], [], []];
  for (const code of codes) {
    const value = msg.options.get(code)!;
    if (value.length <= MAX_INSTANCE) {
      const need = 2 + value.length;
      let r = 0;
      while (r < 3 && room[r]! < need) r++;
      if (r === 3) return null;
      regions[r]!.push({ code, value });
      room[r]! -= need;
      continue;
    }
    let off = 0;
    let r = 0;
    while (off < value.length) {
      while (r < 3 && room[r]! < 3) r++;
      if (r === 3) return null;
      const n = Math.min(MAX_INSTANCE, value.length - off, room[r]! - 2);
      regions[r]!.push({ code, value: value.subarray(off, off + n) });
      room[r]! -= 2 + n;
      off += n;
    }
  }
  return regions;
}

function isZero(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

function writeHeader(out: Uint8Array, msg: DhcpMessage, withSname: boolean, withFile: boolean): void {
  out[OFF_OP] = msg.op;
  out[OFF_HTYPE] = msg.htype;
  out[OFF_HLEN] = msg.hlen;
  out[OFF_HOPS] = msg.hops;
  writeIpv4(out, OFF_XID, msg.xid);
  out[OFF_SECS] = (msg.secs >>> 8) & 255;
  out[OFF_SECS + 1] = msg.secs & 255;
  out[OFF_FLAGS] = (msg.flags >>> 8) & 255;
  out[OFF_FLAGS + 1] = msg.flags & 255;
  writeIpv4(out, OFF_CIADDR, msg.ciaddr);
  writeIpv4(out, OFF_YIADDR, msg.yiaddr);
  writeIpv4(out, OFF_SIADDR, msg.siaddr);
  writeIpv4(out, OFF_GIADDR, msg.giaddr);
  copyInto(out, OFF_CHADDR, msg.chaddr, Math.min(msg.chaddr.length, CHADDR_LENGTH));
  // `out` starts zeroed, so an all-zero sname or file (every reply's) needs no copy.
  if (withSname && !isZero(msg.sname)) copyInto(out, OFF_SNAME, msg.sname, Math.min(msg.sname.length, SNAME_LENGTH));
  if (withFile && !isZero(msg.file)) copyInto(out, OFF_FILE, msg.file, Math.min(msg.file.length, FILE_LENGTH));
  if (msg.hasMagicCookie) writeIpv4(out, OFF_COOKIE, MAGIC_COOKIE);
}
