import { DecodeError } from './decode-error.js';
import { bytesText, describeJson, textBytes } from './json-text.js';
import type { TypeCodec } from './option-codec.js';
import { nameLabels, readName } from './option-domain-list.js';
import { OptionValueError } from './option-value-error.js';

/**
 * RFC 4702 client FQDN (81). With the E flag the name is in DNS wire format: a fully qualified
 * name is written with its trailing dot ("host.example."), a partial one without ("host").
 * Without E it is the deprecated ASCII form, kept as text.
 */
export interface ClientFqdn {
  flags: number;
  rcode1: number;
  rcode2: number;
  name: string;
}

export const FQDN_FLAG_S = 0x01;
export const FQDN_FLAG_O = 0x02;
export const FQDN_FLAG_E = 0x04;
export const FQDN_FLAG_N = 0x08;

const isByte = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 255;

function encodeWireName(name: string, where: string): number[] {
  if (name === '') return [];
  const full = name.endsWith('.');
  const labels = nameLabels(name);
  if (typeof labels === 'string') throw new OptionValueError(where, labels);
  const out: number[] = [];
  for (const l of labels) out.push(l.length, ...l);
  if (full) out.push(0);
  return out;
}

export const CLIENT_FQDN: TypeCodec<ClientFqdn> = {
  decode(bytes, where) {
    if (bytes.length < 3) throw new DecodeError(where, `length ${bytes.length} is shorter than 3`);
    const flags = bytes[0]!;
    const body = bytes.subarray(3);
    let name: string;
    if (flags & FQDN_FLAG_E) {
      if (body.length === 0) name = '';
      else {
        const r = readName(body, 0, where, true);
        if (r.next !== body.length) throw new DecodeError(where, 'bytes after the end of the name', 3 + r.next);
        name = r.complete ? (r.name === '.' ? '.' : r.name + '.') : r.name;
      }
    } else {
      name = bytesText(body);
    }
    return { flags, rcode1: bytes[1]!, rcode2: bytes[2]!, name };
  },
  encode(value, where) {
    const v = value as Partial<ClientFqdn> | null;
    if (!v || !isByte(v.flags) || !isByte(v.rcode1) || !isByte(v.rcode2) || typeof v.name !== 'string') {
      throw new OptionValueError(where, `expected {flags, rcode1, rcode2, name}, got ${describeJson(value)}`);
    }
    const name = v.flags & FQDN_FLAG_E ? encodeWireName(v.name, where) : Array.from(textBytes(v.name));
    return Uint8Array.from([v.flags, v.rcode1, v.rcode2, ...name]);
  },
  fromJson(json, where) {
    // A bare name means: canonical wire encoding, no other flags.
    if (typeof json === 'string') {
      const v = { flags: FQDN_FLAG_E, rcode1: 0, rcode2: 0, name: json.trim() };
      CLIENT_FQDN.encode(v, where);
      return v;
    }
    const o = json as Record<string, unknown> | null;
    if (typeof o === 'object' && o !== null && !Array.isArray(o) && typeof o.name === 'string') {
      const v = { flags: o.flags ?? FQDN_FLAG_E, rcode1: o.rcode1 ?? 0, rcode2: o.rcode2 ?? 0, name: o.name } as ClientFqdn;
      CLIENT_FQDN.encode(v, where);
      return v;
    }
    throw new OptionValueError(where, `expected a name or {flags, rcode1, rcode2, name}, got ${describeJson(json)}`);
  },
  toJson: (v) => ({ flags: v.flags, rcode1: v.rcode1, rcode2: v.rcode2, name: v.name }),
};
