// Which queued commit calls go into the next write batch. A call is atomic (it joins whole);
// an address in flight, or taken by an earlier call in this batch, holds the call back, and
// also every later call touching its addresses, so each address's changes commit in call order.
import type { Lease, LeaseChange } from '../../engine/types.js';

/** The changes of one commit call worth writing: offers dropped, one change per address (the last). */
export function writesOf(changes: readonly LeaseChange[]): Map<number, LeaseChange> {
  const writes = new Map<number, LeaseChange>();
  for (const ch of changes) {
    // Offers are not written: the address lies in a block this server claimed, so no other
    // server hands it out; the ACK's write is the one that counts.
    if (ch.kind === 'upsert' && ch.lease.state === 'offered') continue;
    const a = ch.kind === 'upsert' ? ch.lease.address : ch.address;
    writes.delete(a);
    writes.set(a, ch);
  }
  return writes;
}

export interface PlannedCall {
  readonly writes: ReadonlyMap<number, LeaseChange>;
}

/**
 * Splits `queue` (oldest first) into the calls of the next batch and the rest (order kept).
 * The first eligible call is always taken, however large; later ones while the batch holds
 * fewer than `maxRecords` records.
 */
export function planBatch<C extends PlannedCall>(queue: readonly C[], inFlight: ReadonlySet<number>, maxRecords: number): { taken: C[]; rest: C[] } {
  const taken: C[] = [];
  const rest: C[] = [];
  const inBatch = new Set<number>();
  const held = new Set<number>();
  let records = 0;
  for (const call of queue) {
    let ok = taken.length === 0 || records + call.writes.size <= maxRecords;
    if (ok) {
      for (const a of call.writes.keys()) {
        if (inFlight.has(a) || inBatch.has(a) || held.has(a)) {
          ok = false;
          break;
        }
      }
    }
    if (ok) {
      taken.push(call);
      records += call.writes.size;
      for (const a of call.writes.keys()) inBatch.add(a);
    } else {
      rest.push(call);
      for (const a of call.writes.keys()) held.add(a);
    }
  }
  return { taken, rest };
}

/** The batch's statement input: upserted leases and deleted addresses. */
export function splitWrites(calls: readonly PlannedCall[]): { upserts: Lease[]; deletes: number[] } {
  const upserts: Lease[] = [];
  const deletes: number[] = [];
  for (const c of calls) {
    for (const ch of c.writes.values()) {
      if (ch.kind === 'upsert') upserts.push(ch.lease);
      else deletes.push(ch.address);
    }
  }
  return { upserts, deletes };
}
