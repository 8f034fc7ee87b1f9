import { DecodeError } from './decode-error.js';
import type { Ipv4 } from './ipv4.js';
import { binaryFromJson, describeJson, formatHexColon } from './json-text.js';
import type { TypeCodec } from './option-codec.js';
import { DOMAIN_LIST } from './option-domain-list.js';
import { CLIENT_FQDN, type ClientFqdn } from './option-fqdn.js';
import { RELAY_AGENT, type RelaySubOption } from './option-relay-agent.js';
import { CLASSLESS_ROUTES, type ClasslessRoute } from './option-routes.js';
import { arrayCodec, BOOL, I32, IPV4, IPV4_PAIR, singleCodec, U16, U32, U8, type FixedElement, type Ipv4Pair } from './option-scalars.js';
import { optionByCode, optionByName, type OptionDef, type OptionType } from './option-table.js';
import { BINARY, STRING } from './option-text.js';
import { USER_CLASS } from './option-user-class.js';
import { OptionValueError } from './option-value-error.js';
import { VIVCO, VIVSO, type VendorClass, type VendorSpecific } from './option-vendor.js';

export { OptionValueError } from './option-value-error.js';
export type { ClasslessRoute } from './option-routes.js';
export type { ClientFqdn } from './option-fqdn.js';
export type { RelaySubOption } from './option-relay-agent.js';
export type { VendorClass, VendorSpecific, VendorSubOption } from './option-vendor.js';
export type { Ipv4Pair } from './option-scalars.js';

/** An option code with no table entry: its bytes, untouched. */
export interface RawOption {
  raw: Uint8Array;
}

/**
 * Typed option values, by table type: ipv4 → Ipv4 (number); uint8/16/32 and int32 → number; bool → boolean;
 * string → string; binary → Uint8Array; arrays of those → arrays; ipv4-pair → [Ipv4, Ipv4];
 * domain-list → string[]; classless-routes → ClasslessRoute[]; fqdn → ClientFqdn;
 * relay-agent → RelaySubOption[]; user-class → Uint8Array[]; vivco → VendorClass[];
 * vivso → VendorSpecific[]; unknown codes → RawOption.
 */
export type OptionValue =
  | number | boolean | string | Uint8Array
  | number[] | boolean[] | string[] | Uint8Array[] | Ipv4Pair | Ipv4Pair[]
  | ClasslessRoute[] | ClientFqdn | RelaySubOption[] | VendorClass[] | VendorSpecific[]
  | RawOption;

// The one place where an option type turns into its codec.
const ELEMENTS: Partial<Record<OptionType, FixedElement<unknown>>> = {
  ipv4: IPV4 as FixedElement<unknown>,
  'ipv4-pair': IPV4_PAIR as FixedElement<unknown>,
  uint8: U8 as FixedElement<unknown>,
  uint16: U16 as FixedElement<unknown>,
  uint32: U32 as FixedElement<unknown>,
  int32: I32 as FixedElement<unknown>,
  bool: BOOL as FixedElement<unknown>,
};
const COMPOSITES: Partial<Record<OptionType, TypeCodec<unknown>>> = {
  string: STRING as TypeCodec<unknown>,
  binary: BINARY as TypeCodec<unknown>,
  'domain-list': DOMAIN_LIST as TypeCodec<unknown>,
  'classless-routes': CLASSLESS_ROUTES as TypeCodec<unknown>,
  fqdn: CLIENT_FQDN as TypeCodec<unknown>,
  'relay-agent': RELAY_AGENT as TypeCodec<unknown>,
  'user-class': USER_CLASS as TypeCodec<unknown>,
  vivco: VIVCO as TypeCodec<unknown>,
  vivso: VIVSO as TypeCodec<unknown>,
};

// Codecs are built once per definition, not per call.
const codecCache = new Map<number, TypeCodec<unknown>>();

function codecFor(def: OptionDef): TypeCodec<unknown> {
  let c = codecCache.get(def.code);
  if (!c) {
    const element = ELEMENTS[def.type];
    if (element) c = def.array ? (arrayCodec(element, def.allowEmpty === true) as TypeCodec<unknown>) : singleCodec(element);
    else c = COMPOSITES[def.type]!;
    codecCache.set(def.code, c);
  }
  return c;
}

/** "option 3 (routers)": the DecodeError field for an option. */
function decodeLabel(code: number, def: OptionDef | undefined): string {
  return def ? `option ${code} (${def.name})` : `option ${code}`;
}

/** The option's name for configuration messages ("routers"), or "option 252". */
function configLabel(code: number, def: OptionDef | undefined): string {
  return def ? def.name : `option ${code}`;
}

/** Decodes an option's joined value bytes; throws DecodeError naming the option when malformed. */
export function decodeOption(code: number, bytes: Uint8Array): OptionValue {
  const def = optionByCode(code);
  if (!def) return { raw: bytes.slice() };
  return codecFor(def).decode(bytes, decodeLabel(code, def)) as OptionValue;
}

/** Encodes a typed value; throws OptionValueError when it does not fit the option's type. */
export function encodeOption(code: number, value: OptionValue): Uint8Array {
  const def = optionByCode(code);
  if (!def) {
    if (value instanceof Uint8Array) return value.slice();
    if (typeof value === 'object' && value !== null && 'raw' in value && value.raw instanceof Uint8Array) return value.raw.slice();
    throw new OptionValueError(`option ${code}`, `expected { raw: bytes } for an option without a definition, got ${describeJson(value)}`);
  }
  return codecFor(def).encode(value, configLabel(code, def));
}

/** Resolves a configuration key: a table name, or a code as number or decimal text. */
function resolve(nameOrCode: string | number): { code: number; def: OptionDef | undefined } {
  const text = typeof nameOrCode === 'number' ? String(nameOrCode) : nameOrCode.trim();
  if (/^\d+$/.test(text)) {
    const code = Number(text);
    if (code < 1 || code > 254) throw new OptionValueError(`option ${text}`, 'option codes are 1-254');
    return { code, def: optionByCode(code) };
  }
  const def = optionByName(text);
  if (!def) throw new OptionValueError(`option '${text}'`, 'unknown option name (use its code for options without a definition)');
  return { code: def.code, def };
}

/**
 * Wire bytes for a configured option value (JSON conventions in src/protocol/README.md:
 * "10.0.0.1", ["10.0.0.1"], 3600, true, "text", "01:02:0a" / "0x01020a", ["a.example"],
 * ["10.0.0.0/8 10.77.0.1"]). A code without a definition takes the binary form.
 */
export function optionFromJson(nameOrCode: string | number, json: unknown): Uint8Array {
  const { code, def } = resolve(nameOrCode);
  const where = configLabel(code, def);
  if (!def) return binaryFromJson(json, where);
  const codec = codecFor(def);
  return codec.encode(codec.fromJson(json, where), where);
}

/**
 * The JSON form of an option's bytes, for display and logs; the inverse of optionFromJson.
 * Never throws: bytes that do not decode (or have no definition) are shown as hex "01:02:0a".
 */
export function optionToJson(code: number, bytes: Uint8Array): unknown {
  const def = optionByCode(code);
  if (!def) return formatHexColon(bytes);
  const codec = codecFor(def);
  try {
    return codec.toJson(codec.decode(bytes, decodeLabel(code, def)));
  } catch (e) {
    if (e instanceof DecodeError) return formatHexColon(bytes);
    throw e;
  }
}

export type { Ipv4 };
