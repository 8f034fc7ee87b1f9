import type { ServerConfig } from '../config/model.js';
import type { DhcpEngine } from '../engine/engine.js';
import type { BlockClaims } from '../leases/postgres/block-claims.js';
import { ServerNameInUse } from '../leases/postgres/server-registry.js';

/** How often the scopes are checked for running low; a block lasts ~25 ms at 10,000 new clients/s. */
const HUNGER_CHECK_MS = 100;

/**
 * Keeps the engine's allocation scopes equal to the address blocks this server has claimed in the
 * shared database, and asks for more blocks when a subnet's scope runs low. Until the first claim
 * lands a subnet's scope is empty: no fresh address is offered from blocks that may be another
 * server's.
 */
export class ClaimScopes {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly engine: DhcpEngine,
    private readonly claims: BlockClaims,
    private readonly lowWater: number,
    private readonly claimSeconds: number,
    private readonly onWait: (why: string) => void,
  ) {}

  async start(config: ServerConfig): Promise<void> {
    for (const s of config.subnets) this.engine.setAllocationScope(s.id, []);
    this.claims.onChange((subnetId, ranges) => this.engine.setAllocationScope(subnetId, ranges));
    await this.startClaims(config);
    this.applyAll(config);
    this.timer = setInterval(() => this.checkHunger(), HUNGER_CHECK_MS);
    this.timer.unref();
  }

  /**
   * A server restarted right after a crash finds its own previous instance still registered:
   * that row lapses within claimSeconds because nobody renews it. A name another live server
   * keeps renewing stays taken, and then the start fails.
   */
  private async startClaims(config: ServerConfig): Promise<void> {
    const deadline = Date.now() + (this.claimSeconds + 1) * 1000;
    for (;;) {
      try {
        await this.claims.start(config);
        return;
      } catch (e) {
        if (!(e instanceof ServerNameInUse) || Date.now() > deadline) throw e;
        this.onWait(e.message);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  /** After a reload: new ranges get blocks, gone subnets lose their scope. */
  async reconfigure(config: ServerConfig): Promise<void> {
    await this.claims.reconfigure(config);
    this.applyAll(config);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.claims.stop();
  }

  private applyAll(config: ServerConfig): void {
    const scopes = this.claims.scopes();
    for (const s of config.subnets) this.engine.setAllocationScope(s.id, scopes.get(s.id) ?? []);
  }

  private checkHunger(): void {
    for (const s of this.engine.config.subnets) {
      if (this.engine.availableIn(s.id) < this.lowWater) this.claims.hungry(s.id);
    }
  }
}
