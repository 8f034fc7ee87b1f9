import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { StoreError } from '../../src/leases/lease-store.js';
import { openEmbeddedStore } from '../../src/leases/embedded-store.js';
import { openLoaded, withDir } from './store-fixtures.js';

test('the lock holds our PID; a second store on the same directory is refused; close releases it', () =>
  withDir(async (dir) => {
    const { store } = await openLoaded(dir);
    assert.equal((await readFile(join(dir, 'lock'), 'utf8')).trim(), String(process.pid));
    await assert.rejects(
      openEmbeddedStore({ dataDir: dir }),
      (e: unknown) => e instanceof StoreError && e.message.includes(dir) && e.message.includes(`process ${process.pid}`),
    );
    await store.close();
    await assert.rejects(readFile(join(dir, 'lock')), { code: 'ENOENT' });
    const again = await openEmbeddedStore({ dataDir: dir });
    await again.close();
  }));

test('a lock held by another live process is refused, naming the directory and the PID', () =>
  withDir(async (dir) => {
    await writeFile(join(dir, 'lock'), '1\n'); // init is always alive
    await assert.rejects(
      openEmbeddedStore({ dataDir: dir }),
      (e: unknown) => e instanceof StoreError && e.message.includes(dir) && /in use by process 1\b/.test(e.message),
    );
    assert.equal(await readFile(join(dir, 'lock'), 'utf8'), '1\n');
  }));

test('a stale lock (its process is gone) is taken over with a warning', () =>
  withDir(async (dir) => {
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(child.stdout);
    assert.ok(deadPid > 0);
    await writeFile(join(dir, 'lock'), `${deadPid}\n`);
    const { store, logged } = await openLoaded(dir);
    assert.ok(logged.some((l) => l.level === 'warn' && /stale lock/.test(l.message) && l.fields?.pid === deadPid));
    assert.equal((await readFile(join(dir, 'lock'), 'utf8')).trim(), String(process.pid));
    await store.close();
  }));

test('a lock file with no PID in it (not written by a live Hydra) is stale too', () =>
  withDir(async (dir) => {
    await writeFile(join(dir, 'lock'), '');
    const { store, logged } = await openLoaded(dir);
    assert.ok(logged.some((l) => /stale lock/.test(l.message)));
    await store.close();
  }));
