// The statements behind BlockClaims. Claim times are the database's now() (one clock for every
// server); addresses come back as float8 so node-postgres yields numbers, not bigint strings.
import { secondsParam } from './block-pg.js';

/** $1 subnet ids, $2 range starts, $3 range ends (parallel arrays), $4 block size. One statement however big the ranges. */
export const SEED_BLOCKS = `
  INSERT INTO hydra_pool_block (subnet_id, first_address, last_address)
  SELECT r.sid, f, LEAST(f + $4::bigint - 1, r.hi)
  FROM unnest($1::int[], $2::bigint[], $3::bigint[]) AS r(sid, lo, hi),
       LATERAL generate_series(r.lo, r.hi, $4::bigint) AS f
  ON CONFLICT DO NOTHING`;

const BLOCK_COLUMNS = `subnet_id, first_address::float8 AS first, last_address::float8 AS last`;

/** $1 owner, $2 claimSeconds: extends every claim this server holds (a lapsed one nobody took, too). */
export const RENEW_BLOCKS = `
  UPDATE hydra_pool_block SET claimed_until = now() + ${secondsParam(2)}
  WHERE owner = $1
  RETURNING ${BLOCK_COLUMNS}`;

/** $1 owner, $2 subnet ids, $3 first addresses (parallel arrays). */
export const RELEASE_BLOCKS = `
  UPDATE hydra_pool_block SET owner = NULL, claimed_until = NULL
  WHERE owner = $1 AND (subnet_id, first_address) IN (SELECT * FROM unnest($2::int[], $3::bigint[]))`;

/** $1 owner. */
export const RELEASE_ALL = `UPDATE hydra_pool_block SET owner = NULL, claimed_until = NULL WHERE owner = $1`;

// A block is on the configuration's grid when a range cut it: blocks left from another config are ignored.
const ON_GRID = `b.first_address BETWEEN r.lo AND r.hi
  AND (b.first_address - r.lo) % $4::bigint = 0
  AND b.last_address = LEAST(b.first_address + $4::bigint - 1, r.hi)`;

/**
 * $1 subnet ids, $2 starts, $3 ends, $4 block size → per subnet and current holder (NULL = free:
 * never claimed, released, or lapsed) the number of blocks.
 */
export const BLOCK_HOLDERS = `
  SELECT b.subnet_id,
         CASE WHEN b.owner IS NULL OR b.claimed_until < now() THEN NULL ELSE b.owner END AS holder,
         count(*)::int AS n
  FROM hydra_pool_block b
  JOIN unnest($1::int[], $2::bigint[], $3::bigint[]) AS r(sid, lo, hi) ON b.subnet_id = r.sid AND ${ON_GRID}
  GROUP BY 1, 2`;

/**
 * $1 subnet id, $2 starts, $3 ends (that subnet's ranges), $4 block size, $5 owner, $6 how many,
 * $7 claimSeconds. Takes the lowest free blocks (contiguous runs), skipping rows another claimer has
 * locked, so concurrent claimers never take the same block and never wait for each other.
 */
export const CLAIM_BLOCKS = `
  WITH pick AS (
    SELECT b.subnet_id, b.first_address
    FROM hydra_pool_block b
    JOIN unnest($2::bigint[], $3::bigint[]) AS r(lo, hi) ON ${ON_GRID}
    WHERE b.subnet_id = $1 AND (b.owner IS NULL OR b.claimed_until < now())
    ORDER BY b.first_address
    LIMIT $6
    FOR UPDATE OF b SKIP LOCKED
  )
  UPDATE hydra_pool_block b SET owner = $5, claimed_until = now() + ${secondsParam(7)}
  FROM pick WHERE b.subnet_id = pick.subnet_id AND b.first_address = pick.first_address
  RETURNING b.subnet_id, b.first_address::float8 AS first, b.last_address::float8 AS last`;
