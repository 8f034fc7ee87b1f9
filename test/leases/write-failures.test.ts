import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { StoreError } from '../../src/leases/lease-store.js';
import { realIo } from '../../src/leases/store-io.js';
import { hookedIo, lease, openLoaded, reload, sysError, upsert, withDir } from './store-fixtures.js';

for (const [op, code, text] of [
  ['write', 'ENOSPC', 'no space left on device'],
  ['write', 'EIO', 'i/o error'],
  ['datasync', 'ENOSPC', 'no space left on device'],
  ['datasync', 'EIO', 'i/o error'],
] as const) {
  test(`${code} on ${op}: the batch's commits reject naming the file and errno; the next batch succeeds; no half record`, () =>
    withDir(async (dir) => {
      let failing = false;
      const { store, logged } = await openLoaded(dir, {
        io: hookedIo((o) => {
          if (failing && o === op) throw sysError(code, `${text}, ${op}`);
        }),
      });
      await store.commit([upsert(lease(1))]);
      const log = join(dir, 'leases.log');
      const goodSize = (await stat(log)).size;
      failing = true;
      const a = store.commit([upsert(lease(2))]);
      const b = store.commit([upsert(lease(3)), upsert(lease(4))]);
      for (const p of [a, b]) {
        await assert.rejects(p, (e: unknown) => e instanceof StoreError && e.message.includes(log) && e.message.includes(`${code} (${text})`));
      }
      assert.equal(store.stats.failures, 1);
      assert.equal((await stat(log)).size, goodSize, 'the failed batch was truncated away');
      assert.ok(logged.some((l) => l.level === 'error' && l.message.includes(code)));
      failing = false;
      await store.commit([upsert(lease(5))]);
      await store.close();
      const r = await reload(dir);
      assert.deepEqual(r.dropped, []);
      assert.deepEqual(r.leases.map((l) => l.address), [1, 5]);
    }));
}

test('a short write followed by ENOSPC (a disk filling up) leaves no partial record', () =>
  withDir(async (dir) => {
    let full = false;
    const { store } = await openLoaded(dir, {
      io: {
        async write(file, data, position) {
          if (!full) return realIo.write(file, data, position);
          if (data.length > 10) return realIo.write(file, data.subarray(0, 10), position);
          throw sysError('ENOSPC', 'no space left on device, write');
        },
      },
    });
    await store.commit([upsert(lease(1))]);
    full = true;
    await assert.rejects(store.commit([upsert(lease(2, { hostname: 'x'.repeat(200) }))]), /ENOSPC/);
    full = false;
    await store.commit([upsert(lease(3))]);
    await store.close();
    const r = await reload(dir);
    assert.deepEqual(r.dropped, []);
    assert.deepEqual(r.leases.map((l) => l.address), [1, 3]);
  }));

test('when even the truncate fails, the next batch truncates first, and fails rather than write after garbage', () =>
  withDir(async (dir) => {
    let broken = false;
    const { store } = await openLoaded(dir, {
      io: hookedIo((op) => {
        if (broken && (op === 'datasync' || op === 'truncate')) throw sysError('EIO', 'i/o error, ' + op);
      }),
    });
    await store.commit([upsert(lease(1))]);
    broken = true;
    await assert.rejects(store.commit([upsert(lease(2))]), /EIO/);
    await assert.rejects(store.commit([upsert(lease(3))]), /EIO/);
    broken = false;
    await store.commit([upsert(lease(4))]);
    await store.close();
    const r = await reload(dir);
    assert.deepEqual(r.dropped, []);
    assert.deepEqual(r.leases.map((l) => l.address), [1, 4]);
  }));

// A real full disk: a 256 KiB tmpfs (root only).
const isRoot = process.getuid?.() === 0;
let mountPoint: string | null = null;
after(async () => {
  if (mountPoint) {
    execFileSync('umount', [mountPoint]);
    await rm(mountPoint, { recursive: true, force: true });
  }
});

test('a real full disk (tmpfs): commits reject with ENOSPC, and succeed again once space is freed', { skip: !isRoot && 'needs root to mount a tmpfs' }, async () => {
  mountPoint = await mkdtemp(join(tmpdir(), 'hydra-enospc-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mountPoint]);
  const dir = join(mountPoint, 'data');
  const { store } = await openLoaded(dir);
  const filler = join(mountPoint, 'filler');
  await writeFile(filler, Buffer.alloc(150 * 1024));
  const committed: number[] = [];
  let rejection: unknown = null;
  for (let batch = 0; batch < 200 && rejection === null; batch++) {
    const leases = Array.from({ length: 50 }, (_, i) => lease(batch * 50 + i + 1, { hostname: 'filling-the-disk' }));
    try {
      await store.commit(leases.map(upsert));
      committed.push(...leases.map((l) => l.address));
    } catch (err) {
      rejection = err;
    }
  }
  assert.ok(rejection instanceof StoreError, 'the disk never filled');
  assert.match(rejection.message, /ENOSPC/);
  assert.match(rejection.message, /leases\.log/);
  await unlink(filler);
  await store.commit([upsert(lease(100_000))]);
  await store.close();
  const r = await reload(dir);
  assert.deepEqual(r.dropped, []);
  assert.deepEqual(r.leases.map((l) => l.address), [...committed, 100_000]);
});
