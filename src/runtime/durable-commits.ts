import type { LeaseTable } from '../engine/lease-table.js';
import type { LeaseChange } from '../engine/types.js';
import { LeaseConflict, type LeaseStore } from '../leases/lease-store.js';
import type { Ipv4 } from '../protocol/ipv4.js';

const addressOf = (c: LeaseChange): Ipv4 => (c.kind === 'upsert' ? c.lease.address : c.address);

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
    if (this.retry.size > 0) {
      const again: LeaseChange[] = [];
      for (const address of this.retry) {
        const lease = this.table.get(address);
        again.push(lease ? { kind: 'upsert', lease } : { kind: 'delete', address });
      }
      // The table holds the latest state, so these go last and win over older ones in `changes`.
      batch = [...changes, ...again];
    }
    if (batch.length === 0) return prior ?? Promise.resolve();
    const own = this.store.commit(batch);
    const addresses = batch.map(addressOf);
    const retried = [...this.retry];
    for (const a of addresses) this.inFlight.set(a, own);
    const forget = (): void => {
      for (const a of addresses) if (this.inFlight.get(a) === own) this.inFlight.delete(a);
    };
    own.then(
      () => {
        forget();
        for (const a of retried) this.retry.delete(a);
      },
      (e: unknown) => {
        forget();
        // A conflict is the shared database's answer, not a failed write: the winner's row
        // arrives through the store's watch; retrying our version would only lose again.
        // The rest of the call committed.
        if (e instanceof LeaseConflict) {
          for (const a of retried) this.retry.delete(a);
          return;
        }
        for (const a of addresses) this.retry.add(a);
      },
    );
    return prior ? Promise.all([own, prior]).then(() => undefined) : own;
  }
}
