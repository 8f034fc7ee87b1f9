import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { StoreError } from '../../src/leases/lease-store.js';
import { skipUnlessPostgres, startPostgres, type TestPostgres } from '../support/postgres.js';
import { BASE, lastFor, lease, openWatched, until, upsert, type Watched } from './fixtures.js';

const skip = skipUnlessPostgres();

describe('PostgreSQL lease store: the database stops and comes back', { skip, timeout: 120_000 }, () => {
  let pg: TestPostgres;
  let a: Watched;
  let b: Watched;
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown): void => {
    unhandled.push(e);
  };
  const connections: string[] = [];
  before(async () => {
    process.on('unhandledRejection', onUnhandled);
    pg = startPostgres();
    a = await openWatched(pg.url, 'a', {
      observer: { batch: () => undefined, conflicts: () => undefined, feedApplied: () => undefined, connection: (link, up) => connections.push(`${link} ${up ? 'up' : 'down'}`) },
    });
    b = await openWatched(pg.url, 'b');
  });
  after(async () => {
    process.off('unhandledRejection', onUnhandled);
    await a?.store.close();
    await b?.store.close();
    pg?.destroy();
  });

  test('commits reject with StoreError within seconds while it is down, then succeed again by themselves; the feed resyncs', async () => {
    await a.store.commit([upsert(lease(1))]);
    // A row written behind Hydra's back (no notification): only a resync can bring it to A.
    pg.psql(`INSERT INTO hydra_lease4 VALUES (${BASE + 2}, 1, 'psql', 1, '\\x020000000002', NULL, NULL, 'bound', 1, 2e9, 'psql', 0)`);
    const before = a.store.stats;
    const inFlight = Array.from({ length: 50 }, (_, i) => a.store.commit([upsert(lease(100 + i))]).then(() => 'ok', (e: unknown) => e));
    pg.stop();
    const t0 = Date.now();
    const outcomes = await Promise.all(inFlight);
    for (const o of outcomes) assert.ok(o === 'ok' || o instanceof StoreError, `unexpected outcome ${String(o)}`);
    // New commits while it is down: refused, quickly, every time, naming the database.
    for (let i = 0; i < 5; i++) {
      const t = Date.now();
      await assert.rejects(a.store.commit([upsert(lease(200 + i))]), (e: unknown) => e instanceof StoreError && /database hydra on/.test(e.message));
      assert.ok(Date.now() - t < 6_000, `a commit took ${Date.now() - t} ms to fail`);
      await new Promise((r) => setTimeout(r, 150));
    }
    assert.ok(Date.now() - t0 < 30_000);
    assert.ok(a.store.stats.failures > before.failures);
    await until('A to see the database down', () => !a.store.stats.writerConnected && !a.store.stats.feedConnected);
    assert.deepEqual(
      connections.filter((c) => c.endsWith('down')).sort(),
      ['feed down', 'writer down'],
    );

    pg.start();
    // The same store commits again without being told (the down gate lasts at most ~2 s).
    let committedOnce = false;
    for (let i = 0; i < 100 && !committedOnce; i++) {
      committedOnce = await a.store.commit([upsert(lease(300))]).then(() => true, () => false);
      if (!committedOnce) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(committedOnce, 'A never committed after the database came back');
    assert.ok(a.store.stats.writerConnected);
    await until('the resync to bring the psql row to A', () => lastFor(a.seen, BASE + 2)?.kind === 'upsert', 10_000);
    // The feed works again for new changes from B.
    await b.store.commit([upsert(lease(400, { clientKey: 'B' }))]).catch(async () => {
      await new Promise((r) => setTimeout(r, 2_100));
      await b.store.commit([upsert(lease(400, { clientKey: 'B' }))]);
    });
    await until("B's new row at A", () => lastFor(a.seen, BASE + 400)?.kind === 'upsert', 10_000);
    assert.ok(connections.includes('feed up') && connections.includes('writer up'), connections.join(', '));
    assert.deepEqual(unhandled, []);
  });

  test('connections cut under load (pg_terminate_backend): every call settles, every resolved one is stored, the feed catches up', async () => {
    const results = new Map<number, boolean>();
    const pending = new Set<Promise<void>>();
    let next = 0;
    const t0 = Date.now();
    let cut = false;
    while (Date.now() - t0 < 1_500) {
      while (pending.size < 20) {
        const n = 1000 + next++;
        const p: Promise<void> = a.store.commit([upsert(lease(n))]).then(
          () => void results.set(n, true),
          (e: unknown) => {
            assert.ok(e instanceof StoreError, String(e));
            results.set(n, false);
          },
        ).finally(() => pending.delete(p));
        pending.add(p);
      }
      if (!cut && Date.now() - t0 > 500) {
        cut = true;
        const killed = Number(pg.psql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'hydra'").trim());
        assert.ok(killed >= 4, `only ${killed} connections to cut`);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all(pending);
    const stored = new Set(pg.psql(`SELECT address - ${BASE} FROM hydra_lease4 WHERE address >= ${BASE + 1000}`).trim().split('\n').map(Number));
    const resolved = [...results].filter(([, ok]) => ok).map(([n]) => n);
    assert.ok(resolved.length > 20, `only ${resolved.length} commits resolved`);
    for (const n of resolved) assert.ok(stored.has(n), `commit ${n} resolved but is not stored`);
    // B's feed was cut too: it reconnects and resyncs, so it ends up knowing every stored row.
    await until("B's feed to know every stored row", () => [...stored].every((n) => lastFor(b.seen, BASE + n)?.kind === 'upsert'), 15_000);
    assert.deepEqual(unhandled, []);
  });

  test('close() finishes while the database is down, and refuses later commits', async () => {
    const c = await openWatched(pg.url, 'c');
    pg.stop();
    try {
      const pending = c.store.commit([upsert(lease(500))]).then(() => 'ok', (e: unknown) => e);
      const t = Date.now();
      await c.store.close();
      assert.ok(Date.now() - t < 10_000, `close took ${Date.now() - t} ms`);
      const o = await pending;
      assert.ok(o === 'ok' || o instanceof StoreError);
      await assert.rejects(c.store.commit([upsert(lease(501))]), StoreError);
    } finally {
      pg.start();
    }
    assert.deepEqual(unhandled, []);
  });
});
