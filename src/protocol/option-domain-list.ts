import { DecodeError } from './decode-error.js';
import { bytesText, describeJson, textBytes } from './json-text.js';
import type { TypeCodec } from './option-codec.js';
import { OptionValueError } from './option-value-error.js';

// RFC 1035 §3.1 domain names as RFC 3397 (domain search, 119) carries them: a list of names,
// compressed with pointers relative to the start of the (already joined) option value.
// A name is written without the trailing dot ("a.example"); the root name is ".".

const MAX_NAME_WIRE = 255;
const MAX_LABEL = 63;
const MAX_POINTER = 0x3fff;

/** Labels of a name as bytes; null with a reason when the name cannot be encoded. */
export function nameLabels(name: string): Uint8Array[] | string {
  if (name === '.' ) return [];
  const text = name.endsWith('.') ? name.slice(0, -1) : name;
  if (text === '') return 'empty name';
  const labels: Uint8Array[] = [];
  let wire = 1;
  for (const part of text.split('.')) {
    const l = textBytes(part);
    if (l.length === 0) return `empty label in '${name}'`;
    if (l.length > MAX_LABEL) return `label '${part}' is longer than ${MAX_LABEL} bytes`;
    wire += 1 + l.length;
    labels.push(l);
  }
  if (wire > MAX_NAME_WIRE) return `name '${name}' is longer than ${MAX_NAME_WIRE} bytes`;
  return labels;
}

/** Encodes names, reusing earlier suffixes through compression pointers. */
export function encodeNames(names: readonly string[], where: string): Uint8Array {
  const out: number[] = [];
  const suffixAt = new Map<string, number>();
  for (const name of names) {
    const labels = nameLabels(name);
    if (typeof labels === 'string') throw new OptionValueError(where, labels);
    const keys = labels.map((_, i) => labels.slice(i).map((l) => bytesText(l)).join('.'));
    let i = 0;
    for (; i < labels.length; i++) {
      const at = suffixAt.get(keys[i]!);
      if (at !== undefined) {
        out.push(0xc0 | (at >> 8), at & 255);
        break;
      }
      if (out.length <= MAX_POINTER) suffixAt.set(keys[i]!, out.length);
      out.push(labels[i]!.length, ...labels[i]!);
    }
    if (i === labels.length) out.push(0);
  }
  return Uint8Array.from(out);
}

/**
 * Reads one name at `start`; returns it and the offset after it. Pointers may only lead to
 * earlier pointers' targets, each strictly before the last one followed, so loops are impossible.
 * With `allowPartial`, running out of bytes ends the name (RFC 4702 partial names) instead of failing.
 */
export function readName(
  b: Uint8Array, start: number, where: string, allowPartial = false,
): { name: string; next: number; complete: boolean } {
  const parts: string[] = [];
  let p = start;
  let next = -1;
  let lastPointer = b.length;
  let wire = 1;
  for (;;) {
    if (p >= b.length) {
      if (allowPartial && next < 0) return { name: parts.join('.'), next: p, complete: false };
      throw new DecodeError(where, 'domain name runs past end of option', p);
    }
    const len = b[p]!;
    if (len === 0) {
      if (next < 0) next = p + 1;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      if (p + 1 >= b.length) throw new DecodeError(where, 'truncated compression pointer', p);
      const target = ((len & 0x3f) << 8) | b[p + 1]!;
      if (p >= lastPointer || target >= p) throw new DecodeError(where, `compression pointer to ${target} does not point backwards`, p);
      if (next < 0) next = p + 2;
      lastPointer = p;
      p = target;
      continue;
    }
    if (len > MAX_LABEL) throw new DecodeError(where, `label length byte ${len} is not a label or pointer`, p);
    if (p + 1 + len > b.length) throw new DecodeError(where, `label of ${len} bytes runs past end of option`, p);
    wire += 1 + len;
    if (wire > MAX_NAME_WIRE) throw new DecodeError(where, `domain name longer than ${MAX_NAME_WIRE} bytes`, start);
    parts.push(bytesText(b.subarray(p + 1, p + 1 + len)));
    p += 1 + len;
  }
  return { name: parts.length === 0 ? '.' : parts.join('.'), next, complete: true };
}

export const DOMAIN_LIST: TypeCodec<string[]> = {
  decode(bytes, where) {
    if (bytes.length === 0) throw new DecodeError(where, 'empty domain list');
    const names: string[] = [];
    let p = 0;
    while (p < bytes.length) {
      const r = readName(bytes, p, where);
      names.push(r.name);
      p = r.next;
    }
    return names;
  },
  encode(value, where) {
    if (!Array.isArray(value) || value.length === 0 || !value.every((n) => typeof n === 'string')) {
      throw new OptionValueError(where, `expected a list of domain names, got ${describeJson(value)}`);
    }
    return encodeNames(value, where);
  },
  fromJson(json, where) {
    const list = typeof json === 'string' ? [json] : json;
    if (!Array.isArray(list) || list.length === 0 || !list.every((n) => typeof n === 'string')) {
      throw new OptionValueError(where, `expected a domain name or a list of them, got ${describeJson(json)}`);
    }
    const names = list.map((n: string) => {
      const t = n.trim();
      return t.length > 1 && t.endsWith('.') ? t.slice(0, -1) : t;
    });
    for (const n of names) {
      const labels = nameLabels(n);
      if (typeof labels === 'string') throw new OptionValueError(where, labels);
    }
    return names;
  },
  toJson: (v) => v,
};
