import { formatIpv4, parseIpv4, prefixToMask, type Ipv4 } from '../protocol/ipv4.js';

// Text forms of addresses, networks, ranges and byte strings as they appear in config files.
// Each parser returns a value or an error sentence (no place: the caller knows where it read it).

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = <T>(error: string): Parsed<T> => ({ ok: false, error });

export function parseAddress(text: string): Parsed<Ipv4> {
  const a = parseIpv4(text.trim());
  return a === null ? bad(`${JSON.stringify(text)} is not an IPv4 address`) : ok(a);
}

/** `10.77.0.0/24`; host bits must be zero so a typo in the address is not silently masked. */
export function parseCidr(text: string): Parsed<{ network: Ipv4; prefixLength: number }> {
  const m = /^\s*([^/\s]+)\s*\/\s*(\d{1,2})\s*$/.exec(text);
  if (!m) return bad(`${JSON.stringify(text)} is not a network in address/prefix form (e.g. 10.77.0.0/24)`);
  const a = parseIpv4(m[1]!);
  const prefixLength = Number(m[2]);
  if (a === null) return bad(`${JSON.stringify(m[1])} is not an IPv4 address`);
  if (prefixLength > 32) return bad(`prefix length ${prefixLength} is greater than 32`);
  const network = (a & prefixToMask(prefixLength)) >>> 0;
  if (network !== a) {
    return bad(`${text.trim()} has host bits set; the network is ${formatIpv4(network)}/${prefixLength}`);
  }
  return ok({ network, prefixLength });
}

/**
 * A range as text: `a-b`, `a - b`, a CIDR block `a/n` (every address of the block), or a
 * single address.
 */
export function parseRangeText(text: string): Parsed<{ start: Ipv4; end: Ipv4 }> {
  if (text.includes('/')) {
    const c = parseCidr(text);
    if (!c.ok) return c;
    const end = (c.value.network | ~prefixToMask(c.value.prefixLength)) >>> 0;
    return ok({ start: c.value.network, end });
  }
  const parts = text.split('-');
  if (parts.length > 2) return bad(`${JSON.stringify(text)} is not a range (expected start-end)`);
  const start = parseAddress(parts[0]!);
  if (!start.ok) return start;
  if (parts.length === 1) return ok({ start: start.value, end: start.value });
  const end = parseAddress(parts[1]!);
  if (!end.ok) return end;
  return ok({ start: start.value, end: end.value });
}

/**
 * Hex bytes: `02:ac:77:00:0e:01`, `02-ac-77-00-0e-01`, or unseparated `02ac77000e01`
 * (an optional 0x prefix is allowed on the unseparated form).
 */
export function parseHexBytes(text: string): Parsed<Uint8Array> {
  const t = text.trim();
  let pairs: string[];
  if (/[:-]/.test(t)) {
    pairs = t.split(/[:-]/);
    if (pairs.some((p) => !/^[0-9A-Fa-f]{1,2}$/.test(p))) return bad(`${JSON.stringify(text)} is not hex bytes (e.g. 02:ac:77:00:0e:01)`);
  } else {
    const body = t.replace(/^0x/i, '');
    if (!/^([0-9A-Fa-f]{2})+$/.test(body)) return bad(`${JSON.stringify(text)} is not hex bytes (e.g. 02:ac:77:00:0e:01)`);
    pairs = body.match(/../g)!;
  }
  return ok(Uint8Array.from(pairs, (p) => parseInt(p, 16)));
}

export function parseHardwareAddress(text: string): Parsed<Uint8Array> {
  const b = parseHexBytes(text);
  if (!b.ok) return b;
  // chaddr holds at most 16 bytes (RFC 2131 §2).
  if (b.value.length < 1 || b.value.length > 16) return bad(`hardware address must be 1 to 16 bytes, got ${b.value.length}`);
  return b;
}

export function parseClientId(text: string): Parsed<Uint8Array> {
  const b = parseHexBytes(text);
  if (!b.ok) return b;
  // RFC 2132 §9.14: a type byte plus at least one byte of identifier.
  if (b.value.length < 2) return bad('client-id must be at least 2 bytes (type byte and identifier)');
  if (b.value.length > 255) return bad('client-id must be at most 255 bytes');
  return b;
}
