/**
 * Zero-filled byte arrays carved from shared 64 KiB blocks, for the replies encoded on every
 * packet. A typed array above 64 bytes gets its own off-heap buffer in V8 (a malloc, and later
 * work for the collector's array-buffer sweeper); cutting ~300-byte replies from one fresh
 * block costs neither. A block is never reused, so every slice starts zeroed, and it is freed
 * once no slice of it is referenced (a reply lives until its send completes).
 */
const BLOCK_SIZE = 64 * 1024;
/** Larger requests get their own buffer: they are rare, and would waste a block's tail. */
const MAX_SLICE = BLOCK_SIZE / 8;

let block = new ArrayBuffer(BLOCK_SIZE);
let used = 0;

export function zeroedBytes(length: number): Uint8Array {
  if (length > MAX_SLICE) return new Uint8Array(length);
  if (used + length > BLOCK_SIZE) {
    block = new ArrayBuffer(BLOCK_SIZE);
    used = 0;
  }
  const out = new Uint8Array(block, used, length);
  used += (length + 7) & ~7; // keep slices 8-byte aligned
  return out;
}
