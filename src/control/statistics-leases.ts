import type { ServerConfig } from '../config/model.js';
import type { LeaseTable } from '../engine/lease-table.js';
import type { Lease, LeaseState } from '../engine/types.js';
import type { Ipv4 } from '../protocol/ipv4.js';

export const LEASE_STATES: readonly LeaseState[] = ['offered', 'bound', 'released', 'expired', 'declined'];
const STATE_INDEX: Record<LeaseState, number> = { offered: 0, bound: 1, released: 2, expired: 3, declined: 4 };
const BOUND = STATE_INDEX.bound;
const DECLINED = STATE_INDEX.declined;

/** One configured range and how many of its addresses are bound or declined right now. */
export interface RangeTally {
  start: Ipv4;
  end: Ipv4;
  /** Dynamic addresses: the range less exclusions, reservations, network and broadcast. */
  total: number;
  assigned: number;
  declined: number;
}

/** Lease counts of one subnet id, and the events counted since start. */
export interface SubnetTally {
  /** Records per state, indexed as LEASE_STATES. */
  readonly states: Float64Array;
  /** Ranges of the running configuration, sorted by start (empty for a subnet no longer configured). */
  ranges: RangeTally[];
  /** Reserved addresses: counted in the subnet's states, not in a range (they are not dynamic). */
  reserved: Set<number>;
  cumulativeAssigned: number;
  reclaimed: number;
  reclaimedDeclined: number;
}

/**
 * Lease gauges per subnet (records by state, bound and declined per range) kept in step with the
 * lease table through its change listener, so a scrape or statistic-get costs the number of
 * subnets, never the number of leases. Only the start and a reload scan the table (the ranges
 * change then). Also counts what Kea counts on lease transitions: new assignments, reclaimed
 * leases and reclaimed declined addresses.
 */
export class LeaseGauges {
  private readonly tallies = new Map<number, SubnetTally>();
  private readonly unsubscribe: () => void;
  private configured: ServerConfig | null = null;

  constructor(
    private readonly table: LeaseTable,
    /** The running configuration; whoever replaces it (SIGHUP, config-set), the next read sees it. */
    private readonly config: () => ServerConfig,
    /** Epoch seconds; only asked when a declined record disappears (was it due?). */
    private readonly clock: () => number = () => Date.now() / 1000,
  ) {
    this.unsubscribe = table.subscribe((_a, before, after) => this.changed(before, after));
    this.sync();
  }

  close(): void {
    this.unsubscribe();
  }

  /** The subnet ids with a tally: configured ones and any that still hold records. */
  subnetIds(): number[] {
    this.sync();
    return [...this.tallies.keys()].sort((a, b) => a - b);
  }

  tally(subnetId: number): SubnetTally {
    this.sync();
    return this.tallyOf(subnetId);
  }

  private tallyOf(subnetId: number): SubnetTally {
    let t = this.tallies.get(subnetId);
    if (!t) {
      t = { states: new Float64Array(LEASE_STATES.length), ranges: [], reserved: new Set(), cumulativeAssigned: 0, reclaimed: 0, reclaimedDeclined: 0 };
      this.tallies.set(subnetId, t);
    }
    return t;
  }

  /** Sum over subnets of one field. */
  total(pick: (t: SubnetTally) => number): number {
    this.sync();
    let n = 0;
    for (const t of this.tallies.values()) n += pick(t);
    return n;
  }

  /**
   * After a configuration change, takes the new ranges and recounts from the table (one scan per
   * reload, at the first read after it). Event counters are kept: they count what happened,
   * which a reload does not undo.
   */
  private sync(): void {
    const config = this.config();
    if (config === this.configured) return;
    this.configured = config;
    for (const t of this.tallies.values()) {
      t.states.fill(0);
      t.ranges = [];
      t.reserved = new Set();
    }
    for (const s of config.subnets) {
      const blocked = new Set<Ipv4>([...s.exclusions, ...s.reservations.map((r) => r.address)].map((a) => a >>> 0));
      if (s.prefixLength < 31) {
        const size = 2 ** (32 - s.prefixLength);
        blocked.add(s.network >>> 0);
        blocked.add(((s.network >>> 0) + size - 1) >>> 0);
      }
      const t = this.tallyOf(s.id);
      t.reserved = new Set(s.reservations.map((r) => r.address >>> 0));
      t.ranges = s.ranges
        .map((r) => {
          const start = r.start >>> 0;
          const end = r.end >>> 0;
          let total = end - start + 1;
          for (const a of blocked) if (a >= start && a <= end) total--;
          return { start, end, total, assigned: 0, declined: 0 };
        })
        .sort((a, b) => a.start - b.start);
    }
    for (const l of this.table.all()) this.count(l, 1);
  }

  private changed(before: Lease | undefined, after: Lease | undefined): void {
    if (before) this.count(before, -1);
    if (after) {
      this.count(after, 1);
      // A new assignment, as Kea's cumulative-assigned-addresses counts: not a renewal.
      if (after.state === 'bound' && !(before && before.state === 'bound' && before.clientKey === after.clientKey)) {
        this.tallyOf(after.subnetId).cumulativeAssigned++;
      }
      if (before?.state === 'bound' && after.state === 'expired') this.tallyOf(before.subnetId).reclaimed++;
    } else if (before?.state === 'declined' && before.expiresAt <= this.clock()) {
      // Probation over: the address goes back to the pool (a delete of a declined record not yet
      // due is an operator's lease4-del, not a reclamation).
      const t = this.tallyOf(before.subnetId);
      t.reclaimed++;
      t.reclaimedDeclined++;
    }
  }

  private count(l: Lease, by: 1 | -1): void {
    const t = this.tallyOf(l.subnetId);
    const i = STATE_INDEX[l.state];
    t.states[i]! += by;
    if ((i !== BOUND && i !== DECLINED) || t.reserved.has(l.address >>> 0)) return;
    const r = findRange(t.ranges, l.address >>> 0);
    if (!r) return;
    if (i === BOUND) r.assigned += by;
    else r.declined += by;
  }
}

function findRange(ranges: RangeTally[], a: number): RangeTally | undefined {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = ranges[mid]!;
    if (a < r.start) hi = mid - 1;
    else if (a > r.end) lo = mid + 1;
    else return r;
  }
  return undefined;
}
