import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LeaseTable } from '../../src/engine/lease-table.js';
import type { Lease, LeaseChange } from '../../src/engine/types.js';
import { StoreError, type LeaseStore, type LoadResult } from '../../src/leases/lease-store.js';
import { DurableCommits } from '../../src/runtime/durable-commits.js';

/** A store whose commits the test settles by hand, to see what waits for what. */
class ManualStore implements LeaseStore {
  readonly batches: { changes: LeaseChange[]; resolve: () => void; reject: (e: Error) => void }[] = [];
  readonly stats = { syncs: 0, records: 0, largestBatch: 0, failures: 0 };
  async load(): Promise<LoadResult> {
    return { leases: [], dropped: [] };
  }
  commit(changes: readonly LeaseChange[]): Promise<void> {
    return new Promise((resolve, reject) => this.batches.push({ changes: [...changes], resolve, reject }));
  }
  async close(): Promise<void> {}
}

const lease = (address: number, client: string): Lease => ({
  address, subnetId: 1, clientKey: client, hwType: 1, hwAddress: Uint8Array.of(2, 0, 0, 0, 0, 1),
  clientId: null, hostname: null, state: 'bound', issuedAt: 100, expiresAt: 3700,
});
const settled = async (p: Promise<void>): Promise<string> => {
  const r = await Promise.race([p.then(() => 'resolved', () => 'rejected'), new Promise((r) => setTimeout(() => r('pending'), 20))]);
  return r as string;
};

test('a reply waits for its own batch and for the write of its address still in flight', async () => {
  const store = new ManualStore();
  const c = new DurableCommits(store, new LeaseTable());
  const first = c.commit([{ kind: 'upsert', lease: lease(1, 'a') }], 1);
  const other = c.commit([{ kind: 'upsert', lease: lease(2, 'b') }], 2);
  // A cached renewal of address 1: nothing to write, but the first write is not durable yet.
  const cachedRenewal = c.commit([], 1);
  const unrelated = c.commit([], 3);
  assert.equal(await settled(unrelated), 'resolved', 'nothing in flight for address 3');
  store.batches[1]!.resolve();
  assert.equal(await settled(other), 'resolved', 'independent of address 1');
  assert.equal(await settled(cachedRenewal), 'pending', 'waits for the write of address 1');
  store.batches[0]!.resolve();
  assert.equal(await settled(first), 'resolved');
  assert.equal(await settled(cachedRenewal), 'resolved');
});

test('a reply depending on a write that fails is refused', async () => {
  const store = new ManualStore();
  const c = new DurableCommits(store, new LeaseTable());
  const first = c.commit([{ kind: 'upsert', lease: lease(1, 'a') }], 1);
  const again = c.commit([], 1);
  store.batches[0]!.reject(new StoreError('leases.log: EIO'));
  assert.equal(await settled(first), 'rejected');
  assert.equal(await settled(again), 'rejected');
});

test('after a failed commit the table state of its addresses rides along until it is durable', async () => {
  const store = new ManualStore();
  const table = new LeaseTable();
  const c = new DurableCommits(store, table);
  table.upsert(lease(1, 'a'));
  const failed = c.commit([{ kind: 'upsert', lease: lease(1, 'a') }]);
  store.batches[0]!.reject(new StoreError('leases.log: ENOSPC'));
  assert.equal(await settled(failed), 'rejected');
  assert.equal(c.behind, 1);

  // Meanwhile the client's record changed again in the table; the retry carries the latest one.
  const renewed = { ...lease(1, 'a'), expiresAt: 9999 };
  table.upsert(renewed);
  const next = c.commit([], 1);
  assert.deepEqual(store.batches[1]!.changes, [{ kind: 'upsert', lease: renewed }]);
  store.batches[1]!.resolve();
  assert.equal(await settled(next), 'resolved', 'the retried record is durable with this batch');
  assert.equal(c.behind, 0);
  assert.equal(store.batches.length, 2);
  assert.equal(await settled(c.commit([], 1)), 'resolved', 'nothing left to write');
  assert.equal(store.batches.length, 2);
});

test('a deleted record that failed to persist is retried as a delete', async () => {
  const store = new ManualStore();
  const c = new DurableCommits(store, new LeaseTable());
  const failed = c.commit([{ kind: 'delete', address: 7 }]);
  store.batches[0]!.reject(new StoreError('EIO'));
  await settled(failed);
  void c.commit([]).catch(() => {});
  assert.deepEqual(store.batches[1]!.changes, [{ kind: 'delete', address: 7 }]);
});
