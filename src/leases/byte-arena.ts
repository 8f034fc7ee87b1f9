/** Bytes per chunk: small enough that a few long-lived leases pin little, large enough to batch. */
const CHUNK = 64 * 1024;

/**
 * Copies of small byte strings (hardware addresses, client ids) handed out as views into shared
 * chunks, for a reload that decodes a million leases: a view costs far less than a Uint8Array
 * of its own (allocation, and the garbage collector copying it twice while the load runs). The
 * views are never written to (leases are immutable values), and a chunk lives only while one of
 * its leases does, so memory stays within the bytes loaded. Do not post these views to a worker:
 * structured cloning copies a view's whole chunk.
 */
export class ByteArena {
  private chunk = new Uint8Array(0);
  private used = 0;

  copy(source: Uint8Array, start: number, length: number): Uint8Array {
    if (this.used + length > this.chunk.length) {
      this.chunk = new Uint8Array(Math.max(CHUNK, length));
      this.used = 0;
    }
    const chunk = this.chunk;
    const at = this.used;
    for (let i = 0; i < length; i++) chunk[at + i] = source[start + i]!;
    this.used = at + length;
    return chunk.subarray(at, at + length);
  }
}
