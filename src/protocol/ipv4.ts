// IPv4 addresses travel through the core as unsigned 32-bit numbers: cheap to compare,
// index and count, which allocation and subnet matching do on every packet.
export type Ipv4 = number;

export function formatIpv4(a: Ipv4): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

/** Parses dotted-quad text; returns null when it is not exactly four decimal octets. */
export function parseIpv4(text: string): Ipv4 | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const v = Number(p);
    if (v > 255) return null;
    n = n * 256 + v;
  }
  return n >>> 0;
}

export function readIpv4(buf: Uint8Array, offset: number): Ipv4 {
  return ((buf[offset]! << 24) | (buf[offset + 1]! << 16) | (buf[offset + 2]! << 8) | buf[offset + 3]!) >>> 0;
}

export function writeIpv4(buf: Uint8Array, offset: number, a: Ipv4): void {
  buf[offset] = a >>> 24;
  buf[offset + 1] = (a >>> 16) & 255;
  buf[offset + 2] = (a >>> 8) & 255;
  buf[offset + 3] = a & 255;
}

export function ipv4Bytes(a: Ipv4): Uint8Array {
  const b = new Uint8Array(4);
  writeIpv4(b, 0, a);
  return b;
}

export function prefixToMask(prefix: number): Ipv4 {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Prefix length of a contiguous mask, or null when the mask has holes. */
export function maskToPrefix(mask: Ipv4): number | null {
  let prefix = 0;
  while (prefix < 32 && ((mask >>> (31 - prefix)) & 1) === 1) prefix++;
  return prefixToMask(prefix) === mask >>> 0 ? prefix : null;
}

export function inNetwork(a: Ipv4, network: Ipv4, prefix: number): boolean {
  const mask = prefixToMask(prefix);
  return ((a & mask) >>> 0) === ((network & mask) >>> 0);
}
