// Block claims against a real PostgreSQL with real timers: seeding, fair shares among concurrent
// claimers, newcomers, dead claimers, and the database going away and coming back.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type pg from 'pg';
import { skipUnlessPostgres, startPostgres, type TestPostgres } from '../support/postgres.js';
import {
  assertDisjoint,
  cfg,
  claimer,
  createSchema,
  dbBlocks,
  ip,
  makePool,
  rangeSize,
  shut,
  sleep,
  waitFor,
  type Claimer,
} from './claims-fixture.js';

const skip = skipUnlessPostgres();
const CLAIM_SECONDS = 3;
const BLOCK = 16;
let db: TestPostgres;
let admin: pg.Pool;
const open: Claimer[] = [];

before(async () => {
  if (skip) return;
  db = startPostgres();
  await createSchema(db.url);
  admin = makePool(db.url);
});

after(async () => {
  for (const c of open) await shut(c);
  await admin?.end();
  db?.destroy();
});

/** Fresh tables; every claimer of the previous test has been shut. */
async function reset(): Promise<void> {
  while (open.length > 0) await shut(open.pop()!);
  await admin.query('TRUNCATE hydra_pool_block, hydra_server');
}

function make(name: string, blockSize = BLOCK): Claimer {
  const c = claimer(db.url, name, blockSize, CLAIM_SECONDS);
  open.push(c);
  return c;
}

/** 32 blocks of 16 in subnet 1. */
const TWO_C = cfg([{ id: 1, ranges: [['10.77.0.0', '10.77.1.255']] }]);
const ALL = 512;
const blocksOf = (c: Claimer, id = 1): number => rangeSize(c.claims.scopes().get(id) ?? []) / BLOCK;

/** Waits until `done` holds, asserting at every sample that no address is in two scopes. */
async function converge(cs: Claimer[], done: () => boolean, timeoutMs: number): Promise<boolean> {
  return waitFor(() => {
    assertDisjoint(cs);
    return done();
  }, timeoutMs);
}

/** Claimers a and b on TWO_C, once they hold half the 32 blocks each. */
async function twoSharing(): Promise<[Claimer, Claimer]> {
  const a = make('a');
  const b = make('b');
  await a.claims.start(TWO_C);
  await b.claims.start(TWO_C);
  assert.ok(await converge([a, b], () => blocksOf(a) === 16 && blocksOf(b) === 16, 6_000));
  return [a, b];
}

const covered = (cs: Claimer[]): number => assertDisjoint(cs).get(1)?.size ?? 0;

test('seeding cuts every range into blocks ending at the range end, and is idempotent', { skip, timeout: 60_000 }, async () => {
  await reset();
  const config = cfg([
    { id: 1, ranges: [['10.77.0.10', '10.77.0.100'], ['10.77.1.0', '10.77.1.255']] },
    { id: 2, ranges: [['10.78.0.0', '10.78.0.15'], ['10.78.0.200', '10.78.0.200']] },
  ]);
  const expected: { subnet_id: number; first: number; last: number }[] = [];
  for (const s of config.subnets) {
    for (const r of s.ranges) {
      for (let f = r.start; f <= r.end; f += BLOCK) expected.push({ subnet_id: s.id, first: f, last: Math.min(f + BLOCK - 1, r.end) });
    }
  }
  const a = make('a');
  await a.claims.start(config);
  const rows = (await dbBlocks(admin)).map(({ subnet_id, first, last }) => ({ subnet_id, first, last }));
  assert.deepEqual(rows, expected);
  assert.equal(expected.length, 6 + 16 + 1 + 1);
  assert.deepEqual(rows.find((r) => r.first === ip('10.77.0.90')), { subnet_id: 1, first: ip('10.77.0.90'), last: ip('10.77.0.100') });
  // Alone, the server holds every block: its scopes are exactly the configured ranges.
  const scopes = a.claims.scopes();
  assert.deepEqual(scopes.get(1), config.subnets[0]!.ranges);
  assert.deepEqual(scopes.get(2), config.subnets[1]!.ranges);
  assert.equal(a.claims.stats.owned, expected.length);
  assert.ok(a.changes.some((ch) => ch.subnetId === 2 && ch.ranges.length === 2), 'onChange reported the scope');
  // A second server seeding the same configuration adds nothing.
  const b = make('b');
  await b.claims.start(config);
  assert.equal((await dbBlocks(admin)).length, expected.length);
});

test('a /8 is seeded and claimed in one go', { skip, timeout: 60_000 }, async () => {
  await reset();
  const a = make('big', 256);
  const t0 = Date.now();
  await a.claims.start(cfg([{ id: 7, ranges: [['10.0.0.0', '10.255.255.255']] }]));
  const ms = Date.now() - t0;
  assert.equal(a.claims.stats.owned, 65_536);
  assert.deepEqual(a.claims.scopes().get(7), [{ start: ip('10.0.0.0'), end: ip('10.255.255.255') }]);
  assert.ok(ms < 15_000, `start took ${ms} ms`);
  const count = await admin.query(`SELECT count(*)::int AS n FROM hydra_pool_block WHERE owner = 'big'`);
  assert.equal(count.rows[0].n, 65_536);
  await a.claims.stop();
  const left = await admin.query(`SELECT count(*)::int AS n FROM hydra_pool_block WHERE owner IS NOT NULL`);
  assert.equal(left.rows[0].n, 0, 'stop gives every block back');
});

test('two claimers started together get disjoint halves covering every block', { skip, timeout: 60_000 }, async () => {
  await reset();
  const cs = [make('a'), make('b')];
  await Promise.all(cs.map((c) => c.claims.start(TWO_C)));
  assertDisjoint(cs);
  const ok = await converge(cs, () => covered(cs) === ALL && cs.every((c) => blocksOf(c) === 16), 8_000);
  assert.ok(ok, `not converged: ${cs.map((c) => blocksOf(c)).join('/')} blocks, ${covered(cs)} addresses covered`);
  const owners = await dbBlocks(admin);
  assert.equal(owners.filter((r) => r.owner === 'a').length, 16);
  assert.equal(owners.filter((r) => r.owner === 'b').length, 16);
});

test('three claimers started together share every block fairly and disjointly', { skip, timeout: 60_000 }, async () => {
  await reset();
  const cs = [make('a'), make('b'), make('c')];
  await Promise.all(cs.map((c) => c.claims.start(TWO_C)));
  assertDisjoint(cs);
  // ceil(32 / 3) = 11: two hold 11, one holds 10.
  const ok = await converge(cs, () => covered(cs) === ALL && cs.every((c) => blocksOf(c) >= 10 && blocksOf(c) <= 11), 10_000);
  assert.ok(ok, `not converged: ${cs.map((c) => blocksOf(c)).join('/')} blocks, ${covered(cs)} covered`);
  // Each scope is a few contiguous runs, not confetti.
  for (const c of cs) assert.ok((c.claims.scopes().get(1) ?? []).length <= 3, JSON.stringify(c.claims.scopes().get(1)));
});

test('a newcomer gets its fair share within a few renewals; a clean stop hands blocks back at once', { skip, timeout: 60_000 }, async () => {
  await reset();
  const a = make('a');
  await a.claims.start(TWO_C);
  assert.equal(blocksOf(a), 32);
  const b = make('b');
  await b.claims.start(TWO_C);
  let cs = [a, b];
  // Renewals every second: a gives back, b claims.
  assert.ok(await converge(cs, () => blocksOf(a) === 16 && blocksOf(b) === 16, 6_000), `${blocksOf(a)}/${blocksOf(b)}`);
  assert.ok(a.claims.stats.released >= 16);
  // a gave back its highest blocks: it keeps the low half.
  assert.deepEqual(a.claims.scopes().get(1), [{ start: ip('10.77.0.0'), end: ip('10.77.0.255') }]);

  const c = make('c');
  await c.claims.start(TWO_C);
  cs = [a, b, c];
  assert.ok(
    await converge(cs, () => covered(cs) === ALL && cs.every((x) => blocksOf(x) >= 10 && blocksOf(x) <= 11), 8_000),
    cs.map((x) => blocksOf(x)).join('/'),
  );

  await c.claims.stop();
  const rows = await admin.query(`SELECT name FROM hydra_server ORDER BY name`);
  assert.deepEqual(rows.rows.map((r) => r.name), ['a', 'b'], 'stop left the registry');
  assert.deepEqual(c.claims.scopes().get(1), []);
  cs = [a, b];
  assert.ok(await converge(cs, () => covered(cs) === ALL, 4_000), `${blocksOf(a)}/${blocksOf(b)} after c stopped`);
});

test('hungry claims free blocks beyond the fair share, and nothing another server holds', { skip, timeout: 60_000 }, async () => {
  await reset();
  // 4 blocks, two servers: a holds 2; after b stops (releasing its 2), a hungry a takes them at once.
  const config = cfg([{ id: 3, ranges: [['10.79.0.0', '10.79.0.63']] }]);
  const a = make('a');
  const b = make('b');
  await a.claims.start(config);
  await b.claims.start(config);
  const both = [a, b];
  assert.ok(await converge(both, () => blocksOf(a, 3) === 2 && blocksOf(b, 3) === 2, 6_000));
  a.claims.hungry(3);
  await sleep(300);
  assert.equal(blocksOf(a, 3), 2, 'no free block: hungry takes nothing from b');
  assertDisjoint(both);
  // b's clean stop frees its blocks; a hungry a takes them without waiting for its next renewal.
  await b.claims.stop();
  a.claims.hungry(3);
  assert.ok(await waitFor(() => blocksOf(a, 3) === 4, 1_500), `hungry a holds ${blocksOf(a, 3)} blocks`);
});

test('a claimer that dies loses its blocks after claimSeconds and the others take them', { skip, timeout: 60_000 }, async () => {
  await reset();
  const [a, b] = await twoSharing();
  const cs = [a, b];
  // Death as far as the database can tell: b's connections are gone and it never says goodbye.
  const died = Date.now();
  await b.pool.end();
  // b itself stops allocating once its claims may have lapsed.
  assert.ok(await waitFor(() => blocksOf(b) === 0, CLAIM_SECONDS * 1000 + 1_500), 'b kept a scope it cannot renew');
  assert.ok(Date.now() - died >= (CLAIM_SECONDS - 1) * 1000, 'b dropped its scope before claimSeconds');
  assert.ok(b.claims.stats.renewFailures > 0);
  assert.ok(b.logs.some((l) => l.level === 'warn' && /pool/i.test(String(l.fields?.error))), JSON.stringify(b.logs));
  // a takes everything once b's claims and liveness lapse.
  assert.ok(await converge(cs, () => blocksOf(a) === 32, CLAIM_SECONDS * 1000 + 4_000), `a holds ${blocksOf(a)}`);
  assert.ok(Date.now() - died >= CLAIM_SECONDS * 1000 - 1_100, 'a took b\'s blocks before they lapsed');
  const rows = await dbBlocks(admin);
  assert.ok(rows.every((r) => r.owner === 'a' && r.live), 'every block is a\'s, claimed: nothing leaked');
});

test('database stopped: no crash, scopes emptied after claimSeconds; restarted: scopes come back', { skip, timeout: 90_000 }, async () => {
  await reset();
  const [a, b] = await twoSharing();
  const cs = [a, b];
  const lastOk = a.claims.stats.lastRenewOkAt!;
  db.stop();
  try {
    assert.ok(await waitFor(() => covered(cs) === 0, CLAIM_SECONDS * 1000 + 2_000), 'scopes kept while the database is down');
    for (const c of cs) {
      assert.ok(c.claims.stats.renewFailures > 0);
      assert.ok(c.logs.some((l) => l.level === 'error' && /not renewed/.test(l.message)));
      assert.ok(c.logs.some((l) => l.level === 'warn' && typeof l.fields?.error === 'string' && (l.fields.error as string).length > 0));
      // The last scope reported to the engine is empty.
      assert.deepEqual(c.changes.filter((ch) => ch.subnetId === 1).at(-1)?.ranges, []);
    }
    // Asking for blocks while the database is down neither throws nor leaves a rejection behind.
    a.claims.hungry(1);
    await sleep(1_500);
  } finally {
    db.start();
  }
  assert.ok(await converge(cs, () => covered(cs) === ALL && blocksOf(a) > 0 && blocksOf(b) > 0, 8_000), `${blocksOf(a)}/${blocksOf(b)} after restart`);
  assert.ok(a.claims.stats.lastRenewOkAt! > lastOk);
  assert.ok(a.logs.some((l) => l.level === 'info' && /back/.test(l.message)));
});

test('reconfigure seeds new ranges, gives back blocks of subnets and ranges gone, ignores off-grid leftovers', { skip, timeout: 60_000 }, async () => {
  await reset();
  const before = cfg([
    { id: 1, ranges: [['10.77.0.0', '10.77.0.63']] },
    { id: 2, ranges: [['10.78.0.0', '10.78.0.31']] },
  ]);
  const a = make('a');
  await a.claims.start(before);
  assert.deepEqual([...a.claims.scopes().keys()].sort(), [1, 2]);
  // Subnet 2 is gone; subnet 1's range moved by 8 addresses (a new grid) and gained a second range.
  const afterCfg = cfg([{ id: 1, ranges: [['10.77.0.8', '10.77.0.71'], ['10.77.5.0', '10.77.5.15']] }]);
  await a.claims.reconfigure(afterCfg);
  assert.deepEqual([...a.claims.scopes().keys()], [1]);
  assert.deepEqual(a.claims.scopes().get(1), afterCfg.subnets[0]!.ranges, 'scope = the new ranges exactly, no leftover block');
  const rows = await dbBlocks(admin);
  assert.ok(rows.filter((r) => r.subnet_id === 2).every((r) => r.owner === null), 'blocks of the gone subnet released');
  const old = rows.filter((r) => r.subnet_id === 1 && (r.first - ip('10.77.0.0')) % BLOCK === 0 && r.first < ip('10.77.5.0'));
  assert.equal(old.length, 4);
  assert.ok(old.every((r) => r.owner === null), 'blocks of the old grid released');
  assert.equal(rows.filter((r) => r.owner === 'a').length, 5);
  assert.equal(a.claims.stats.owned, 5);
});
