// The live-server registry against a real PostgreSQL: unique live names, stale takeover, leave.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type pg from 'pg';
import { StoreError } from '../../src/leases/lease-store.js';
import { ServerNameInUse, ServerRegistry } from '../../src/leases/postgres/server-registry.js';
import { skipUnlessPostgres, startPostgres, type TestPostgres } from '../support/postgres.js';
import { cfg, claimer, createSchema, makePool, shut, sleep } from './claims-fixture.js';

const skip = skipUnlessPostgres();
const CLAIM_SECONDS = 1.5;
let db: TestPostgres;
let pool: pg.Pool;

before(async () => {
  if (skip) return;
  db = startPostgres();
  await createSchema(db.url);
  pool = makePool(db.url);
});

after(async () => {
  await pool?.end();
  db?.destroy();
});

const reg = (name: string, instance: string): ServerRegistry => new ServerRegistry({ pool, name, claimSeconds: CLAIM_SECONDS, instance });

test('a live name is refused to another instance, a stale one is taken over', { skip, timeout: 30_000 }, async () => {
  await pool.query('TRUNCATE hydra_server, hydra_pool_block');
  const first = reg('alpha', 'one');
  const twin = reg('alpha', 'two');
  await first.register();
  await first.register(); // the same instance again: a refresh, not a conflict
  assert.equal(await first.liveCount(), 1);
  await assert.rejects(twin.register(), (e: unknown) => e instanceof ServerNameInUse && e.message.includes('"alpha"') && e.message.includes('one'));
  const other = reg('beta', 'three');
  await other.register();
  assert.deepEqual(await first.liveServers(), ['alpha', 'beta']);

  // beta keeps beating, alpha falls silent: after claimSeconds its row is stale.
  await sleep(CLAIM_SECONDS * 500);
  await other.heartbeat();
  await sleep(CLAIM_SECONDS * 500 + 300);
  await other.heartbeat();
  assert.deepEqual(await other.liveServers(), ['beta']);
  await twin.register();
  const row = await pool.query(`SELECT instance FROM hydra_server WHERE name = 'alpha'`);
  assert.equal(row.rows[0].instance, 'two');
  // The old instance, back from its pause, finds its name live elsewhere: refused, not shared.
  await assert.rejects(first.heartbeat(), ServerNameInUse);
  assert.equal(await twin.liveCount(), 2);
});

test('heartbeat keeps a server live; leave removes it at once', { skip, timeout: 30_000 }, async () => {
  await pool.query('TRUNCATE hydra_server, hydra_pool_block');
  const a = reg('a', 'ia');
  const b = reg('b', 'ib');
  await a.register();
  await b.register();
  for (let i = 0; i < 4; i++) {
    await sleep(CLAIM_SECONDS * 300);
    await a.heartbeat();
  }
  assert.deepEqual(await a.liveServers(), ['a'], 'b, never refreshed, lapsed; a stayed live');
  await b.heartbeat(); // b's row still exists with its instance: refreshed in place
  assert.equal(await a.liveCount(), 2);
  await b.leave();
  assert.equal(await a.liveCount(), 1);
  const rows = await pool.query(`SELECT name FROM hydra_server`);
  assert.deepEqual(rows.rows.map((r) => r.name), ['a']);
  // A heartbeat after leave registers again (the row is simply recreated).
  await b.heartbeat();
  assert.equal(await a.liveCount(), 2);
});

test('block claims refuse to start under a live server\'s name and claim nothing', { skip, timeout: 30_000 }, async () => {
  await pool.query('TRUNCATE hydra_server, hydra_pool_block');
  const config = cfg([{ id: 1, ranges: [['10.77.0.0', '10.77.0.255']] }]);
  const first = claimer(db.url, 'same', 16, CLAIM_SECONDS);
  const second = claimer(db.url, 'same', 16, CLAIM_SECONDS);
  try {
    await first.claims.start(config);
    assert.equal(first.claims.stats.owned, 16);
    await assert.rejects(second.claims.start(config), (e: unknown) => e instanceof StoreError && e.message.includes('"same"'));
    assert.equal(second.claims.stats.owned, 0);
    assert.deepEqual(second.claims.scopes().get(1), []);
    // The refused server's stop must not release the live one's blocks (they share the name).
    await second.claims.stop();
    const owned = await pool.query(`SELECT count(*)::int AS n FROM hydra_pool_block WHERE owner = 'same'`);
    assert.equal(owned.rows[0].n, 16);
  } finally {
    await shut(second);
    await shut(first);
  }
});

test('the database unreachable: registry calls reject with StoreError, never hang', { skip, timeout: 30_000 }, async () => {
  const r = reg('gamma', 'ig');
  await r.register();
  db.stop();
  try {
    const t0 = Date.now();
    await assert.rejects(r.heartbeat(), (e: unknown) => e instanceof StoreError && e.message.includes('gamma'));
    await assert.rejects(r.liveCount(), StoreError);
    assert.ok(Date.now() - t0 < 5_000);
  } finally {
    db.start();
  }
  await r.heartbeat();
  assert.ok((await r.liveServers()).includes('gamma'));
});
