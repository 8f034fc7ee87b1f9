// Pure arithmetic on address blocks: the block grid a configuration implies, and turning the set
// of blocks a server holds into the merged, sorted ranges the engine allocates from.
import type { AddressRange, ServerConfig } from '../../config/model.js';

/** One claimable block as stored in hydra_pool_block. */
export interface Block {
  subnetId: number;
  first: number;
  last: number;
}

/** The dynamic ranges of a configuration, flattened: parallel arrays ready to be SQL parameters. */
export interface RangeGrid {
  subnetIds: number[];
  starts: number[];
  ends: number[];
  blockSize: number;
}

export function rangeGrid(config: ServerConfig, blockSize: number): RangeGrid {
  const grid: RangeGrid = { subnetIds: [], starts: [], ends: [], blockSize };
  for (const s of config.subnets) {
    for (const r of s.ranges) {
      grid.subnetIds.push(s.id);
      grid.starts.push(r.start);
      grid.ends.push(r.end);
    }
  }
  return grid;
}

/**
 * Whether a stored block is one this configuration would have cut: inside one of the subnet's
 * ranges, on that range's grid. Blocks left over from an older configuration (a moved range, another
 * block size) are not claimed, so a server never allocates outside its own ranges.
 */
export function onGrid(grid: RangeGrid, b: Block): boolean {
  for (let i = 0; i < grid.subnetIds.length; i++) {
    if (grid.subnetIds[i] !== b.subnetId) continue;
    const lo = grid.starts[i]!;
    const hi = grid.ends[i]!;
    if (b.first < lo || b.last > hi) continue;
    if ((b.first - lo) % grid.blockSize !== 0) continue;
    if (b.last === Math.min(b.first + grid.blockSize - 1, hi)) return true;
  }
  return false;
}

/** The number of blocks the grid cuts per subnet. */
export function blockCounts(grid: RangeGrid): Map<number, number> {
  const counts = new Map<number, number>();
  for (let i = 0; i < grid.subnetIds.length; i++) {
    const n = Math.ceil((grid.ends[i]! - grid.starts[i]! + 1) / grid.blockSize);
    counts.set(grid.subnetIds[i]!, (counts.get(grid.subnetIds[i]!) ?? 0) + n);
  }
  return counts;
}

/** Blocks (any order) → ranges sorted by start, adjacent or overlapping ones merged. */
export function mergeBlocks(blocks: readonly Block[]): AddressRange[] {
  const sorted = [...blocks].sort((a, b) => a.first - b.first);
  const out: AddressRange[] = [];
  for (const b of sorted) {
    const prev = out[out.length - 1];
    if (prev && b.first <= prev.end + 1) prev.end = Math.max(prev.end, b.last);
    else out.push({ start: b.first, end: b.last });
  }
  return out;
}

export function sameRanges(a: readonly AddressRange[], b: readonly AddressRange[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.start !== b[i]!.start || a[i]!.end !== b[i]!.end) return false;
  return true;
}
