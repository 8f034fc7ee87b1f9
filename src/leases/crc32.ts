import { crc32 as zlibCrc32 } from 'node:zlib';

/** Below this many bytes the JavaScript loop beats zlib's per-call cost (and needs no subarray). */
const NATIVE_FROM = 512;

/** CRC-32 (IEEE, as zlib) lookup tables for slice-by-8: table t maps a byte t positions back. */
const TABLES = new Int32Array(8 * 256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  TABLES[n] = c;
}
for (let t = 1; t < 8; t++) {
  for (let n = 0; n < 256; n++) {
    const prev = TABLES[(t - 1) * 256 + n]!;
    TABLES[t * 256 + n] = (prev >>> 8) ^ TABLES[prev & 255]!;
  }
}

/**
 * The CRC-32 of bytes [start, end) of `data`, as an unsigned number (zlib's crc32). A reload
 * checks a million ~60-byte records: calling zlib on a subarray per record costs three times
 * this loop.
 */
export function crc32(data: Uint8Array, start = 0, end = data.length): number {
  if (end - start >= NATIVE_FROM) return zlibCrc32(data.subarray(start, end)) >>> 0;
  const T = TABLES;
  let c = -1;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const lo = c ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
    c =
      T[1792 + (lo & 255)]! ^
      T[1536 + ((lo >>> 8) & 255)]! ^
      T[1280 + ((lo >>> 16) & 255)]! ^
      T[1024 + (lo >>> 24)]! ^
      T[768 + data[i + 4]!]! ^
      T[512 + data[i + 5]!]! ^
      T[256 + data[i + 6]!]! ^
      T[data[i + 7]!]!;
  }
  for (; i < end; i++) c = T[(c ^ data[i]!) & 255]! ^ (c >>> 8);
  return ~c >>> 0;
}
