import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { StoreError } from '../../src/leases/lease-store.js';
import { openEmbeddedStore } from '../../src/leases/embedded-store.js';
import { del, hookedIo, lease, openLoaded, reload, upsert, withDir } from './store-fixtures.js';

test('a fresh directory loads empty; committed leases come back with every field after a restart', () =>
  withDir(async (dir) => {
    const { store, loaded } = await openLoaded(join(dir, 'nested', 'data'));
    assert.deepEqual(loaded, { leases: [], dropped: [] });
    const a = lease(0x0a000001, { hostname: 'printer', clientId: Uint8Array.of(1, 2, 3) });
    a.clientKey = 'id:010203';
    const b = lease(0x0a000002, { state: 'declined', expiresAt: 1_790_000_123.5 });
    const c = { ...lease(0xffffffff), clientKey: 'custom' };
    await store.commit([upsert(a), upsert(b), upsert(c)]);
    await store.close();
    const back = await reload(join(dir, 'nested', 'data'));
    assert.deepEqual(back.dropped, []);
    assert.deepEqual(back.leases, [a, b, c]);
  }));

test('the last write per address wins and a delete removes the address', () =>
  withDir(async (dir) => {
    const { store } = await openLoaded(dir);
    await store.commit([upsert(lease(1, { hostname: 'first' })), upsert(lease(2)), upsert(lease(3))]);
    await store.commit([upsert(lease(1, { hostname: 'second', state: 'released' })), del(2)]);
    await store.commit([del(3), upsert(lease(3, { hostname: 'again' }))]);
    assert.equal(store.stats.live, 2);
    await store.close();
    const { leases } = await reload(dir);
    assert.deepEqual(
      leases.map((l) => [l.address, l.hostname, l.state]),
      [
        [1, 'second', 'released'],
        [3, 'again', 'bound'],
      ],
    );
  }));

test('offered upserts are not written; a commit of only offers resolves without any I/O', () =>
  withDir(async (dir) => {
    const ops: string[] = [];
    const { store } = await openLoaded(dir, { io: hookedIo((op) => void ops.push(op)) });
    const size = (await stat(join(dir, 'leases.log'))).size;
    ops.length = 0;
    await store.commit([upsert(lease(5, { state: 'offered' })), upsert(lease(6, { state: 'offered' }))]);
    assert.deepEqual(ops, []);
    assert.equal(store.stats.records, 0);
    assert.equal((await stat(join(dir, 'leases.log'))).size, size);
    await store.commit([upsert(lease(5, { state: 'offered' })), upsert(lease(7))]);
    assert.equal(store.stats.records, 1);
    await store.close();
    assert.deepEqual((await reload(dir)).leases.map((l) => l.address), [7]);
  }));

test('group commit: 200 concurrent commits share a few syncs, and none resolves before its sync', () =>
  withDir(async (dir) => {
    let syncsDone = 0;
    const { store } = await openLoaded(dir, {
      io: hookedIo(async (op) => {
        if (op === 'datasync') {
          await new Promise((r) => setTimeout(r, 5));
          syncsDone++;
        }
      }),
    });
    const before = store.stats.syncs;
    const seenAt: number[] = [];
    // Commits arrive in waves, like packets, while earlier batches are syncing.
    const all: Promise<void>[] = [];
    for (let wave = 0; wave < 4; wave++) {
      for (let i = 0; i < 50; i++) {
        const address = wave * 50 + i + 1;
        const syncsAtCommit = syncsDone;
        all.push(
          store.commit([upsert(lease(address))]).then(() => {
            assert.ok(syncsDone > syncsAtCommit, `commit ${address} resolved before any sync after it`);
            seenAt.push(address);
          }),
        );
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    await Promise.all(all);
    const syncs = store.stats.syncs - before;
    assert.equal(seenAt.length, 200);
    assert.ok(syncs <= 10, `expected few syncs, got ${syncs}`);
    assert.equal(store.stats.records, 200);
    assert.ok(store.stats.largestBatch >= 20);
    await store.close();
    assert.equal((await reload(dir)).leases.length, 200);
  }));

test('commit before load, after close, and a second load are refused with StoreError', () =>
  withDir(async (dir) => {
    const store = await openEmbeddedStore({ dataDir: dir });
    await assert.rejects(store.commit([upsert(lease(1))]), (e: unknown) => e instanceof StoreError && /load\(\) must run/.test(e.message));
    await store.load();
    await assert.rejects(store.load(), StoreError);
    await store.close();
    await assert.rejects(store.commit([upsert(lease(1))]), /closed/);
  }));

test('close waits for commits already handed in', () =>
  withDir(async (dir) => {
    const { store } = await openLoaded(dir);
    const pending = store.commit([upsert(lease(42))]);
    await store.close();
    await pending;
    assert.equal((await reload(dir)).leases.length, 1);
  }));
