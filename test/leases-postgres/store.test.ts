import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { LeaseConflict } from '../../src/leases/lease-store.js';
import { skipUnlessPostgres, startPostgres, type TestPostgres } from '../support/postgres.js';
import { BASE, del, lastFor, lease, openWatched, plain, until, upsert, type Watched } from './fixtures.js';

const skip = skipUnlessPostgres();
const NOW = 1_700_000_000;

describe('PostgreSQL lease store: one database, two servers', { skip, timeout: 120_000 }, () => {
  let pg: TestPostgres;
  const open: Watched[] = [];
  before(() => {
    pg = startPostgres();
  });
  after(async () => {
    for (const w of open) await w.store.close();
    pg?.destroy();
  });
  beforeEach(async () => {
    for (const w of open.splice(0)) await w.store.close();
    pg.psql('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
  });
  /** Server `name` with its clock at NOW (so expiry is decided by the test, not the wall clock). */
  const server = async (name: string, now = (): number => NOW): Promise<Watched> => {
    const w = await openWatched(pg.url, name, { now });
    open.push(w);
    return w;
  };

  test('every lease field survives commit and load; offers are not written; deletes remove', async () => {
    const a = await server('a');
    const full = lease(1, {
      subnetId: 7,
      clientKey: 'id:ff:00:01',
      hwType: 6,
      hwAddress: Uint8Array.of(0xde, 0xad, 0xbe, 0xef, 0, 1),
      clientId: Uint8Array.of(1, 0xde, 0xad, 0xbe, 0xef, 0, 1),
      hostname: 'printer-\u00e9t\u00e9',
      state: 'declined',
      issuedAt: NOW + 0.25,
      expiresAt: NOW + 86_400.5,
    });
    await a.store.commit([upsert(full), upsert(lease(2, { state: 'released' })), upsert(lease(3, { state: 'offered' })), upsert(lease(4, { address: 0xffffffff }))]);
    await a.store.commit([upsert(lease(5)), del(BASE + 2)]);
    assert.equal(pg.psql(`SELECT count(*) FROM hydra_lease4 WHERE address = ${BASE + 3}`).trim(), '0', 'the offer was written');
    const b = await server('b');
    const loaded = (await b.store.load()).leases.sort((x, y) => x.address - y.address);
    assert.deepEqual(loaded.map(plain), [plain(full), plain(lease(5)), plain(lease(4, { address: 0xffffffff }))]);
    assert.equal(pg.psql(`SELECT DISTINCT writer FROM hydra_lease4`).trim(), 'a');
    assert.equal(a.store.stats.syncs, 2);
    assert.equal(a.store.stats.records, 5);
    // A call of offers only resolves without a batch.
    await a.store.commit([upsert(lease(9, { state: 'offered' }))]);
    assert.equal(a.store.stats.syncs, 2);
  });

  test("B cannot take A's live lease: LeaseConflict for that address only, the rest committed, A's row delivered to B", async () => {
    const a = await server('a');
    const b = await server('b');
    await a.store.commit([upsert(lease(10, { clientKey: 'A', expiresAt: NOW + 600 }))]);
    const theirs = lease(10, { clientKey: 'B', expiresAt: NOW + 900 });
    await assert.rejects(b.store.commit([upsert(theirs), upsert(lease(11, { clientKey: 'B' }))]), (e: unknown) => {
      assert.ok(e instanceof LeaseConflict);
      assert.deepEqual(e.addresses, [BASE + 10]);
      return true;
    });
    assert.equal(pg.psql(`SELECT client_key FROM hydra_lease4 WHERE address = ${BASE + 10}`).trim(), 'A');
    assert.equal(pg.psql(`SELECT client_key FROM hydra_lease4 WHERE address = ${BASE + 11}`).trim(), 'B');
    await until('the winning row at B', () => {
      const c = lastFor(b.seen, BASE + 10);
      return c?.kind === 'upsert' && c.lease.clientKey === 'A';
    });
    assert.equal(b.store.stats.conflicts, 1);
  });

  test('B can take an address whose lease expired or was released; A hears of it through the feed', async () => {
    const a = await server('a');
    const b = await server('b');
    await a.store.commit([upsert(lease(20, { clientKey: 'A', expiresAt: NOW - 1 })), upsert(lease(21, { clientKey: 'A', state: 'released', expiresAt: NOW + 600 }))]);
    await b.store.commit([upsert(lease(20, { clientKey: 'B' })), upsert(lease(21, { clientKey: 'B' }))]);
    assert.equal(pg.psql(`SELECT string_agg(client_key, ',' ORDER BY address) FROM hydra_lease4`).trim(), 'B,B');
    await until("B's rows at A", () => [20, 21].every((n) => {
      const c = lastFor(a.seen, BASE + n);
      return c?.kind === 'upsert' && c.lease.clientKey === 'B';
    }));
  });

  test('a stale reclaim is refused: A cannot expire a lease B just renewed for the same client', async () => {
    const a = await server('a');
    const b = await server('b');
    await a.store.commit([upsert(lease(30, { clientKey: 'C', expiresAt: NOW + 60 }))]);
    // The client renews through B...
    await b.store.commit([upsert(lease(30, { clientKey: 'C', issuedAt: NOW + 30, expiresAt: NOW + 3600 }))]);
    // ...while A, whose clock says the old lease is over, reclaims from its stale view.
    const later = await server('a2', () => NOW + 120);
    await assert.rejects(later.store.commit([upsert(lease(30, { clientKey: 'C', state: 'expired', expiresAt: NOW + 60 }))]), LeaseConflict);
    assert.equal(pg.psql(`SELECT state || ' ' || expires_at FROM hydra_lease4 WHERE address = ${BASE + 30}`).trim(), `bound ${NOW + 3600}`);
    await until('the renewed row at a2', () => {
      const c = lastFor(later.seen, BASE + 30);
      return c?.kind === 'upsert' && c.lease.expiresAt === NOW + 3600;
    });
    // A reclaim of a lease that is really over passes.
    await later.store.commit([upsert(lease(31, { clientKey: 'D', expiresAt: NOW + 60 }))]);
    await later.store.commit([upsert(lease(31, { clientKey: 'D', state: 'expired', expiresAt: NOW + 60 }))]);
    assert.equal(pg.psql(`SELECT state FROM hydra_lease4 WHERE address = ${BASE + 31}`).trim(), 'expired');
  });

  test('a release or expiry must name the stored lease: a client that moves frees its old binding, a stale release is refused', async () => {
    const a = await server('a');
    const b = await server('b');
    // The client moves (live lease at 40): its old binding is written expired with the same issued_at.
    await a.store.commit([upsert(lease(40, { clientKey: 'M', expiresAt: NOW + 3600 }))]);
    await a.store.commit([upsert(lease(40, { clientKey: 'M', state: 'expired', expiresAt: NOW })), upsert(lease(41, { clientKey: 'M', expiresAt: NOW + 3600 }))]);
    assert.equal(pg.psql(`SELECT state FROM hydra_lease4 WHERE address = ${BASE + 40}`).trim(), 'expired');
    // A release B learned late (the lease of NOW) cannot end the lease granted again at NOW + 50.
    await a.store.commit([upsert(lease(42, { clientKey: 'R', expiresAt: NOW + 3600 }))]);
    await a.store.commit([upsert(lease(42, { clientKey: 'R', issuedAt: NOW + 50, expiresAt: NOW + 3650 }))]);
    await assert.rejects(b.store.commit([upsert(lease(42, { clientKey: 'R', state: 'released', expiresAt: NOW + 10 }))]), LeaseConflict);
    assert.equal(pg.psql(`SELECT state FROM hydra_lease4 WHERE address = ${BASE + 42}`).trim(), 'bound');
  });

  test("the same client's renewal or release through another server is allowed", async () => {
    const a = await server('a');
    const b = await server('b');
    await a.store.commit([upsert(lease(40, { clientKey: 'E', expiresAt: NOW + 60 }))]);
    await b.store.commit([upsert(lease(40, { clientKey: 'E', state: 'released', expiresAt: NOW + 60 }))]);
    assert.equal(pg.psql(`SELECT state || ' ' || writer FROM hydra_lease4 WHERE address = ${BASE + 40}`).trim(), 'released b');
    await until('the release at A', () => {
      const c = lastFor(a.seen, BASE + 40);
      return c?.kind === 'upsert' && c.lease.state === 'released';
    });
  });

  test("deletes reach the other server; a delete of another server's live row is kept and that row delivered", async () => {
    const a = await server('a');
    const b = await server('b');
    await a.store.commit([upsert(lease(50, { state: 'expired', expiresAt: NOW - 10 })), upsert(lease(51, { clientKey: 'F', expiresAt: NOW + 600 }))]);
    await until('both rows at B', () => lastFor(b.seen, BASE + 50) !== undefined && lastFor(b.seen, BASE + 51) !== undefined);
    await a.store.commit([del(BASE + 50)]);
    await until('the delete at B', () => lastFor(b.seen, BASE + 50)?.kind === 'delete');
    // B's stale view: it thinks 51 is its own expired offer and deletes it.
    b.seen.length = 0;
    await b.store.commit([del(BASE + 51)]);
    assert.equal(pg.psql(`SELECT client_key FROM hydra_lease4 WHERE address = ${BASE + 51}`).trim(), 'F');
    await until('the live row back at B', () => {
      const c = lastFor(b.seen, BASE + 51);
      return c?.kind === 'upsert' && c.lease.clientKey === 'F';
    });
  });

  test('concurrent calls share batches (fewer batches than calls), per-address order is kept', async () => {
    const a = await server('a', () => NOW);
    const b = await server('b');
    const calls: Promise<void>[] = [];
    for (let i = 0; i < 400; i++) calls.push(a.store.commit([upsert(lease(1000 + (i % 300), { clientKey: `k${i % 300}`, expiresAt: NOW + i }))]));
    await Promise.all(calls);
    const s = a.store.stats;
    assert.ok(s.syncs < 400 / 4, `${s.syncs} batches for 400 calls`);
    assert.ok(s.largestBatch > 1, `largest batch ${s.largestBatch}`);
    // The last change of each address won: 100..299 got one write each, 0..99 two (the later one).
    const rows = pg.psql(`SELECT address - ${BASE} - 1000, expires_at - ${NOW} FROM hydra_lease4 ORDER BY address`).trim().split('\n');
    assert.equal(rows.length, 300);
    for (const r of rows) {
      const [k, e] = r.split('|').map(Number) as [number, number];
      assert.equal(e, k < 100 ? k + 300 : k);
    }
    // The other server saw every one of them, in their final version.
    await until('300 rows at B', () => {
      for (let k = 0; k < 300; k++) {
        const c = lastFor(b.seen, BASE + 1000 + k);
        if (c?.kind !== 'upsert' || c.lease.expiresAt !== NOW + (k < 100 ? k + 300 : k)) return false;
      }
      return true;
    });
  });
});
