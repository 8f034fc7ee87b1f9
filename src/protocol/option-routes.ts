import { DecodeError } from './decode-error.js';
import { formatIpv4, parseIpv4, prefixToMask, readIpv4, writeIpv4, type Ipv4 } from './ipv4.js';
import { describeJson } from './json-text.js';
import type { TypeCodec } from './option-codec.js';
import { OptionValueError } from './option-value-error.js';

/** One RFC 3442 route: destination/prefix via router (router 0.0.0.0 means on-link). */
export interface ClasslessRoute {
  destination: Ipv4;
  prefix: number;
  router: Ipv4;
}

// Wire form per route: prefix length, then only the significant octets of the destination
// (ceil(prefix / 8)), then the router's 4 octets.

const significant = (prefix: number): number => (prefix + 7) >> 3;

function validRoute(r: unknown): r is ClasslessRoute {
  if (typeof r !== 'object' || r === null) return false;
  const { destination, prefix, router } = r as ClasslessRoute;
  const u32 = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
  return u32(destination) && u32(router) && Number.isInteger(prefix) && prefix >= 0 && prefix <= 32;
}

export const CLASSLESS_ROUTES: TypeCodec<ClasslessRoute[]> = {
  decode(bytes, where) {
    if (bytes.length === 0) throw new DecodeError(where, 'empty route list');
    const routes: ClasslessRoute[] = [];
    let p = 0;
    while (p < bytes.length) {
      const prefix = bytes[p]!;
      if (prefix > 32) throw new DecodeError(where, `prefix length ${prefix} exceeds 32`, p);
      const n = significant(prefix);
      if (p + 1 + n + 4 > bytes.length) throw new DecodeError(where, `route /${prefix} runs past end of option`, p);
      let destination = 0;
      for (let i = 0; i < 4; i++) destination = destination * 256 + (i < n ? bytes[p + 1 + i]! : 0);
      routes.push({ destination, prefix, router: readIpv4(bytes, p + 1 + n) });
      p += 1 + n + 4;
    }
    return routes;
  },
  encode(value, where) {
    if (!Array.isArray(value) || value.length === 0 || !value.every(validRoute)) {
      throw new OptionValueError(where, `expected a list of routes {destination, prefix, router}, got ${describeJson(value)}`);
    }
    let size = 0;
    for (const r of value) size += 1 + significant(r.prefix) + 4;
    const out = new Uint8Array(size);
    let p = 0;
    for (const r of value) {
      const n = significant(r.prefix);
      out[p] = r.prefix;
      for (let i = 0; i < n; i++) out[p + 1 + i] = (r.destination >>> (24 - 8 * i)) & 255;
      writeIpv4(out, p + 1 + n, r.router);
      p += 1 + n + 4;
    }
    return out;
  },
  fromJson(json, where) {
    const list = typeof json === 'string' ? [json] : json;
    const expected = "expected routes like ['10.0.0.0/8 10.77.0.1', '0.0.0.0/0 10.77.0.1']";
    if (!Array.isArray(list) || list.length === 0) throw new OptionValueError(where, `${expected}, got ${describeJson(json)}`);
    return list.map((item) => {
      if (typeof item !== 'string') throw new OptionValueError(where, `${expected}, got ${describeJson(item)}`);
      // Accepted separators: whitespace, a comma, " - " (Kea's form) or "via".
      const parts = item.trim().split(/[\s,]+/).filter((s) => s !== '-' && s !== 'via');
      const m = parts.length === 2 ? /^([\d.]+)\/(\d{1,2})$/.exec(parts[0]!) : null;
      const destination = m ? parseIpv4(m[1]!) : null;
      const prefix = m ? Number(m[2]) : NaN;
      const router = parts.length === 2 ? parseIpv4(parts[1]!) : null;
      if (destination === null || router === null || !(prefix <= 32)) {
        throw new OptionValueError(where, `${expected}, got ${describeJson(item)}`);
      }
      if (((destination & ~prefixToMask(prefix)) >>> 0) !== 0) {
        throw new OptionValueError(where, `route '${item}': ${formatIpv4(destination)} has bits set beyond /${prefix}`);
      }
      return { destination, prefix, router };
    });
  },
  toJson: (v) => v.map((r) => `${formatIpv4(r.destination)}/${r.prefix} ${formatIpv4(r.router)}`),
};
