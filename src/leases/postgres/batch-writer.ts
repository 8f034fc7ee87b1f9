// One write batch = one statement: a data-modifying CTE is a single implicit transaction, so a
// batch of any size costs one round trip and one commit (one WAL flush), and the change-feed
// notification commits with it.
import type pg from 'pg';
import type { Lease } from '../../engine/types.js';
import { leaseColumns } from './row-codec.js';
import { FEED_CHANNEL } from './schema.js';

/** More deleted addresses than this in one batch: the notification says "*" and readers resync. */
export const NOTIFY_DELETES_MAX = 600;

/*
 * The conditions are the whole multi-server safety story, so here in words:
 * - an upsert may overwrite a stored row that is over (released, expired, or past expires_at by
 *   the writer's clock), or one of the same client — a grant or renewal always, a release or an
 *   expiry (a reclaim, or the old binding of a client that moved) only when it names the stored
 *   lease or a newer one (issued_at: releases and expiries keep the lease's issued_at). So a server
 *   with a stale view (a retried write, a late feed) can neither release nor expire a lease another
 *   server has granted or renewed since, and no two servers' clocks are ever compared;
 * - a delete removes only rows that are over.
 * Rows refused stay as they are; the statement reports them and the store delivers the winners.
 */
const WRITE_BATCH_SQL = `
WITH b AS MATERIALIZED (SELECT nextval('hydra_batch_seq') AS id),
i AS (
  SELECT * FROM unnest($1::bigint[], $2::integer[], $3::text[], $4::smallint[], $5::bytea[], $6::bytea[],
                       $7::text[], $8::text[], $9::float8[], $10::float8[])
    AS t(address, subnet_id, client_key, hw_type, hw_address, client_id, hostname, state, issued_at, expires_at)
),
up AS (
  INSERT INTO hydra_lease4 AS s
    (address, subnet_id, client_key, hw_type, hw_address, client_id, hostname, state, issued_at, expires_at, writer, batch)
  SELECT i.*, $12::text, b.id FROM i CROSS JOIN b
  ON CONFLICT (address) DO UPDATE SET
    subnet_id = EXCLUDED.subnet_id, client_key = EXCLUDED.client_key, hw_type = EXCLUDED.hw_type,
    hw_address = EXCLUDED.hw_address, client_id = EXCLUDED.client_id, hostname = EXCLUDED.hostname,
    state = EXCLUDED.state, issued_at = EXCLUDED.issued_at, expires_at = EXCLUDED.expires_at,
    writer = EXCLUDED.writer, batch = EXCLUDED.batch
  WHERE s.state IN ('released', 'expired') OR s.expires_at <= $13::float8
     OR (s.client_key = EXCLUDED.client_key
         AND (EXCLUDED.state NOT IN ('released', 'expired') OR EXCLUDED.issued_at >= s.issued_at))
  RETURNING s.address
),
del AS (
  DELETE FROM hydra_lease4 d
   WHERE d.address = ANY($11::bigint[])
     AND (d.state IN ('released', 'expired') OR d.expires_at <= $13::float8)
  RETURNING d.address
),
n AS (
  SELECT pg_notify($14::text, (SELECT id FROM b)::text || ':' || $12::text || COALESCE(E'\\n' ||
           (SELECT CASE WHEN count(*) > ${NOTIFY_DELETES_MAX} THEN '*' ELSE string_agg(address::text, ',') END FROM del), ''))
   WHERE EXISTS (SELECT 1 FROM up) OR EXISTS (SELECT 1 FROM del)
)
SELECT 'batch' AS kind, (SELECT id FROM b) AS address, (SELECT count(*) FROM n)::integer AS notified
UNION ALL
SELECT 'refused', i.address, 0 FROM i WHERE i.address NOT IN (SELECT address FROM up)
UNION ALL
SELECT 'kept', l.address, 0 FROM hydra_lease4 l
 WHERE l.address = ANY($11::bigint[]) AND l.address NOT IN (SELECT address FROM del)`;

export interface BatchInput {
  upserts: readonly Lease[];
  deletes: readonly number[];
  writer: string;
  /** The writer's clock, seconds since the epoch: what "over" is judged against. */
  now: number;
}

export interface BatchResult {
  batch: number;
  /** Upserted addresses the database refused (another client's live row is there). */
  refused: number[];
  /** Deleted addresses whose row is still there because it is live. */
  kept: number[];
}

/** Deadlock or serialization failure: the statement was rolled back whole and can simply run again. */
const RETRYABLE = new Set(['40P01', '40001']);
const ATTEMPTS = 4;

/**
 * Runs the batch statement. Two servers' batches touching the same addresses can deadlock (one
 * locks X then Y, the other Y then X, e.g. an upsert here and a delete there); PostgreSQL
 * aborts one of them, which is then run again. Rows go in address order to make that rarer.
 */
export async function writeBatch(db: Pick<pg.Pool, 'query'>, input: BatchInput): Promise<BatchResult> {
  const sorted = { ...input, upserts: [...input.upserts].sort((x, y) => x.address - y.address), deletes: [...input.deletes].sort((x, y) => x - y) };
  for (let attempt = 1; ; attempt++) {
    try {
      return await runBatch(db, sorted);
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (attempt >= ATTEMPTS || typeof code !== 'string' || !RETRYABLE.has(code)) throw e;
      await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
    }
  }
}

async function runBatch(db: Pick<pg.Pool, 'query'>, input: BatchInput): Promise<BatchResult> {
  const res = await db.query<{ kind: string; address: number }>(WRITE_BATCH_SQL, [
    ...leaseColumns(input.upserts),
    input.deletes,
    input.writer,
    input.now,
    FEED_CHANNEL,
  ]);
  const out: BatchResult = { batch: 0, refused: [], kept: [] };
  for (const r of res.rows) {
    if (r.kind === 'batch') out.batch = r.address;
    else if (r.kind === 'refused') out.refused.push(r.address);
    else out.kept.push(r.address);
  }
  return out;
}

/** A feed notification: who wrote which batch, and what it deleted ('*' = too many to list). */
export interface FeedNotice {
  batch: number;
  writer: string;
  deleted: number[] | '*';
}

/** Parses a payload written by WRITE_BATCH_SQL; null when it is not one (another program's). */
export function parseNotice(payload: string): FeedNotice | null {
  const nl = payload.indexOf('\n');
  const head = nl < 0 ? payload : payload.slice(0, nl);
  const colon = head.indexOf(':');
  if (colon <= 0) return null;
  const batch = Number(head.slice(0, colon));
  if (!Number.isSafeInteger(batch)) return null;
  const tail = nl < 0 ? '' : payload.slice(nl + 1);
  const deleted = tail === '*' ? '*' : tail === '' ? [] : tail.split(',').map(Number);
  if (deleted !== '*' && deleted.some((a) => !Number.isInteger(a))) return null;
  return { batch, writer: head.slice(colon + 1), deleted };
}
