import { DecodeError } from './decode-error.js';
import { readIpv4, writeIpv4 } from './ipv4.js';
import { describeJson, expectInteger, opaqueFromJson, opaqueToJson } from './json-text.js';
import type { TypeCodec } from './option-codec.js';
import { OptionValueError } from './option-value-error.js';

// RFC 3925 vendor-identifying options. Both are lists of per-enterprise blocks:
// enterprise number (4 bytes), data length (1 byte), data. In vivco (124) the data is a list of
// length-prefixed opaque classes; in vivso (125) it is a list of code/length/data sub-options.

export interface VendorClass {
  enterprise: number;
  data: Uint8Array[];
}

export interface VendorSubOption {
  code: number;
  data: Uint8Array;
}

export interface VendorSpecific {
  enterprise: number;
  options: VendorSubOption[];
}

/** Splits the option into enterprise blocks, each a view of its data. */
function readBlocks(bytes: Uint8Array, where: string): { enterprise: number; data: Uint8Array; at: number }[] {
  if (bytes.length === 0) throw new DecodeError(where, 'empty option');
  const blocks = [];
  let p = 0;
  while (p < bytes.length) {
    if (p + 5 > bytes.length) throw new DecodeError(where, 'enterprise block header runs past end of option', p);
    const n = bytes[p + 4]!;
    if (p + 5 + n > bytes.length) throw new DecodeError(where, `enterprise data length ${n} runs past end of option`, p);
    blocks.push({ enterprise: readIpv4(bytes, p), data: bytes.subarray(p + 5, p + 5 + n), at: p + 5 });
    p += 5 + n;
  }
  return blocks;
}

function writeBlocks(blocks: { enterprise: number; data: number[] }[], where: string): Uint8Array {
  const out: number[] = [];
  for (const b of blocks) {
    if (b.data.length > 255) throw new OptionValueError(where, `enterprise ${b.enterprise}: data longer than 255 bytes`);
    const e = new Uint8Array(4);
    writeIpv4(e, 0, b.enterprise);
    out.push(...e, b.data.length, ...b.data);
  }
  return Uint8Array.from(out);
}

const isU32 = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
const isBytes = (v: unknown, max: number): v is Uint8Array => v instanceof Uint8Array && v.length <= max;

function jsonBlocks(json: unknown, where: string, field: string): { enterprise: number; value: unknown }[] {
  const list = Array.isArray(json) ? json : [json];
  if (list.length === 0) throw new OptionValueError(where, `expected at least one {enterprise, ${field}}`);
  return list.map((e) => {
    const o = e as Record<string, unknown> | null;
    if (typeof o !== 'object' || o === null || !(field in o)) {
      throw new OptionValueError(where, `expected {enterprise, ${field}}, got ${describeJson(e)}`);
    }
    return { enterprise: expectInteger(o.enterprise, 0, 0xffffffff, where, 'an enterprise number'), value: o[field] };
  });
}

export const VIVCO: TypeCodec<VendorClass[]> = {
  decode(bytes, where) {
    return readBlocks(bytes, where).map(({ enterprise, data, at }) => {
      const classes: Uint8Array[] = [];
      let p = 0;
      while (p < data.length) {
        const n = data[p]!;
        if (n === 0 || p + 1 + n > data.length) throw new DecodeError(where, `vendor class length ${n} is zero or runs past its block`, at + p);
        classes.push(data.slice(p + 1, p + 1 + n));
        p += 1 + n;
      }
      return { enterprise, data: classes };
    });
  },
  encode(value, where) {
    if (!Array.isArray(value) || value.length === 0) throw new OptionValueError(where, `expected a list of {enterprise, data}, got ${describeJson(value)}`);
    return writeBlocks(value.map((b) => {
      if (!isU32(b?.enterprise) || !Array.isArray(b.data) || !b.data.every((d) => isBytes(d, 255) && d.length > 0)) {
        throw new OptionValueError(where, `expected {enterprise, data: non-empty byte strings}, got ${describeJson(b)}`);
      }
      const data: number[] = [];
      for (const d of b.data) data.push(d.length, ...d);
      return { enterprise: b.enterprise, data };
    }), where);
  },
  fromJson(json, where) {
    // [{"enterprise": 4491, "data": ["docsis3.0", "0x0102"]}]
    return jsonBlocks(json, where, 'data').map(({ enterprise, value }) => {
      const list = Array.isArray(value) ? value : [value];
      const data = list.map((d) => opaqueFromJson(d, where));
      if (data.some((d) => d.length === 0 || d.length > 255)) throw new OptionValueError(where, 'each vendor class must be 1-255 bytes');
      return { enterprise, data };
    });
  },
  toJson: (v) => v.map((b) => ({ enterprise: b.enterprise, data: b.data.map(opaqueToJson) })),
};

export const VIVSO: TypeCodec<VendorSpecific[]> = {
  decode(bytes, where) {
    return readBlocks(bytes, where).map(({ enterprise, data, at }) => {
      const options: VendorSubOption[] = [];
      let p = 0;
      while (p < data.length) {
        if (p + 2 > data.length) throw new DecodeError(where, `vendor sub-option ${data[p]} has no length byte`, at + p);
        const n = data[p + 1]!;
        if (p + 2 + n > data.length) throw new DecodeError(where, `vendor sub-option ${data[p]} length ${n} runs past its block`, at + p);
        options.push({ code: data[p]!, data: data.slice(p + 2, p + 2 + n) });
        p += 2 + n;
      }
      return { enterprise, options };
    });
  },
  encode(value, where) {
    if (!Array.isArray(value) || value.length === 0) throw new OptionValueError(where, `expected a list of {enterprise, options}, got ${describeJson(value)}`);
    return writeBlocks(value.map((b) => {
      const okOptions = Array.isArray(b?.options) && b.options.every((o) => Number.isInteger(o?.code) && o.code >= 0 && o.code <= 255 && isBytes(o.data, 255));
      if (!isU32(b?.enterprise) || !okOptions) {
        throw new OptionValueError(where, `expected {enterprise, options: [{code, data}]}, got ${describeJson(b)}`);
      }
      const data: number[] = [];
      for (const o of b.options) data.push(o.code, o.data.length, ...o.data);
      return { enterprise: b.enterprise, data };
    }), where);
  },
  fromJson(json, where) {
    // [{"enterprise": 3561, "options": {"1": "0x0102", "2": "text"}}] or options as [{code, data}]
    return jsonBlocks(json, where, 'options').map(({ enterprise, value }) => {
      const entries: [unknown, unknown][] = Array.isArray(value)
        ? value.map((o) => [(o as { code?: unknown })?.code, (o as { data?: unknown })?.data])
        : typeof value === 'object' && value !== null ? Object.entries(value) : [];
      const options = entries.map(([code, data]) => {
        const c = typeof code === 'string' && /^\d+$/.test(code) ? Number(code) : code;
        return { code: expectInteger(c, 0, 255, where, 'a vendor sub-option code'), data: opaqueFromJson(data, where) };
      });
      return { enterprise, options };
    });
  },
  toJson: (v) => v.map((b) => ({ enterprise: b.enterprise, options: b.options.map((o) => ({ code: o.code, data: opaqueToJson(o.data) })) })),
};
