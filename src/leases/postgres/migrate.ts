// Creating, checking and migrating the schema. Servers starting together on an empty database
// all try to create it: a transaction-scoped advisory lock makes the first one do it and the
// others find it done.
import type pg from 'pg';
import { StoreError } from '../lease-store.js';
import { MIGRATIONS, SCHEMA_TABLE_SQL, type Migration } from './schema.js';

/** pg_advisory_xact_lock key for schema changes ("Hydra" in ASCII). */
const SCHEMA_LOCK = 0x4879647261;

/** What the database holds: no Hydra tables, a recorded version, or hydra_* tables without a version. */
export type SchemaState = { kind: 'empty' } | { kind: 'versioned'; version: number } | { kind: 'foreign'; tables: string[] };

type Queryable = Pick<pg.ClientBase, 'query'>;

export async function readSchemaState(db: Queryable): Promise<SchemaState> {
  // A plain catalog query, not to_regclass(): after waiting on the schema lock, the relation
  // cache may not yet know the tables the lock holder just committed; a fresh snapshot does.
  const res = await db.query<{ tablename: string }>(
    `SELECT tablename FROM pg_catalog.pg_tables
      WHERE schemaname = current_schema() AND tablename LIKE 'hydra\\_%' ORDER BY tablename`,
  );
  const tables = res.rows.map((r) => r.tablename);
  if (!tables.includes('hydra_schema')) return tables.length === 0 ? { kind: 'empty' } : { kind: 'foreign', tables };
  const v = await db.query<{ v: number | null }>(`SELECT max(version) AS v FROM hydra_schema`);
  return { kind: 'versioned', version: v.rows[0]?.v ?? 0 };
}

/** Refuses a state this build cannot use or migrate (foreign tables, newer or unknown versions). */
function refuseUnknown(state: SchemaState, where: string, migrations: readonly Migration[]): void {
  const latest = latestOf(migrations);
  if (state.kind === 'foreign') {
    throw new StoreError(`${where}: has tables ${state.tables.join(', ')} but no hydra_schema: not a Hydra schema this version knows; refusing to touch it`);
  }
  if (state.kind === 'versioned' && state.version > latest) {
    throw new StoreError(`${where}: schema version ${state.version} is newer than this Hydra's (v${latest}); upgrade Hydra`);
  }
  if (state.kind === 'versioned' && state.version !== 0 && !migrations.some((m) => m.version === state.version)) {
    throw new StoreError(`${where}: schema version ${state.version} is not one this Hydra knows (known: ${migrations.map((m) => m.version).join(', ')})`);
  }
}

function latestOf(migrations: readonly Migration[]): number {
  return migrations[migrations.length - 1]?.version ?? 0;
}

function versionOf(state: SchemaState): number {
  return state.kind === 'versioned' ? state.version : 0;
}

/**
 * Applies every pending migration, each in its own transaction under the schema lock (the
 * version is re-read under the lock, so a concurrent migrate does each step once).
 * Returns the version found and the version left. `where` names the database in errors.
 */
/** `migrations`: for tests only (an older or newer Hydra); default this build's. */
export async function migrate(pool: pg.Pool, where = 'PostgreSQL database', migrations: readonly Migration[] = MIGRATIONS): Promise<{ from: number; to: number }> {
  const client = await pool.connect();
  let from: number | undefined;
  let current = 0;
  try {
    for (;;) {
      await client.query('BEGIN');
      try {
        await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
        const state = await readSchemaState(client);
        refuseUnknown(state, where, migrations);
        current = versionOf(state);
        from ??= current;
        const next = migrations.find((m) => m.version > current);
        if (!next) {
          await client.query('COMMIT');
          return { from, to: current };
        }
        await client.query(SCHEMA_TABLE_SQL);
        await client.query(next.sql);
        await client.query('INSERT INTO hydra_schema (version, description) VALUES ($1, $2)', [next.version, next.description]);
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      }
    }
  } catch (e) {
    if (e instanceof StoreError) throw e;
    throw new StoreError(`${where}: migration failed: ${(e as Error).message}`);
  } finally {
    client.release();
  }
}

/**
 * The check at server start: an empty database gets the schema (the quick start stays one
 * command); the current version passes; an older known version asks for `hydra db migrate`
 * (a deliberate step, since other servers may still run the old version); anything else is
 * refused. Returns the version in use.
 */
export async function checkSchema(pool: pg.Pool, where = 'PostgreSQL database', migrations: readonly Migration[] = MIGRATIONS): Promise<number> {
  const latest = latestOf(migrations);
  let state: SchemaState;
  try {
    state = await readSchemaState(pool);
  } catch (e) {
    throw new StoreError(`${where}: cannot read the schema version: ${(e as Error).message}`);
  }
  refuseUnknown(state, where, migrations);
  if (state.kind === 'empty' || (state.kind === 'versioned' && state.version === 0)) return (await migrate(pool, where, migrations)).to;
  const version = versionOf(state);
  if (version < latest) {
    throw new StoreError(`${where}: schema version ${version} is older than this Hydra's (v${latest}); run \`hydra db migrate\``);
  }
  return version;
}
