/**
 * Which worker serves a client in Hydra mode: chaddr bytes 2..5 as a big-endian 32-bit word,
 * mod the worker count. The kernel steers packets with exactly this function (the BPF program
 * in native/hydra_net.c), and re-sharding places stored leases with it, so both must agree —
 * test/runtime/client-steering.test.ts checks that they do. Bytes 2..5 are the part of a MAC
 * that varies within one vendor's range; missing bytes (a short hardware address) count as 0.
 */
export function shardOf(chaddr: Uint8Array, n: number): number {
  const b = (i: number): number => chaddr[i] ?? 0;
  const word = ((b(2) << 24) | (b(3) << 16) | (b(4) << 8) | b(5)) >>> 0;
  return word % n;
}
