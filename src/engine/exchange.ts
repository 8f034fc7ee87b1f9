import type { ServerConfig } from '../config/model.js';
import { serverIdOverride } from '../protocol/accessors.js';
import type { Ipv4 } from '../protocol/ipv4.js';
import type { DhcpMessage } from '../protocol/message.js';
import type { Allocator } from './allocator.js';
import type { ClientIdentity } from './client-identity.js';
import type { LeaseTable } from './lease-table.js';
import type { Pool } from './pool.js';
import type { PoolIndex } from './subnet-selection.js';
import type { Decision, Lease, LeaseChange, RequestContext } from './types.js';

/** What handlers may use of the engine besides the request itself. */
export interface EngineServices {
  readonly config: ServerConfig;
  readonly table: LeaseTable;
  readonly pools: PoolIndex;
  allocator(pool: Pool): Allocator;
  /** Reclaims up to `limit` due records, appending the changes to `into`. */
  reclaimInto(now: number, limit: number, into: LeaseChange[]): void;
}

/** One request being handled: its facts, and the lease changes it has made so far. */
export class Exchange {
  readonly changes: LeaseChange[] = [];
  readonly now: number;
  /** The server identifier we put in replies: the relay's override (RFC 5107) when present. */
  readonly serverId: Ipv4;

  constructor(
    readonly req: DhcpMessage,
    readonly ctx: RequestContext,
    readonly client: ClientIdentity,
    readonly pool: Pool | null,
    readonly services: EngineServices,
  ) {
    this.now = ctx.now;
    this.serverId = serverIdOverride(req) ?? ctx.serverId;
  }

  get table(): LeaseTable {
    return this.services.table;
  }

  get config(): ServerConfig {
    return this.services.config;
  }

  /** A server identifier (option 54) names us when it is our address or the relay's override. */
  isUs(id: Ipv4): boolean {
    return id === this.ctx.serverId || id === this.serverId;
  }

  upsert(lease: Lease): void {
    this.table.upsert(lease);
    this.changes.push({ kind: 'upsert', lease });
  }

  remove(address: Ipv4): void {
    if (!this.table.get(address)) return;
    this.table.delete(address);
    this.changes.push({ kind: 'delete', address });
  }

  /** The client's records in the selected subnet. */
  clientLeases(): Lease[] {
    return this.pool ? this.table.forClient(this.pool.id, this.client.key) : [];
  }

  decide(reason: string, reply: DhcpMessage | null = null, subnetId: number | null = this.pool?.id ?? null): Decision {
    return { reply, reason, subnetId, changes: this.changes };
  }
}
