import { DecodeError } from './decode-error.js';
import { binaryFromJson, bytesText, describeJson, formatHexColon, textBytes } from './json-text.js';
import type { TypeCodec } from './option-codec.js';
import { OptionValueError } from './option-value-error.js';

/**
 * NVT/UTF-8 text (RFC 2132 strings: at least one byte, not NUL-terminated). Trailing NULs that
 * some clients add anyway are dropped on decode, as Kea does.
 */
export const STRING: TypeCodec<string> = {
  decode(bytes, where) {
    let n = bytes.length;
    while (n > 0 && bytes[n - 1] === 0) n--;
    if (n === 0) throw new DecodeError(where, 'empty string');
    return bytesText(bytes.subarray(0, n));
  },
  encode(value, where) {
    if (typeof value !== 'string' || value.length === 0) {
      throw new OptionValueError(where, `expected a non-empty string, got ${describeJson(value)}`);
    }
    return textBytes(value);
  },
  fromJson(json, where) {
    if (typeof json !== 'string' || json.length === 0) {
      throw new OptionValueError(where, `expected a non-empty string, got ${describeJson(json)}`);
    }
    return json;
  },
  toJson: (v) => v,
};

/** Opaque bytes, shown as "01:02:0a". */
export const BINARY: TypeCodec<Uint8Array> = {
  decode: (bytes) => bytes.slice(),
  encode(value, where) {
    if (!(value instanceof Uint8Array)) throw new OptionValueError(where, `expected bytes, got ${describeJson(value)}`);
    return value.slice();
  },
  fromJson: binaryFromJson,
  toJson: formatHexColon,
};
