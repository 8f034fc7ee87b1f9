import { DecodeError } from './decode-error.js';
import { describeJson, opaqueFromJson, opaqueToJson } from './json-text.js';
import type { TypeCodec } from './option-codec.js';
import { OptionValueError } from './option-value-error.js';

/** RFC 3004 user class (77): one or more length-prefixed, non-empty opaque classes. */
export const USER_CLASS: TypeCodec<Uint8Array[]> = {
  decode(bytes, where) {
    if (bytes.length === 0) throw new DecodeError(where, 'empty option');
    const classes: Uint8Array[] = [];
    let p = 0;
    while (p < bytes.length) {
      const n = bytes[p]!;
      if (n === 0 || p + 1 + n > bytes.length) throw new DecodeError(where, `user class length ${n} is zero or runs past end of option`, p);
      classes.push(bytes.slice(p + 1, p + 1 + n));
      p += 1 + n;
    }
    return classes;
  },
  encode(value, where) {
    if (!Array.isArray(value) || value.length === 0 || !value.every((c) => c instanceof Uint8Array && c.length > 0 && c.length <= 255)) {
      throw new OptionValueError(where, `expected a list of 1-255 byte classes, got ${describeJson(value)}`);
    }
    const out: number[] = [];
    for (const c of value) out.push(c.length, ...c);
    return Uint8Array.from(out);
  },
  fromJson(json, where) {
    const list = Array.isArray(json) ? json : [json];
    const classes = list.map((c) => opaqueFromJson(c, where));
    if (classes.length === 0 || classes.some((c) => c.length === 0 || c.length > 255)) {
      throw new OptionValueError(where, `expected one or more 1-255 byte classes like ["iPXE", "0x0102"], got ${describeJson(json)}`);
    }
    return classes;
  },
  toJson: (v) => v.map(opaqueToJson),
};
