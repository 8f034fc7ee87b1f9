import type { AddressRange, ServerConfig } from '../config/model.js';
import { messageType } from '../protocol/accessors.js';
import type { Ipv4 } from '../protocol/ipv4.js';
import { BOOTREQUEST, MessageType, type DhcpMessage } from '../protocol/message.js';
import { Allocator } from './allocator.js';
import { identifyClient } from './client-identity.js';
import { Exchange, type EngineServices } from './exchange.js';
import { handleDecline } from './handlers/decline.js';
import { handleDiscover } from './handlers/discover.js';
import { handleInform } from './handlers/inform.js';
import { handleRelease } from './handlers/release.js';
import { handleRequest } from './handlers/request.js';
import { LeaseTable } from './lease-table.js';
import { Pool } from './pool.js';
import { PoolIndex, selectPool } from './subnet-selection.js';
import type { Decision, Lease, LeaseChange, RequestContext } from './types.js';

export type { Decision, Lease, LeaseChange, LeaseState, RequestContext } from './types.js';
export { LeaseTable } from './lease-table.js';

const handlers = new Map<number, (x: Exchange) => Decision>([
  [MessageType.Discover, handleDiscover],
  [MessageType.Request, handleRequest],
  [MessageType.Decline, handleDecline],
  [MessageType.Release, handleRelease],
  [MessageType.Inform, handleInform],
]);

/**
 * The DHCP server's behaviour (RFC 2131 §4.3): a pure, synchronous function of the request,
 * the lease table, the configuration and the time the caller passes in. It mutates only its
 * lease table and reports every mutation in the Decision, for a store to make durable before
 * the reply goes out.
 */
export class DhcpEngine implements EngineServices {
  readonly leases: LeaseTable;
  private _config!: ServerConfig;
  private _pools!: PoolIndex;
  private allocators = new Map<number, Allocator>();
  /** Per subnet id, the blocks fresh allocations are limited to (shared-database mode). */
  private readonly scopes = new Map<number, readonly AddressRange[]>();

  constructor(config: ServerConfig, leases?: LeaseTable) {
    this.leases = leases ?? new LeaseTable();
    this.replaceConfig(config);
    this.leases.subscribe((address, before, after) => this.onLeaseChange(address, before, after));
  }

  get config(): ServerConfig {
    return this._config;
  }

  get table(): LeaseTable {
    return this.leases;
  }

  get pools(): PoolIndex {
    return this._pools;
  }

  /**
   * Switches to a new configuration (a reload). Existing leases stay; those in subnets that no
   * longer exist stay in the table untouched, and addresses that are no longer allocatable are
   * simply not renewed (the handlers check every address against the current pools).
   */
  replaceConfig(config: ServerConfig): void {
    this._config = config;
    const pools = config.subnets.map((s) => new Pool(s));
    this._pools = new PoolIndex(pools);
    this.allocators = new Map(pools.map((p) => [p.id, new Allocator(p, this.leases, this.scopes.get(p.id))]));
    for (const l of this.leases.all()) this.allocators.get(l.subnetId)?.onLeaseChange(l.address, l);
  }

  /**
   * Limits fresh allocations in a subnet to `ranges` (null: the whole pool again). With several
   * servers on one database each allocates only inside the blocks it has claimed, so they do not
   * race for the same free address; the database still has the last word on every lease.
   */
  setAllocationScope(subnetId: number, ranges: readonly AddressRange[] | null): void {
    if (ranges) this.scopes.set(subnetId, ranges);
    else this.scopes.delete(subnetId);
    const pool = this._pools.byId.get(subnetId);
    if (!pool) return;
    const alloc = new Allocator(pool, this.leases, ranges ?? undefined);
    for (const l of this.leases.all()) if (l.subnetId === subnetId) alloc.onLeaseChange(l.address, l);
    this.allocators.set(subnetId, alloc);
  }

  /** Fresh addresses left in a subnet's allocation scope (an upper bound); 0 for an unknown subnet. */
  availableIn(subnetId: number): number {
    return this.allocators.get(subnetId)?.available ?? 0;
  }

  allocator(pool: Pool): Allocator {
    return this.allocators.get(pool.id)!;
  }

  handle(req: DhcpMessage, ctx: RequestContext): Decision {
    if (req.op !== BOOTREQUEST) return { reply: null, reason: 'drop-not-request', subnetId: null, changes: [] };
    const type = messageType(req);
    if (type === null) return { reply: null, reason: 'drop-bootp', subnetId: null, changes: [] };
    const handler = handlers.get(type);
    if (!handler) return { reply: null, reason: 'drop-unexpected-type', subnetId: null, changes: [] };
    const client = identifyClient(req);
    // Without a client identifier or a hardware address, every such client would share one identity.
    if (!client.clientId && client.hwAddress.length === 0) {
      return { reply: null, reason: 'drop-no-client-identity', subnetId: null, changes: [] };
    }
    const x = new Exchange(req, ctx, client, selectPool(this._pools, req, ctx), this);
    return handler(x);
  }

  /** Reclaims at most `limit` expired leases/offers/probations; returns the changes. */
  reclaimExpired(now: number, limit: number): LeaseChange[] {
    const changes: LeaseChange[] = [];
    this.reclaimInto(now, limit, changes);
    return changes;
  }

  reclaimInto(now: number, limit: number, into: LeaseChange[]): void {
    for (let n = 0; n < limit; n++) {
      const l = this.leases.nextExpired(now);
      if (!l) return;
      if (l.state === 'bound') {
        // The address is free; the record stays so the client can come back to it.
        const expired: Lease = { ...l, state: 'expired' };
        this.leases.upsert(expired);
        into.push({ kind: 'upsert', lease: expired });
      } else {
        this.leases.delete(l.address);
        into.push({ kind: 'delete', address: l.address });
      }
    }
  }

  private onLeaseChange(address: Ipv4, before: Lease | undefined, after: Lease | undefined): void {
    if (before && before.subnetId !== after?.subnetId) this.allocators.get(before.subnetId)?.onLeaseChange(address, undefined);
    if (after) this.allocators.get(after.subnetId)?.onLeaseChange(address, after);
  }
}
