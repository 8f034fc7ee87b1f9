// Shared pieces of the block-claim and registry tests: a schema on a throwaway cluster, claimers
// with their own pools, configs, and checks of scopes against the blocks in the database.
import assert from 'node:assert/strict';
import pg from 'pg';
import type { AddressRange, ServerConfig } from '../../src/config/model.js';
import { BlockClaims, type ClaimLogLevel } from '../../src/leases/postgres/block-claims.js';
import { MIGRATIONS, SCHEMA_TABLE_SQL } from '../../src/leases/postgres/schema.js';
import { subnet, config } from '../engine/builder.js';
import { parseIpv4 } from '../../src/protocol/ipv4.js';

export const ip = (s: string): number => parseIpv4(s)!;

export async function createSchema(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(SCHEMA_TABLE_SQL);
    for (const m of MIGRATIONS) await c.query(m.sql);
  } finally {
    await c.end();
  }
}

/** A pool as the server would own it: idle-client errors (database restart) are not fatal. */
export function makePool(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: 3 });
  pool.on('error', () => undefined);
  return pool;
}

export function cfg(subnets: { id: number; ranges: [string, string][] }[]): ServerConfig {
  return config(subnets.map((s) => subnet({ id: s.id, name: `s${s.id}`, ranges: s.ranges.map(([a, b]) => ({ start: ip(a), end: ip(b) })) })));
}

export interface Claimer {
  claims: BlockClaims;
  pool: pg.Pool;
  logs: { level: ClaimLogLevel; message: string; fields?: Record<string, unknown> }[];
  changes: { subnetId: number; ranges: AddressRange[] }[];
}

export function claimer(url: string, name: string, blockSize: number, claimSeconds: number): Claimer {
  const pool = makePool(url);
  const logs: Claimer['logs'] = [];
  const changes: Claimer['changes'] = [];
  const claims = new BlockClaims({
    pool,
    serverName: name,
    blockSize,
    claimSeconds,
    log: (level, message, fields) => logs.push({ level, message, ...(fields ? { fields } : {}) }),
  });
  claims.onChange((subnetId, ranges) => changes.push({ subnetId, ranges }));
  return { claims, pool, logs, changes };
}

/** Stops the claimer (ignoring a pool already ended) and closes its pool. */
export async function shut(c: Claimer): Promise<void> {
  await c.claims.stop();
  await c.pool.end().catch(() => undefined);
}

/** Every address a claimer's scopes cover, per subnet, as "subnet/first-last" block keys of the given size. */
export function scopeAddresses(c: Claimer): Map<number, Set<number>> {
  const out = new Map<number, Set<number>>();
  for (const [id, ranges] of c.claims.scopes()) {
    const set = new Set<number>();
    for (const r of ranges) for (let a = r.start; a <= r.end; a++) set.add(a);
    out.set(id, set);
  }
  return out;
}

/** Asserts no address is in two claimers' scopes; returns the union per subnet. */
export function assertDisjoint(cs: Claimer[]): Map<number, Set<number>> {
  const union = new Map<number, Set<number>>();
  for (const c of cs) {
    for (const [id, set] of scopeAddresses(c)) {
      const u = union.get(id) ?? new Set<number>();
      for (const a of set) {
        assert.ok(!u.has(a), `address ${a} of subnet ${id} is in two claimers' scopes`);
        u.add(a);
      }
      union.set(id, u);
    }
  }
  return union;
}

export function rangeSize(ranges: readonly AddressRange[]): number {
  return ranges.reduce((n, r) => n + r.end - r.start + 1, 0);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every `stepMs` until true or `timeoutMs` passed; returns whether it became true. */
export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, stepMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(stepMs);
  }
}

/** Blocks in the database: subnet → owner (or null) per first address. */
export async function dbBlocks(pool: pg.Pool): Promise<{ subnet_id: number; first: number; last: number; owner: string | null; live: boolean }[]> {
  const res = await pool.query(
    `SELECT subnet_id, first_address::float8 AS first, last_address::float8 AS last, owner,
            coalesce(claimed_until > now(), false) AS live
     FROM hydra_pool_block ORDER BY subnet_id, first_address`,
  );
  return res.rows;
}
