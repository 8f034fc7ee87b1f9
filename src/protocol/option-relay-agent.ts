import { DecodeError } from './decode-error.js';
import { formatIpv4, parseIpv4, readIpv4, writeIpv4, type Ipv4 } from './ipv4.js';
import { describeJson, opaqueFromJson, opaqueToJson } from './json-text.js';
import type { TypeCodec } from './option-codec.js';
import { OptionValueError } from './option-value-error.js';

/**
 * RFC 3046 relay agent information (82): a list of sub-options in wire order. Link selection
 * (RFC 3527) and server identifier override (RFC 5107) carry an address; every other
 * sub-option (circuit-id, remote-id, …) is kept as bytes.
 */
export type RelaySubOption =
  | { code: number; address: Ipv4 } // only link-selection (5) and server-id-override (11)
  | { code: number; data: Uint8Array };

export const RELAY_CIRCUIT_ID = 1;
export const RELAY_REMOTE_ID = 2;
export const RELAY_LINK_SELECTION = 5;
export const RELAY_SERVER_ID_OVERRIDE = 11;

const NAMES = new Map<number, string>([
  [RELAY_CIRCUIT_ID, 'circuit-id'],
  [RELAY_REMOTE_ID, 'remote-id'],
  [RELAY_LINK_SELECTION, 'link-selection'],
  [RELAY_SERVER_ID_OVERRIDE, 'server-id-override'],
]);
const CODES = new Map([...NAMES].map(([c, n]) => [n, c]));

const isAddressSub = (code: number): boolean => code === RELAY_LINK_SELECTION || code === RELAY_SERVER_ID_OVERRIDE;

export function relaySubOptionName(code: number): string {
  return NAMES.get(code) ?? String(code);
}

function subFromJson(key: string | number, value: unknown, where: string): RelaySubOption {
  const code = typeof key === 'number' ? key : CODES.get(key) ?? (/^\d+$/.test(key) ? Number(key) : NaN);
  if (!Number.isInteger(code) || code < 0 || code > 255) {
    throw new OptionValueError(where, `unknown relay sub-option ${describeJson(key)} (use circuit-id, remote-id, link-selection, server-id-override or a code 0-255)`);
  }
  if (isAddressSub(code)) {
    const address = typeof value === 'string' ? parseIpv4(value.trim()) : null;
    if (address === null) throw new OptionValueError(where, `${relaySubOptionName(code)}: expected an IPv4 address, got ${describeJson(value)}`);
    return { code, address };
  }
  const data = opaqueFromJson(value, `${where} ${relaySubOptionName(code)}`);
  if (data.length > 255) throw new OptionValueError(where, `${relaySubOptionName(code)}: longer than 255 bytes`);
  return { code, data };
}

export const RELAY_AGENT: TypeCodec<RelaySubOption[]> = {
  decode(bytes, where) {
    const subs: RelaySubOption[] = [];
    let p = 0;
    while (p < bytes.length) {
      if (p + 2 > bytes.length) throw new DecodeError(where, `sub-option ${bytes[p]} has no length byte`, p);
      const code = bytes[p]!;
      const n = bytes[p + 1]!;
      if (p + 2 + n > bytes.length) throw new DecodeError(where, `sub-option ${code} length ${n} runs past end of option`, p);
      if (isAddressSub(code)) {
        if (n !== 4) throw new DecodeError(where, `${relaySubOptionName(code)} length ${n}, expected 4`, p);
        subs.push({ code, address: readIpv4(bytes, p + 2) });
      } else {
        subs.push({ code, data: bytes.slice(p + 2, p + 2 + n) });
      }
      p += 2 + n;
    }
    if (subs.length === 0) throw new DecodeError(where, 'no sub-options');
    return subs;
  },
  encode(value, where) {
    if (!Array.isArray(value) || value.length === 0) {
      throw new OptionValueError(where, `expected a list of sub-options, got ${describeJson(value)}`);
    }
    const parts: number[] = [];
    for (const s of value) {
      const code = (s as { code?: unknown })?.code;
      if (typeof code !== 'number' || !Number.isInteger(code) || code < 0 || code > 255) {
        throw new OptionValueError(where, `bad sub-option ${describeJson(s)}`);
      }
      if ('address' in s) {
        if (!isAddressSub(code)) throw new OptionValueError(where, `sub-option ${code} does not carry an address`);
        const b = new Uint8Array(4);
        writeIpv4(b, 0, s.address);
        parts.push(code, 4, ...b);
      } else if (s.data instanceof Uint8Array && s.data.length <= 255) {
        parts.push(code, s.data.length, ...s.data);
      } else {
        throw new OptionValueError(where, `sub-option ${code}: expected at most 255 bytes of data`);
      }
    }
    return Uint8Array.from(parts);
  },
  fromJson(json, where) {
    // {"circuit-id": "eth0", "remote-id": "0x0102", "link-selection": "10.77.0.0", "151": "0x01"}
    // or, to keep an exact order or repeat a code, [{"code": 1, "value": "eth0"}, …].
    let subs: RelaySubOption[];
    if (Array.isArray(json)) {
      subs = json.map((e) => {
        const o = e as { code?: unknown; name?: unknown; value?: unknown } | null;
        const key = o?.code ?? o?.name;
        if (typeof key !== 'number' && typeof key !== 'string') {
          throw new OptionValueError(where, `expected {code or name, value}, got ${describeJson(e)}`);
        }
        return subFromJson(key, o!.value, where);
      });
    } else if (typeof json === 'object' && json !== null) {
      subs = Object.entries(json).map(([k, v]) => subFromJson(k, v, where));
    } else {
      throw new OptionValueError(where, `expected an object of sub-options like {"circuit-id": "eth0"}, got ${describeJson(json)}`);
    }
    if (subs.length === 0) throw new OptionValueError(where, 'expected at least one sub-option');
    return subs;
  },
  toJson(v) {
    const show = (s: RelaySubOption) => ('address' in s ? formatIpv4(s.address) : opaqueToJson(s.data));
    const unique = new Set(v.map((s) => s.code)).size === v.length;
    // An object is friendlier, but JS objects put numeric keys first, ascending: use the list form
    // when that would change the order.
    let ordered = true;
    let seenNamed = false;
    let lastNumeric = -1;
    for (const s of v) {
      if (NAMES.has(s.code)) { seenNamed = true; continue; }
      if (seenNamed || s.code <= lastNumeric) ordered = false;
      lastNumeric = s.code;
    }
    if (unique && ordered) return Object.fromEntries(v.map((s) => [relaySubOptionName(s.code), show(s)]));
    return v.map((s) => ({ code: s.code, value: show(s) }));
  },
};
