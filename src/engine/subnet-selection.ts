import { linkSelection, subnetSelection } from '../protocol/accessors.js';
import { prefixToMask, type Ipv4 } from '../protocol/ipv4.js';
import type { DhcpMessage } from '../protocol/message.js';
import type { Pool } from './pool.js';
import type { RequestContext } from './types.js';

/** Longest-prefix lookup of the pool containing an address: one Map probe per distinct prefix length. */
export class PoolIndex {
  private readonly byPrefix: { prefix: number; mask: number; pools: Map<Ipv4, Pool> }[] = [];
  readonly byId = new Map<number, Pool>();

  constructor(pools: Pool[]) {
    for (const p of pools) {
      this.byId.set(p.id, p);
      const prefix = p.subnet.prefixLength;
      let level = this.byPrefix.find((l) => l.prefix === prefix);
      if (!level) {
        level = { prefix, mask: prefixToMask(prefix), pools: new Map() };
        this.byPrefix.push(level);
      }
      // First configured wins on duplicates; the config validator should refuse those anyway.
      if (!level.pools.has(p.networkAddress)) level.pools.set(p.networkAddress, p);
    }
    this.byPrefix.sort((a, b) => b.prefix - a.prefix);
  }

  containing(a: Ipv4): Pool | null {
    for (const l of this.byPrefix) {
      const p = l.pools.get((a & l.mask) >>> 0);
      if (p) return p;
    }
    return null;
  }
}

/**
 * The subnet a request is about, in order of authority:
 * 1. relay link selection (RFC 3527, 82.5), trusted only on relayed packets (giaddr set), since
 *    a relay inserts it and a direct client could otherwise pick any of our subnets;
 * 2. subnet selection (RFC 3011, 118), the client's own statement of its link;
 * 3. giaddr, the relay's address on the client's link;
 * 4. ciaddr, for a client that already has an address (RENEWING, INFORM, RELEASE);
 * 5. the network of the interface a direct client's packet came in on.
 */
export function selectPool(index: PoolIndex, req: DhcpMessage, ctx: RequestContext): Pool | null {
  if (req.giaddr !== 0) {
    const link = linkSelection(req);
    if (link !== null) return index.containing(link);
  }
  const sel = subnetSelection(req);
  if (sel !== null) return index.containing(sel);
  if (req.giaddr !== 0) return index.containing(req.giaddr);
  if (req.ciaddr !== 0) {
    const p = index.containing(req.ciaddr);
    if (p) return p;
  }
  return ctx.iface ? index.containing(ctx.iface.address) : null;
}
