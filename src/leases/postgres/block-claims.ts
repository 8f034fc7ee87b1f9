// Address-block claims for several Hydra servers sharing one database. Each server allocates fresh
// addresses only inside blocks it holds, so servers do not race for the same free address; the
// lease table's primary key stays the arbiter should they ever overlap. Claims lapse unless renewed,
// so a dead server's blocks return to the others and nothing leaks.
import type pg from 'pg';
import type { AddressRange, ServerConfig } from '../../config/model.js';
import { StoreError } from '../lease-store.js';
import { dbErrorText, queryWithin, withClient, type Queryable } from './block-pg.js';
import { blockCounts, mergeBlocks, onGrid, rangeGrid, sameRanges, type Block, type RangeGrid } from './block-ranges.js';
import { BLOCK_HOLDERS, CLAIM_BLOCKS, RELEASE_ALL, RELEASE_BLOCKS, RENEW_BLOCKS, SEED_BLOCKS } from './block-sql.js';
import { ServerNameInUse, ServerRegistry } from './server-registry.js';

export type ClaimLogLevel = 'error' | 'warn' | 'info' | 'debug';
export type ClaimLog = (level: ClaimLogLevel, message: string, fields?: Record<string, unknown>) => void;

export interface BlockClaimsOptions {
  pool: pg.Pool;
  serverName: string;
  blockSize: number;
  claimSeconds: number;
  log: ClaimLog;
  /** Local clock in ms (deadlines, stats); claim times themselves are the database's now(). */
  now?: () => number;
  /** Registry instance id; default random. */
  instance?: string;
}

export interface BlockClaimStats {
  /** Blocks claimed so far (cumulative). */
  claimed: number;
  /** Blocks given back so far (excess over the fair share, off-grid leftovers, stop). */
  released: number;
  /** Blocks held now. */
  owned: number;
  /** Claim rounds that failed (database unreachable, timeout, name taken). */
  renewFailures: number;
  /** Local time (ms) at which the last successful renewal was sent; claims hold until this + claimSeconds. */
  lastRenewOkAt: number | null;
}

type Listener = (subnetId: number, ranges: AddressRange[]) => void;

interface BlockRow {
  subnet_id: number;
  first: number;
  last: number;
}

const toBlock = (r: BlockRow): Block => ({ subnetId: r.subnet_id, first: r.first, last: r.last });

export class BlockClaims {
  readonly stats: BlockClaimStats = { claimed: 0, released: 0, owned: 0, renewFailures: 0, lastRenewOkAt: null };
  readonly registry: ServerRegistry;

  private readonly pool: pg.Pool;
  private readonly name: string;
  private readonly blockSize: number;
  private readonly claimMs: number;
  private readonly timeoutMs: number;
  private readonly log: ClaimLog;
  private readonly now: () => number;
  private readonly listeners: Listener[] = [];

  private grid: RangeGrid = { subnetIds: [], starts: [], ends: [], blockSize: 1 };
  private subnets = new Set<number>();
  /** Blocks held per subnet, as the last statement that touched them said. */
  private owned = new Map<number, Block[]>();
  /** The scopes last reported (empty while claims may have lapsed). */
  private published = new Map<number, AddressRange[]>();
  private shares = new Map<number, number>();

  private started = false;
  private stopped = false;
  private expired = false;
  private failing = false;
  private renewTimer: NodeJS.Timeout | null = null;
  private expiryTimer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private fullDue = false;
  private hungrySet = new Set<number>();
  /** Subnets whose last hungry claim found nothing free: no more hungry rounds until the next renewal. */
  private hungryBlocked = new Set<number>();

  constructor(opts: BlockClaimsOptions) {
    if (!Number.isInteger(opts.blockSize) || opts.blockSize < 1) throw new StoreError(`block-size must be a positive integer, got ${opts.blockSize}`);
    if (!(opts.claimSeconds > 0)) throw new StoreError(`claim-seconds must be positive, got ${opts.claimSeconds}`);
    this.pool = opts.pool;
    this.name = opts.serverName;
    this.blockSize = opts.blockSize;
    this.claimMs = opts.claimSeconds * 1000;
    this.timeoutMs = Math.max(1000, this.claimMs / 2);
    this.log = opts.log;
    this.now = opts.now ?? Date.now;
    this.registry = new ServerRegistry({
      pool: opts.pool,
      name: opts.serverName,
      claimSeconds: opts.claimSeconds,
      timeoutMs: this.timeoutMs,
      ...(opts.instance ? { instance: opts.instance } : {}),
    });
  }

  /** Seeds the blocks of every dynamic range, registers, claims a fair share, and keeps renewing. */
  async start(config: ServerConfig): Promise<void> {
    if (this.started || this.stopped) throw new StoreError('block claims already started');
    this.setGrid(config);
    try {
      await this.registry.register();
      await this.seed(this.grid);
      await this.fullRound([]);
    } catch (e) {
      this.clearTimers();
      // Blocks claimed before the failure lapse by themselves; our registry row (only ours: it is
      // keyed by instance too) goes now if the database lets it.
      await this.registry.leave().catch(() => undefined);
      throw e instanceof StoreError ? e : new StoreError(`block claims: ${dbErrorText(e)}`);
    }
    this.started = true;
    this.renewTimer = setInterval(() => {
      this.fullDue = true;
      this.kick();
    }, this.claimMs / 3);
    this.renewTimer.unref();
    this.log('info', 'address blocks claimed', { server: this.name, blocks: this.stats.owned });
  }

  /** Subnet id → claimed ranges (merged, sorted); empty while the claims may have lapsed. */
  scopes(): Map<number, AddressRange[]> {
    const out = new Map<number, AddressRange[]>();
    for (const id of this.subnets) out.set(id, (this.published.get(id) ?? []).map((r) => ({ ...r })));
    return out;
  }

  onChange(listener: Listener): void {
    this.listeners.push(listener);
  }

  /** The subnet's scope is nearly used up: claim more free blocks soon (coalesced with other rounds). */
  hungry(subnetId: number): void {
    if (!this.started || this.stopped || this.expired) return;
    if (!this.subnets.has(subnetId) || this.hungryBlocked.has(subnetId)) return;
    this.hungrySet.add(subnetId);
    this.kick();
  }

  /** After a reload: seeds new ranges, forgets subnets gone (their blocks are released next round). */
  async reconfigure(config: ServerConfig): Promise<void> {
    const grid = rangeGrid(config, this.blockSize);
    try {
      await this.seed(grid);
    } catch (e) {
      this.log('warn', 'could not seed address blocks after reload', { error: dbErrorText(e) });
    }
    this.setGrid(config);
    for (const id of [...this.owned.keys()]) if (!this.subnets.has(id)) this.owned.delete(id);
    for (const id of [...this.published.keys()]) if (!this.subnets.has(id)) this.published.delete(id);
    if (!this.started || this.stopped) return;
    this.fullDue = true;
    this.kick();
    await this.settle();
  }

  /** Gives every block back and leaves the registry, so the others take over at once. Never throws. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.clearTimers();
    await this.settle();
    for (const id of this.subnets) this.owned.set(id, []);
    this.publish();
    // Never started (or refused its name): the blocks under this name are not ours to release.
    if (!this.started) return;
    try {
      await withClient(this.pool, this.timeoutMs, async (c) => {
        const res = await queryWithin(c, this.timeoutMs, RELEASE_ALL, [this.name]);
        this.stats.released += res.rowCount ?? 0;
        this.stats.owned = 0;
        await this.registry.leave(c);
      });
    } catch (e) {
      this.log('warn', 'could not release address blocks at stop; they lapse by themselves', {
        error: dbErrorText(e),
        claimSeconds: this.claimMs / 1000,
      });
    }
  }

  // --- rounds ---------------------------------------------------------------------------------

  private kick(): void {
    if (!this.started || this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.runRounds().finally(() => {
      this.running = null;
    });
  }

  /** Waits until no round is in flight. */
  private async settle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async runRounds(): Promise<void> {
    do {
      this.again = false;
      const full = this.fullDue;
      this.fullDue = false;
      const hungry = [...this.hungrySet];
      this.hungrySet.clear();
      if (!full && hungry.length === 0) break;
      try {
        if (full) await this.fullRound(hungry);
        else if (!this.expired) await this.hungryRound(hungry);
      } catch (e) {
        this.roundFailed(e, full);
      }
    } while (this.again && !this.stopped);
  }

  /** Heartbeat, renew, give back excess, claim up to the fair share (more for hungry subnets). */
  private async fullRound(hungry: number[]): Promise<void> {
    const grid = this.grid;
    this.hungryBlocked.clear();
    await withClient(this.pool, this.timeoutMs, async (c) => {
      await this.registry.heartbeat(c);
      const sentAt = this.now();
      const renewed = (await this.q<BlockRow>(c, RENEW_BLOCKS, [this.name, this.claimMs / 1000])).rows.map(toBlock);
      this.renewedAt(sentAt);
      const mine = renewed.filter((b) => onGrid(grid, b));
      const stray = renewed.filter((b) => !onGrid(grid, b));
      this.setOwned(mine);
      this.publish();
      if (stray.length > 0) await this.release(c, stray);

      const live = await this.registry.liveServers(c);
      const liveCount = Math.max(1, live.length + (live.includes(this.name) ? 0 : 1));
      const holders = await this.q<{ subnet_id: number; holder: string | null; n: number }>(c, BLOCK_HOLDERS, [
        grid.subnetIds,
        grid.starts,
        grid.ends,
        grid.blockSize,
      ]);
      const expected = blockCounts(grid);
      for (const subnetId of new Set(grid.subnetIds)) {
        const rows = holders.rows.filter((r) => r.subnet_id === subnetId);
        const total = rows.reduce((n, r) => n + r.n, 0) || (expected.get(subnetId) ?? 0);
        const free = rows.find((r) => r.holder === null)?.n ?? 0;
        const held = new Map(rows.filter((r) => r.holder !== null).map((r) => [r.holder!, r.n]));
        const share = Math.ceil(total / liveCount);
        this.shares.set(subnetId, share);
        const ownedNow = this.owned.get(subnetId) ?? [];
        const have = ownedNow.length;
        if (have > share) {
          // Give back only what others lack and cannot find free, highest addresses first.
          let deficit = 0;
          for (const n of live) if (n !== this.name) deficit += Math.max(0, share - (held.get(n) ?? 0));
          const count = Math.min(have - share, Math.max(0, deficit - free));
          if (count > 0) {
            const give = [...ownedNow].sort((a, b) => b.first - a.first).slice(0, count);
            await this.release(c, give);
          }
        }
        let want = Math.max(0, share - have);
        if (hungry.includes(subnetId)) want += this.hungryExtra(subnetId);
        if (want > 0 && free > 0) {
          const got = await this.claim(c, grid, subnetId, want);
          if (got === 0 && hungry.includes(subnetId)) this.hungryBlocked.add(subnetId);
        }
      }
      this.publish();
    });
    if (this.failing) {
      this.failing = false;
      this.log('info', 'address block claims renewed again', { server: this.name, blocks: this.stats.owned });
    }
  }

  /** Claims a few more free blocks for subnets running low, nothing else. */
  private async hungryRound(hungry: number[]): Promise<void> {
    const grid = this.grid;
    await withClient(this.pool, this.timeoutMs, async (c) => {
      for (const subnetId of hungry) {
        if (!this.subnets.has(subnetId)) continue;
        const got = await this.claim(c, grid, subnetId, this.hungryExtra(subnetId));
        if (got === 0) this.hungryBlocked.add(subnetId);
      }
    });
    this.publish();
  }

  private hungryExtra(subnetId: number): number {
    return Math.max(1, Math.ceil((this.shares.get(subnetId) ?? 1) / 4));
  }

  private async claim(c: Queryable, grid: RangeGrid, subnetId: number, count: number): Promise<number> {
    const starts: number[] = [];
    const ends: number[] = [];
    grid.subnetIds.forEach((id, i) => {
      if (id !== subnetId) return;
      starts.push(grid.starts[i]!);
      ends.push(grid.ends[i]!);
    });
    const res = await this.q<BlockRow>(c, CLAIM_BLOCKS, [subnetId, starts, ends, grid.blockSize, this.name, count, this.claimMs / 1000]);
    if (res.rows.length === 0) return 0;
    const list = this.owned.get(subnetId) ?? [];
    list.push(...res.rows.map(toBlock));
    this.owned.set(subnetId, list);
    this.stats.claimed += res.rows.length;
    this.countOwned();
    this.log('debug', 'address blocks claimed', { subnet: subnetId, blocks: res.rows.length });
    return res.rows.length;
  }

  /** Drops the blocks from the scope first (no new offers in them), then gives them back. */
  private async release(c: Queryable, blocks: Block[]): Promise<void> {
    const gone = new Set(blocks.map((b) => `${b.subnetId}/${b.first}`));
    for (const [id, list] of this.owned) this.owned.set(id, list.filter((b) => !gone.has(`${id}/${b.first}`)));
    this.countOwned();
    this.publish();
    await this.q(c, RELEASE_BLOCKS, [this.name, blocks.map((b) => b.subnetId), blocks.map((b) => b.first)]);
    this.stats.released += blocks.length;
    this.log('debug', 'address blocks released', { blocks: blocks.length });
  }

  private roundFailed(e: unknown, full: boolean): void {
    const error = dbErrorText(e);
    if (full) this.stats.renewFailures++;
    if (!this.failing) {
      this.failing = true;
      // A name taken over by another live instance will not heal by retrying: say so loudly.
      const level = e instanceof ServerNameInUse ? 'error' : 'warn';
      this.log(level, 'address block claim round failed; retrying', { server: this.name, error });
    } else {
      this.log('debug', 'address block claim round failed again', { server: this.name, error });
    }
  }

  // --- deadlines and scopes -------------------------------------------------------------------

  /** A renewal sent at `sentAt` holds the claims until sentAt + claimSeconds at the earliest. */
  private renewedAt(sentAt: number): void {
    this.stats.lastRenewOkAt = sentAt;
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryTimer = null;
    const left = sentAt + this.claimMs - this.now();
    if (left <= 0) {
      this.expire();
      return;
    }
    if (this.expired) {
      this.expired = false;
      this.log('info', 'address block claims back: allocating again', { server: this.name });
    }
    this.expiryTimer = setTimeout(() => this.expire(), left);
    this.expiryTimer.unref();
  }

  private expire(): void {
    this.expiryTimer = null;
    if (this.expired || this.stopped) return;
    this.expired = true;
    this.log('error', 'address block claims not renewed in time: allocating no new addresses until the database answers', {
      server: this.name,
      claimSeconds: this.claimMs / 1000,
    });
    this.publish();
  }

  private setOwned(blocks: Block[]): void {
    const next = new Map<number, Block[]>();
    for (const id of this.subnets) next.set(id, []);
    for (const b of blocks) next.get(b.subnetId)?.push(b);
    this.owned = next;
    this.countOwned();
  }

  private countOwned(): void {
    let n = 0;
    for (const list of this.owned.values()) n += list.length;
    this.stats.owned = n;
  }

  /** Reports every subnet whose scope changed; a listener that throws is logged, not propagated. */
  private publish(): void {
    for (const id of this.subnets) {
      const ranges = this.expired || this.stopped ? [] : mergeBlocks(this.owned.get(id) ?? []);
      // A subnet never reported counts as empty: no listener call just to say "nothing yet".
      if (sameRanges(this.published.get(id) ?? [], ranges)) {
        this.published.set(id, ranges);
        continue;
      }
      this.published.set(id, ranges);
      for (const l of this.listeners) {
        try {
          l(id, ranges.map((r) => ({ ...r })));
        } catch (e) {
          this.log('error', 'allocation scope listener failed', { subnet: id, error: e instanceof Error ? e.message : String(e) });
        }
      }
    }
  }

  private setGrid(config: ServerConfig): void {
    this.grid = rangeGrid(config, this.blockSize);
    this.subnets = new Set(config.subnets.map((s) => s.id));
  }

  private async seed(grid: RangeGrid): Promise<void> {
    if (grid.subnetIds.length === 0) return;
    await this.q(this.pool, SEED_BLOCKS, [grid.subnetIds, grid.starts, grid.ends, grid.blockSize], Math.max(10_000, this.timeoutMs));
  }

  private async q<R extends pg.QueryResultRow>(db: Queryable, text: string, values: unknown[], ms = this.timeoutMs): Promise<pg.QueryResult<R>> {
    try {
      return await queryWithin<R>(db, ms, text, values);
    } catch (e) {
      throw e instanceof StoreError ? e : new StoreError(`address blocks (${this.name}): ${dbErrorText(e)}`);
    }
  }

  private clearTimers(): void {
    if (this.renewTimer) clearInterval(this.renewTimer);
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.renewTimer = null;
    this.expiryTimer = null;
  }
}
