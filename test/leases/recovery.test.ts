import assert from 'node:assert/strict';
import { appendFile, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { openEmbeddedStore } from '../../src/leases/embedded-store.js';
import { encodeHeader, HEADER_SIZE } from '../../src/leases/file-header.js';
import { StoreError } from '../../src/leases/lease-store.js';
import { crc32, encodeUpsert } from '../../src/leases/record-codec.js';
import { lease, openLoaded, reload, upsert, withDir } from './store-fixtures.js';

/** Commits leases 1..n one record per commit; returns the byte offset of each record in leases.log. */
async function logOf(dir: string, n: number): Promise<number[]> {
  const { store } = await openLoaded(dir);
  const offsets: number[] = [];
  let at = HEADER_SIZE;
  for (let i = 1; i <= n; i++) {
    const l = lease(i, { hostname: `h${i}` });
    offsets.push(at);
    at += encodeUpsert(l).length;
    await store.commit([upsert(l)]);
  }
  await store.close();
  assert.equal((await stat(join(dir, 'leases.log'))).size, at);
  return offsets;
}

const addresses = (r: { leases: { address: number }[] }): number[] => r.leases.map((l) => l.address);

test('a torn tail (incomplete last record) is cut off and reported; the store then works cleanly', () =>
  withDir(async (dir) => {
    await logOf(dir, 3);
    const log = join(dir, 'leases.log');
    const goodSize = (await stat(log)).size;
    await appendFile(log, encodeUpsert(lease(4)).subarray(0, 21));
    const { store, loaded, logged } = await openLoaded(dir);
    assert.deepEqual(addresses(loaded), [1, 2, 3]);
    assert.equal(loaded.dropped.length, 1);
    assert.equal(loaded.dropped[0].place, `${log} at byte ${goodSize}`);
    assert.match(loaded.dropped[0].reason, /torn tail: 21 bytes/);
    assert.ok(logged.some((l) => l.level === 'warn' && l.message.includes(`${log} at byte ${goodSize}`)));
    assert.ok(logged.some((l) => l.message === 'lease store loaded' && l.fields?.recovered === 3 && l.fields?.dropped === 1));
    assert.equal((await stat(log)).size, goodSize);
    await store.commit([upsert(lease(5))]);
    await store.close();
    const again = await reload(dir);
    assert.deepEqual(again.dropped, []);
    assert.deepEqual(addresses(again), [1, 2, 3, 5]);
  }));

test('a record with a bad checksum in the middle is skipped and reported; records after it are recovered', () =>
  withDir(async (dir) => {
    const offsets = await logOf(dir, 6);
    const log = join(dir, 'leases.log');
    const bytes = await readFile(log);
    bytes[offsets[2] + 8 + 13] ^= 0xff; // inside record 3's payload
    await writeFile(log, bytes);
    const r = await reload(dir);
    assert.deepEqual(addresses(r), [1, 2, 4, 5, 6]);
    assert.equal(r.dropped.length, 1);
    assert.equal(r.dropped[0].place, `${log} at byte ${offsets[2]}`);
    assert.match(r.dropped[0].reason, new RegExp(`checksum mismatch; skipped ${offsets[3] - offsets[2]} bytes to the next intact record at byte ${offsets[3]}`));
  }));

test('an impossible record length in the middle is skipped the same way', () =>
  withDir(async (dir) => {
    const offsets = await logOf(dir, 4);
    const log = join(dir, 'leases.log');
    const bytes = await readFile(log);
    bytes.writeUInt32LE(0xfffffff0, offsets[1]);
    await writeFile(log, bytes);
    const r = await reload(dir);
    assert.deepEqual(addresses(r), [1, 3, 4]);
    assert.match(r.dropped[0].reason, /impossible record length 4294967280/);
    assert.equal(r.dropped[0].place, `${log} at byte ${offsets[1]}`);
  }));

test('garbage in place of the log, a wrong magic or an unknown version is refused with StoreError naming the file', () =>
  withDir(async (dir) => {
    const log = join(dir, 'leases.log');
    const cases: [Buffer, RegExp][] = [
      [Buffer.from('id,address,hwaddr\n1,10.0.0.1,aa:bb\n'.repeat(4)), /not a Hydra lease file/],
      [Buffer.concat([Buffer.from('HYDRALOX'), encodeHeader('log', 0).subarray(8)]), /not a Hydra lease file/],
      [(() => {
        const h = encodeHeader('log', 0);
        h.writeUInt16LE(2, 8);
        h.writeUInt32LE(crc32(h.subarray(0, 28)), 28);
        return h;
      })(), /format version 2, this Hydra reads version 1/],
      [(() => {
        const h = encodeHeader('log', 0);
        h[20] ^= 1;
        return h;
      })(), /header checksum mismatch/],
      [encodeHeader('snapshot', 0), /is not a log file/],
      [Buffer.from('{"x"'), /not a Hydra lease file/],
    ];
    for (const [content, why] of cases) {
      await writeFile(log, content);
      await assert.rejects(
        openEmbeddedStore({ dataDir: dir }),
        (e: unknown) => e instanceof StoreError && e.message.startsWith(`${log}: `) && why.test(e.message) && /refusing/.test(e.message),
      );
      assert.deepEqual(await readFile(log), content, 'the refused file is left untouched');
      // The refusal released the lock.
      await assert.rejects(readFile(join(dir, 'lock')), { code: 'ENOENT' });
    }
  }));

test('a garbage snapshot is refused too', () =>
  withDir(async (dir) => {
    await writeFile(join(dir, 'leases.snapshot'), Buffer.alloc(4096, 0x41));
    await assert.rejects(openEmbeddedStore({ dataDir: dir }), (e: unknown) => e instanceof StoreError && e.message.includes('leases.snapshot'));
  }));

test('a truncated snapshot: leases before the cut and the whole log come back; the cut is reported', () =>
  withDir(async (dir) => {
    const { store } = await openLoaded(dir);
    const first = Array.from({ length: 100 }, (_, i) => lease(1000 + i));
    await store.commit(first.map(upsert));
    await store.compact();
    await store.commit([upsert(lease(5000)), upsert(lease(1050, { hostname: 'renewed' }))]);
    await store.close();
    const snap = join(dir, 'leases.snapshot');
    const frame = encodeUpsert(lease(1000)).length;
    await truncate(snap, HEADER_SIZE + 40 * frame + 7);
    const r = await reload(dir);
    assert.deepEqual(addresses(r), [...Array.from({ length: 40 }, (_, i) => 1000 + i), 1050, 5000]);
    assert.equal(r.leases.find((l) => l.address === 1050)?.hostname, 'renewed');
    assert.equal(r.dropped.length, 2);
    assert.match(r.dropped[0].reason, /torn tail/);
    assert.match(r.dropped[1].reason, /snapshot cut short: no end marker after 40 records/);
    assert.ok(r.dropped.every((d) => d.place.startsWith(snap)));
  }));

test('a log cut inside its header holds nothing: it is reported and started afresh; an empty log is just empty', () =>
  withDir(async (dir) => {
    const log = join(dir, 'leases.log');
    await writeFile(log, encodeHeader('log', 0).subarray(0, 11));
    const r = await reload(dir);
    assert.deepEqual(r.leases, []);
    assert.match(r.dropped[0].reason, /header cut short \(11 bytes/);
    assert.equal((await stat(log)).size, HEADER_SIZE);
    await writeFile(log, '');
    assert.deepEqual(await reload(dir), { leases: [], dropped: [] });
  }));
