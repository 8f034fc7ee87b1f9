import { parseClientId, parseHardwareAddress } from '../config/address-text.js';
import { parseIpv4, type Ipv4 } from '../protocol/ipv4.js';
import { ArgumentError } from './kea-answer.js';

// Readers for a command's "arguments" map: each refuses a missing or ill-typed parameter with a
// message naming it, the way Kea does ("'ip-address' parameter missing", ...).

export type Args = Record<string, unknown>;

export function argsOf(command: string, raw: unknown, required: boolean): Args {
  if (raw === undefined || raw === null) {
    if (required) throw new ArgumentError(`${command}: no arguments given (expected an "arguments" map)`);
    return {};
  }
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ArgumentError(`${command}: "arguments" must be a map`);
  return raw as Args;
}

/** Refuses parameters the command does not know: a typo must not be silently ignored. */
export function onlyKeys(args: Args, allowed: readonly string[]): void {
  for (const k of Object.keys(args)) {
    if (!allowed.includes(k)) throw new ArgumentError(`unknown parameter '${k}' (expected one of: ${allowed.join(', ')})`);
  }
}

export function has(args: Args, key: string): boolean {
  return args[key] !== undefined;
}

export function str(args: Args, key: string): string {
  const v = args[key];
  if (v === undefined) throw new ArgumentError(`'${key}' parameter missing`);
  if (typeof v !== 'string') throw new ArgumentError(`'${key}' must be a string, got ${JSON.stringify(v)}`);
  return v;
}

export function int(args: Args, key: string, min: number, max: number): number {
  const v = args[key];
  if (v === undefined) throw new ArgumentError(`'${key}' parameter missing`);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ArgumentError(`'${key}' must be a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

export function bool(args: Args, key: string): boolean {
  const v = args[key];
  if (v === undefined) throw new ArgumentError(`'${key}' parameter missing`);
  if (typeof v !== 'boolean') throw new ArgumentError(`'${key}' must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

export function address(args: Args, key: string): Ipv4 {
  const text = str(args, key);
  const a = parseIpv4(text);
  if (a === null) throw new ArgumentError(`'${key}': ${JSON.stringify(text)} is not an IPv4 address`);
  return a;
}

export function hwAddress(args: Args, key: string): Uint8Array {
  const r = parseHardwareAddress(str(args, key));
  if (!r.ok) throw new ArgumentError(`'${key}': ${r.error}`);
  return r.value;
}

export function clientId(args: Args, key: string): Uint8Array {
  const r = parseClientId(str(args, key));
  if (!r.ok) throw new ArgumentError(`'${key}': ${r.error}`);
  return r.value;
}

/** Kea's identifier-type/identifier pair (only the two types a DHCPv4 lease carries). */
export function identifier(args: Args): { hwAddress?: Uint8Array; clientId?: Uint8Array } {
  const type = str(args, 'identifier-type');
  if (type === 'hw-address') return { hwAddress: hwAddress(args, 'identifier') };
  if (type === 'client-id') return { clientId: clientId(args, 'identifier') };
  throw new ArgumentError(`'identifier-type' must be hw-address or client-id, got ${JSON.stringify(type)}`);
}
