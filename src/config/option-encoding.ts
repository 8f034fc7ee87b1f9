import { optionByCode, optionByName, type OptionDef } from '../protocol/option-table.js';
import { optionFromJson, OptionValueError } from '../protocol/option-values.js';
import type { Parsed } from './address-text.js';

// Turns a configured option (name or code, JSON-style value) into its wire bytes through the
// protocol layer's one codec, and refuses the options the server sets itself per message.

/** Options the server computes per message; configuring them would be silently wrong. */
const SET_BY_SERVER: ReadonlyMap<number, string> = new Map([
  [50, 'it is sent by clients'],
  [51, 'set lease-time instead'],
  [52, 'the encoder decides overload itself'],
  [53, 'the server sets it per message'],
  [54, 'the server identifier is set with --server-id'],
  [55, 'it is sent by clients'],
  [57, 'it is sent by clients'],
  [58, 'set renewal-time instead'],
  [59, 'set rebinding-time instead'],
  [61, 'it is sent by clients (use a reservation by client-id)'],
  [82, 'it is added by relay agents'],
]);

export interface EncodedOption {
  code: number;
  bytes: Uint8Array;
}

/** `key` is an option name from the table (`routers`) or a code (`3`, `"252"`). */
export function resolveOptionKey(key: string | number): Parsed<{ code: number; def?: OptionDef }> {
  const text = String(key).trim();
  if (/^\d+$/.test(text)) {
    const code = Number(text);
    if (code < 1 || code > 254) return { ok: false, error: `option code ${code} is outside 1-254` };
    const def = optionByCode(code);
    return { ok: true, value: def ? { code, def } : { code } };
  }
  const def = optionByName(text);
  if (!def) return { ok: false, error: `unknown option ${JSON.stringify(text)} (use its code number for options not in the table)` };
  return { ok: true, value: { code: def.code, def } };
}

/** A refusal says whether the option itself (its key) or its value is at fault, for the message's place. */
export type EncodeResult = { ok: true; value: EncodedOption } | { ok: false; error: string; about: 'key' | 'value' };

export function encodeOption(key: string | number, json: unknown): EncodeResult {
  const k = resolveOptionKey(key);
  if (!k.ok) return { ...k, about: 'key' };
  const { code, def } = k.value;
  const why = SET_BY_SERVER.get(code);
  if (why) return { ok: false, error: `option ${def?.name ?? code} cannot be configured: ${why}`, about: 'key' };
  // A single value is accepted wherever a list is: `routers: 10.77.0.1`.
  const listish = def !== undefined && (def.array === true || def.type === 'domain-list' || def.type === 'classless-routes');
  const value = listish && !Array.isArray(json) ? [json] : json;
  try {
    return { ok: true, value: { code, bytes: optionFromJson(code, value) } };
  } catch (e) {
    // The field path already names the option; keep only what was expected.
    if (e instanceof OptionValueError) return { ok: false, error: e.message.replace(`${e.option}: `, ''), about: 'value' };
    throw e;
  }
}
