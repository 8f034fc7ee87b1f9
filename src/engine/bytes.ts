// Small byte helpers for building option values and index keys.

export function u32Bytes(n: number): Uint8Array {
  const b = new Uint8Array(4);
  b[0] = (n >>> 24) & 255;
  b[1] = (n >>> 16) & 255;
  b[2] = (n >>> 8) & 255;
  b[3] = n & 255;
  return b;
}

/** How many distinct shared values to keep before starting over (a bound, not a tuning knob). */
const MAX_SHARED = 1024;
const sharedU32 = new Map<number, Uint8Array>();

/**
 * u32Bytes for values that recur in reply after reply (server identifiers, lease times): made
 * once and shared, so the result must only be read.
 */
export function sharedU32Bytes(n: number): Uint8Array {
  let b = sharedU32.get(n);
  if (b === undefined) {
    if (sharedU32.size >= MAX_SHARED) sharedU32.clear();
    b = u32Bytes(n);
    sharedU32.set(n, b);
  }
  return b;
}

const HEX_PAIRS = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** Lower-case hex, two digits a byte (client keys are built from it on every packet). */
export function hex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX_PAIRS[bytes[i]!]!;
  return s;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
