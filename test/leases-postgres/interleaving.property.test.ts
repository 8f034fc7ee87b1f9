// Random interleaved commits from two servers on one database. After every group of concurrent
// calls: each address holds the change of a call that resolved in that group (or is unchanged
// when none did), sequential calls are accepted or refused exactly by the rules, and in the end
// each server's table (its own changes + watch deliveries) equals the database.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { Lease, LeaseChange } from '../../src/engine/types.js';
import { LeaseConflict } from '../../src/leases/lease-store.js';
import { openPgPool } from '../../src/leases/postgres/connect.js';
import { LEASE_SELECT, rowToLease, type LeaseRow } from '../../src/leases/postgres/row-codec.js';
import { skipUnlessPostgres, startPostgres, type TestPostgres } from '../support/postgres.js';
import { BASE, lease, openWatched, until, type Watched } from './fixtures.js';

const skip = skipUnlessPostgres();
const NOW = 1_700_000_000;
const ADDRESSES = 5;

interface Op {
  server: 0 | 1;
  address: number;
  client: number;
  kind: 'bind-live' | 'bind-over' | 'release' | 'expire' | 'delete';
}

const opArb: fc.Arbitrary<Op> = fc.record({
  server: fc.constantFrom(0 as const, 1 as const),
  address: fc.integer({ min: 0, max: ADDRESSES - 1 }),
  client: fc.integer({ min: 0, max: 2 }),
  kind: fc.constantFrom('bind-live' as const, 'bind-over' as const, 'release' as const, 'expire' as const, 'delete' as const),
});

/** The summary compared: who, what state, and which call wrote it (issuedAt is unique per call). */
const key = (l: Lease | undefined): string => (l ? `${l.clientKey}/${l.state}/${l.issuedAt}/${l.expiresAt}` : 'none');
const over = (l: Lease): boolean => l.state === 'released' || l.state === 'expired' || l.expiresAt <= NOW;

function allowed(stored: Lease | undefined, ch: LeaseChange): boolean {
  if (!stored) return true;
  if (ch.kind === 'delete') return over(stored);
  if (over(stored)) return true;
  if (stored.clientKey !== ch.lease.clientKey) return false;
  // A release or expiry must name the stored lease (or a newer one); a grant always goes through.
  const ending = ch.lease.state === 'released' || ch.lease.state === 'expired';
  return !ending || ch.lease.issuedAt >= stored.issuedAt;
}

describe('PostgreSQL store: random interleavings of two servers', { skip, timeout: 300_000 }, () => {
  let pg: TestPostgres;
  let pool: ReturnType<typeof openPgPool>;
  before(() => {
    pg = startPostgres();
    pool = openPgPool({ url: pg.url }, 1);
  });
  after(async () => {
    await pool?.end();
    pg?.destroy();
  });

  async function dbState(): Promise<Map<number, Lease>> {
    const rows = (await pool.query<LeaseRow>(`SELECT ${LEASE_SELECT} FROM hydra_lease4`)).rows;
    return new Map(rows.map((r) => [r.address, rowToLease(r) as Lease]));
  }

  test('no lost or phantom change, rules applied exactly, tables converge', async () => {
    let serial = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(opArb, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 12 }), async (groups) => {
        pg.psql('DROP TABLE IF EXISTS hydra_lease4, hydra_server, hydra_pool_block, hydra_schema CASCADE; DROP SEQUENCE IF EXISTS hydra_batch_seq');
        const servers: Watched[] = [];
        const views: Map<number, Lease>[] = [new Map(), new Map()];
        try {
          for (const name of ['a', 'b']) {
            const i = servers.length;
            const w = await openWatched(pg.url, `p${name}`, { now: () => NOW });
            w.store.watch((c) => apply(views[i]!, c));
            servers.push(w);
          }
          let before = await dbState();
          for (const group of groups) {
            const calls = group.map((op) => {
              const a = BASE + op.address;
              const ch: LeaseChange =
                op.kind === 'delete'
                  ? { kind: 'delete', address: a }
                  : {
                      kind: 'upsert',
                      lease: lease(op.address, {
                        clientKey: `c${op.client}`,
                        issuedAt: ++serial,
                        state: op.kind === 'release' ? 'released' : op.kind === 'expire' ? 'expired' : 'bound',
                        expiresAt: op.kind === 'bind-over' ? NOW - 5 : NOW + 100,
                      }),
                    };
              // As the engine does: its table changes first, the commit follows.
              apply(views[op.server]!, ch);
              return { op, ch, done: servers[op.server]!.store.commit([ch]).then(() => true, (e: unknown) => {
                if (e instanceof LeaseConflict) return false;
                throw e;
              }) };
            });
            const accepted = await Promise.all(calls.map((c) => c.done));
            const now = await dbState();
            for (let n = 0; n < ADDRESSES; n++) {
              const a = BASE + n;
              const touched = calls.map((c, i) => ({ ...c, ok: accepted[i]! })).filter((c) => c.op.address === n);
              const okOnes = touched.filter((c) => c.ok);
              if (okOnes.length === 0) {
                assert.equal(key(now.get(a)), key(before.get(a)), `address ${n}: changed although no call on it was accepted`);
                continue;
              }
              const candidates = okOnes.filter((c) => c.ch.kind === 'upsert').map((c) => key((c.ch as { lease: Lease }).lease));
              // A delete resolves whether it removed the row or found it live and kept it.
              if (okOnes.some((c) => c.ch.kind === 'delete')) candidates.push('none', key(before.get(a)));
              assert.ok(candidates.includes(key(now.get(a))), `address ${n}: ${key(now.get(a))} is none of the accepted ${candidates.join(', ')}`);
            }
            if (calls.length === 1) {
              const c = calls[0]!;
              const a = BASE + c.op.address;
              const refusedDelete = c.ch.kind === 'delete' && !allowed(before.get(a), c.ch);
              // Deletes are never refused (a live row is kept and delivered), upserts exactly by the rules.
              assert.equal(accepted[0], c.ch.kind === 'delete' ? true : allowed(before.get(a), c.ch), `${JSON.stringify(c.op)} over ${key(before.get(a))}`);
              if (refusedDelete) assert.equal(key(now.get(a)), key(before.get(a)));
            }
            before = now;
          }
          const final = await dbState();
          const want = [...final.values()].map(key).sort();
          for (const i of [0, 1]) {
            await until(`server ${i}'s table to equal the database`, () => {
              const got = [...views[i]!.values()].map(key).sort();
              return JSON.stringify(got) === JSON.stringify(want);
            }, 5_000).catch(() => {
              assert.deepEqual([...views[i]!.values()].map(key).sort(), want, `server ${i}'s table`);
            });
          }
        } finally {
          for (const w of servers) await w.store.close();
        }
      }),
      { numRuns: Number(process.env.HYDRA_PROP_RUNS ?? 25), includeErrorInReport: true, endOnFailure: process.env.HYDRA_PROP_NO_SHRINK === '1' },
    );
  });
});

function apply(view: Map<number, Lease>, c: LeaseChange): void {
  if (c.kind === 'upsert') view.set(c.lease.address, c.lease);
  else view.delete(c.address);
}
