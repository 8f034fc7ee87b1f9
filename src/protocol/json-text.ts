import { OptionValueError } from './option-value-error.js';

// Text forms shared by the option JSON conventions: hex bytes and opaque (text-or-hex) data.

const HEX_COLON = /^[0-9a-f]{1,2}(:[0-9a-f]{1,2})*$/i;
const HEX_0X = /^0x([0-9a-f]{2})*$/i;
const HEX_PLAIN = /^([0-9a-f]{2})+$/i;

/** A short rendering of a bad JSON value for error messages: 'x', 12, [..]. */
export function describeJson(j: unknown): string {
  if (typeof j === 'string') return `'${j.length > 60 ? j.slice(0, 57) + '...' : j}'`;
  if (j === undefined) return 'nothing';
  const s = JSON.stringify(j) ?? String(j);
  return s.length > 60 ? s.slice(0, 57) + '...' : s;
}

/** "01:02:0a", "0x01020a", "01020a", "" or [1, 2, 10]; null when it is none of these. */
export function parseHex(j: unknown): Uint8Array | null {
  if (Array.isArray(j)) {
    if (!j.every((x) => Number.isInteger(x) && x >= 0 && x <= 255)) return null;
    return Uint8Array.from(j as number[]);
  }
  if (typeof j !== 'string') return null;
  const t = j.trim();
  if (t === '') return new Uint8Array(0);
  if (HEX_0X.test(t)) return Buffer.from(t.slice(2), 'hex');
  if (HEX_COLON.test(t) && t.includes(':')) return Uint8Array.from(t.split(':').map((h) => parseInt(h, 16)));
  if (HEX_PLAIN.test(t)) return Buffer.from(t, 'hex');
  return null;
}

export function binaryFromJson(j: unknown, where: string): Uint8Array {
  const b = parseHex(j);
  if (b === null) throw new OptionValueError(where, `expected hex bytes like '01:02:0a' or '0x01020a', got ${describeJson(j)}`);
  return new Uint8Array(b);
}

export function formatHexColon(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += (i ? ':' : '') + (b[i]! < 16 ? '0' : '') + b[i]!.toString(16);
  return s;
}

export function formatHex0x(b: Uint8Array): string {
  return '0x' + Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: false });

export const textBytes = (s: string): Uint8Array => utf8.encode(s);
export const bytesText = (b: Uint8Array): string => utf8Decoder.decode(b);

/**
 * Opaque data (vendor class data, user classes, relay sub-options) in JSON: "0x…" or
 * "aa:bb:…" is hex, any other string is its UTF-8 text.
 */
export function opaqueFromJson(j: unknown, where: string): Uint8Array {
  if (typeof j === 'string') {
    const t = j.trim();
    if (HEX_0X.test(t) || (t.includes(':') && HEX_COLON.test(t))) return new Uint8Array(parseHex(t)!);
    return textBytes(j);
  }
  const b = parseHex(j);
  if (b === null) throw new OptionValueError(where, `expected text or hex bytes like '0x01020a', got ${describeJson(j)}`);
  return new Uint8Array(b);
}

/** Printable ASCII that would not be read back as hex is shown as text, everything else as "0x…". */
export function opaqueToJson(b: Uint8Array): string {
  let printable = b.length > 0;
  for (let i = 0; i < b.length && printable; i++) printable = b[i]! >= 0x20 && b[i]! < 0x7f;
  if (printable) {
    const t = String.fromCharCode(...b);
    const trimmed = t.trim();
    if (trimmed === t && !HEX_0X.test(t) && !(t.includes(':') && HEX_COLON.test(t))) return t;
  }
  return formatHex0x(b);
}

export function expectInteger(j: unknown, min: number, max: number, where: string, what: string): number {
  if (typeof j !== 'number' || !Number.isInteger(j) || j < min || j > max) {
    throw new OptionValueError(where, `expected ${what} (an integer ${min}..${max}), got ${describeJson(j)}`);
  }
  return j;
}
