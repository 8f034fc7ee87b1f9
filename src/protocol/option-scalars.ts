import { DecodeError } from './decode-error.js';
import { formatIpv4, parseIpv4, readIpv4, writeIpv4, type Ipv4 } from './ipv4.js';
import type { TypeCodec } from './option-codec.js';
import { OptionValueError } from './option-value-error.js';
import { describeJson } from './json-text.js';

/** Fixed-size element types; an option is one of them or (array flag) a list of them. */
export interface FixedElement<T> {
  size: number;
  /** "an IPv4 address": used in "expected … or a list of them". */
  expected: string;
  read(b: Uint8Array, off: number, where: string): T;
  write(b: Uint8Array, off: number, v: T): void;
  /** Parses one JSON element; null when it does not fit (the caller builds the message). */
  parse(j: unknown): T | null;
  valid(v: unknown): v is T;
  show(v: T): unknown;
}

export type Ipv4Pair = [Ipv4, Ipv4];

const isU32 = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;

function intElement(size: 1 | 2 | 4, signed: boolean): FixedElement<number> {
  const min = signed ? -(2 ** (size * 8 - 1)) : 0;
  const max = signed ? 2 ** (size * 8 - 1) - 1 : 2 ** (size * 8) - 1;
  const valid = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
  return {
    size,
    expected: `an integer ${min}..${max}`,
    read(b, off) {
      if (size === 1) return b[off]!;
      if (size === 2) return (b[off]! << 8) | b[off + 1]!;
      const u = readIpv4(b, off);
      return signed ? u | 0 : u;
    },
    write(b, off, v) {
      if (size === 1) b[off] = v & 255;
      else if (size === 2) { b[off] = (v >>> 8) & 255; b[off + 1] = v & 255; }
      else writeIpv4(b, off, v >>> 0);
    },
    parse: (j) => (valid(j) ? j : null),
    valid,
    show: (v) => v,
  };
}

export const U8 = intElement(1, false);
export const U16 = intElement(2, false);
export const U32 = intElement(4, false);
export const I32 = intElement(4, true);

export const IPV4: FixedElement<Ipv4> = {
  size: 4,
  expected: 'an IPv4 address',
  read: (b, off) => readIpv4(b, off),
  write: (b, off, v) => writeIpv4(b, off, v),
  parse: (j) => (typeof j === 'string' ? parseIpv4(j.trim()) : null),
  valid: isU32,
  show: formatIpv4,
};

export const BOOL: FixedElement<boolean> = {
  size: 1,
  expected: 'true or false',
  read(b, off, where) {
    const v = b[off]!;
    if (v > 1) throw new DecodeError(where, `boolean value ${v} is not 0 or 1`, off);
    return v === 1;
  },
  write: (b, off, v) => { b[off] = v ? 1 : 0; },
  parse: (j) => (typeof j === 'boolean' ? j : null),
  valid: (v): v is boolean => typeof v === 'boolean',
  show: (v) => v,
};

/** Two addresses: (address, mask) for policy-filter, (destination, router) for static-routes. */
export const IPV4_PAIR: FixedElement<Ipv4Pair> = {
  size: 8,
  expected: "a pair of IPv4 addresses ('10.0.0.0 10.0.0.1')",
  read: (b, off) => [readIpv4(b, off), readIpv4(b, off + 4)],
  write: (b, off, v) => { writeIpv4(b, off, v[0]); writeIpv4(b, off + 4, v[1]); },
  parse(j) {
    const parts = typeof j === 'string' ? j.trim().split(/[\s,]+/) : Array.isArray(j) ? j : null;
    if (!parts || parts.length !== 2 || typeof parts[0] !== 'string' || typeof parts[1] !== 'string') return null;
    const a = parseIpv4(parts[0]);
    const b = parseIpv4(parts[1]);
    return a === null || b === null ? null : [a, b];
  },
  valid: (v): v is Ipv4Pair => Array.isArray(v) && v.length === 2 && isU32(v[0]) && isU32(v[1]),
  show: (v) => `${formatIpv4(v[0])} ${formatIpv4(v[1])}`,
};

export function singleCodec<T>(e: FixedElement<T>): TypeCodec<T> {
  return {
    decode(bytes, where) {
      if (bytes.length !== e.size) throw new DecodeError(where, `length ${bytes.length}, expected ${e.size}`);
      return e.read(bytes, 0, where);
    },
    encode(value, where) {
      if (!e.valid(value)) throw new OptionValueError(where, `expected ${e.expected}, got ${describeJson(value)}`);
      const b = new Uint8Array(e.size);
      e.write(b, 0, value);
      return b;
    },
    fromJson(json, where) {
      const v = e.parse(json);
      if (v === null) throw new OptionValueError(where, `expected ${e.expected}, got ${describeJson(json)}`);
      return v;
    },
    toJson: (v) => e.show(v),
  };
}

export function arrayCodec<T>(e: FixedElement<T>, allowEmpty: boolean): TypeCodec<T[]> {
  const expected = `${e.expected} or a list of them`;
  return {
    decode(bytes, where) {
      if (bytes.length % e.size !== 0 || (bytes.length === 0 && !allowEmpty)) {
        throw new DecodeError(where, `length ${bytes.length} is not a ${allowEmpty ? '' : 'non-zero '}multiple of ${e.size}`);
      }
      const out: T[] = new Array(bytes.length / e.size);
      for (let i = 0; i < out.length; i++) out[i] = e.read(bytes, i * e.size, where);
      return out;
    },
    encode(value, where) {
      if (!Array.isArray(value) || (value.length === 0 && !allowEmpty) || !value.every((v) => e.valid(v))) {
        throw new OptionValueError(where, `expected ${expected}, got ${describeJson(value)}`);
      }
      const b = new Uint8Array(value.length * e.size);
      value.forEach((v, i) => e.write(b, i * e.size, v));
      return b;
    },
    fromJson(json, where) {
      // A single element is accepted where a list is expected; a pair given as a 2-array is one element.
      const single = e.parse(json);
      if (single !== null) return [single];
      if (Array.isArray(json) && (json.length > 0 || allowEmpty)) {
        const out: T[] = [];
        for (const j of json) {
          const v = e.parse(j);
          if (v === null) throw new OptionValueError(where, `expected ${expected}, got ${describeJson(j)}`);
          out.push(v);
        }
        return out;
      }
      throw new OptionValueError(where, `expected ${expected}, got ${describeJson(json)}`);
    },
    toJson: (v) => v.map((x) => e.show(x)),
  };
}
