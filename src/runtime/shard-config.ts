// Hydra mode's address partition: worker k of n allocates only from block k of every range, so
// no address can be handed out by two workers. Blocks are contiguous (range split in n nearly
// equal parts). After a re-shard some stored leases sit outside their client's new block; those
// addresses are "carried": they belong to the carrying worker (as one-address ranges) and are
// excluded from the block owner's, so the partition stays exact (see shard-layout.ts).
import type { AddressRange, ServerConfig, SubnetConfig } from '../config/model.js';
import type { Ipv4 } from '../protocol/ipv4.js';

/** An address whose lease lives in `shard` although it lies in another shard's block. */
export interface CarriedAddress {
  address: Ipv4;
  shard: number;
}

/** Block k of n of a range, or null when the range has fewer than n addresses left for it. */
export function blockOf(range: AddressRange, k: number, n: number): AddressRange | null {
  const start = range.start >>> 0;
  const size = (range.end >>> 0) - start + 1;
  const from = start + Math.floor((k * size) / n);
  const to = start + Math.floor(((k + 1) * size) / n) - 1;
  return to >= from ? { start: from, end: to } : null;
}

/** The shard whose block holds `address` (ignoring carries), or null when it is in no range. */
export function blockOwner(config: ServerConfig, address: Ipv4, n: number): number | null {
  const a = address >>> 0;
  for (const s of config.subnets) {
    for (const r of s.ranges) {
      const start = r.start >>> 0;
      const end = r.end >>> 0;
      if (a < start || a > end) continue;
      const size = end - start + 1;
      // The k with floor(k*size/n) <= a-start < floor((k+1)*size/n).
      let k = Math.floor(((a - start) * n) / size);
      while (k > 0 && start + Math.floor((k * size) / n) > a) k--;
      while (k < n - 1 && start + Math.floor(((k + 1) * size) / n) <= a) k++;
      return k;
    }
  }
  return null;
}

/** Consecutive addresses folded into ranges, so carried addresses cost few range entries. */
function asRanges(addresses: Ipv4[]): AddressRange[] {
  const sorted = [...new Set(addresses.map((a) => a >>> 0))].sort((a, b) => a - b);
  const out: AddressRange[] = [];
  for (const a of sorted) {
    const last = out[out.length - 1];
    if (last && last.end + 1 === a) last.end = a;
    else out.push({ start: a, end: a });
  }
  return out;
}

function inRanges(ranges: readonly AddressRange[], a: Ipv4): boolean {
  return ranges.some((r) => a >= r.start >>> 0 && a <= r.end >>> 0);
}

/**
 * Worker k's view of the configuration: every subnet, option and reservation as configured
 * (a reserved client hashes to exactly one worker; the others see the address as reserved for
 * someone else), but dynamic ranges cut down to block k plus the addresses k carries, minus the
 * addresses other workers carry inside block k.
 */
export function shardConfig(config: ServerConfig, k: number, n: number, carried: readonly CarriedAddress[] = []): ServerConfig {
  if (n <= 1) return config;
  const subnets = config.subnets.map((s): SubnetConfig => {
    const blocks = s.ranges.map((r) => blockOf(r, k, n)).filter((b): b is AddressRange => b !== null);
    const mine: Ipv4[] = [];
    const theirs: Ipv4[] = [];
    for (const c of carried) {
      if (!inRanges(s.ranges, c.address)) continue;
      if (c.shard === k) {
        if (!inRanges(blocks, c.address)) mine.push(c.address);
      } else if (inRanges(blocks, c.address)) {
        theirs.push(c.address);
      }
    }
    return { ...s, ranges: [...blocks, ...asRanges(mine)], exclusions: theirs.length === 0 ? s.exclusions : [...s.exclusions, ...theirs] };
  });
  return { ...config, subnets };
}
