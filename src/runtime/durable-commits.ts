import type { LeaseTable } from '../engine/lease-table.js';
import type { LeaseChange } from '../engine/types.js';
import { LeaseConflict, type LeaseStore } from '../leases/lease-store.js';
import type { Ipv4 } from '../protocol/ipv4.js';

const addressOf = (c: LeaseChange): Ipv4 => (c.kind === 'upsert' ? c.lease.address : c.address);
const RESOLVED: Promise<void> = Promise.resolve();

/**
 * The runtime's side of "an ACK only after its lease is durable". The engine has already
 * changed its table when a commit is asked for, so two things can leave the table ahead of the
 * disk: a write still in flight, and a write that failed. A reply waits for the in-flight write
 * of its own address; a failed address is remembered and its current record rides along with
 * the next commit, so "this commit succeeded" covers the failures known before it.
 */
export class DurableCommits {
  /** Per address, the commit in flight that carries its latest change. */
  private readonly inFlight = new Map<Ipv4, Promise<void>>();
  /** Addresses whose latest change failed to persist and is not yet durable. */
  private readonly retry = new Set<Ipv4>();

  constructor(
    private readonly store: LeaseStore,
    private readonly table: LeaseTable,
  ) {}

  /** How many addresses are known not to be durable (after failed commits). */
  get behind(): number {
    return this.retry.size;
  }

  /**
   * Resolves once `changes` are durable and so is the latest change of `dependsOn` (the address
   * a reply grants, which an earlier commit may still be writing). Rejects when any of that
   * failed: the reply must then not be sent.
   */
  commit(changes: readonly LeaseChange[], dependsOn: Ipv4 | null = null): Promise<void> {
    const prior = dependsOn === null ? undefined : this.inFlight.get(dependsOn);
    let batch = changes;
    // Only after failures: the addresses this commit carries again (the usual commit allocates no array).
    let retried: Ipv4[] | null = null;
    if (this.retry.size > 0) {
      retried = [...this.retry];
      const again = retried.map((address): LeaseChange => {
        const lease = this.table.get(address);
        return lease ? { kind: 'upsert', lease } : { kind: 'delete', address };
      });
      // The table holds the latest state, so these go last and win over older ones in `changes`.
      batch = [...changes, ...again];
    }
    if (batch.length === 0) return prior ?? RESOLVED;
    const own = this.store.commit(batch);
    for (const c of batch) this.inFlight.set(addressOf(c), own);
    own.then(
      () => this.settled(batch, own, retried, false),
      (e: unknown) => this.settled(batch, own, retried, !(e instanceof LeaseConflict)),
    );
    return prior ? Promise.all([own, prior]).then(() => undefined) : own;
  }

  /**
   * A commit's outcome. A LeaseConflict is the shared database's answer, not a failed write: the
   * winner's row arrives through the store's watch, retrying our version would only lose again,
   * and the rest of the call committed — so it settles like a success.
   */
  private settled(batch: readonly LeaseChange[], own: Promise<void>, retried: Ipv4[] | null, failed: boolean): void {
    for (const c of batch) {
      const a = addressOf(c);
      if (this.inFlight.get(a) === own) this.inFlight.delete(a);
    }
    if (failed) {
      for (const c of batch) this.retry.add(addressOf(c));
    } else if (retried) {
      for (const a of retried) this.retry.delete(a);
    }
  }
}
