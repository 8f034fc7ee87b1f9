import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { checkSchema, migrate } from '../../src/leases/postgres/migrate.js';
import { openPgPool } from '../../src/leases/postgres/connect.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/leases/postgres/schema.js';
import { StoreError } from '../../src/leases/lease-store.js';
import { openPostgresStore } from '../../src/leases/postgres/postgres-store.js';
import { skipUnlessPostgres, startPostgres, type TestPostgres } from '../support/postgres.js';
import { pgConfig } from './fixtures.js';

const skip = skipUnlessPostgres();

describe('PostgreSQL schema: create, migrate, refuse', { skip, timeout: 120_000 }, () => {
  let pg: TestPostgres;
  before(() => {
    pg = startPostgres();
  });
  after(() => pg?.destroy());

  const reset = (): void => {
    pg.psql('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
  };
  const withPool = async <T>(fn: (pool: ReturnType<typeof openPgPool>) => Promise<T>): Promise<T> => {
    const pool = openPgPool({ url: pg.url }, 2);
    try {
      return await fn(pool);
    } finally {
      await pool.end();
    }
  };

  test('a fresh database is migrated to the current version; a second run changes nothing', async () => {
    reset();
    assert.deepEqual(await withPool((p) => migrate(p)), { from: 0, to: SCHEMA_VERSION });
    assert.deepEqual(await withPool((p) => migrate(p)), { from: SCHEMA_VERSION, to: SCHEMA_VERSION });
    assert.equal(pg.psql('SELECT count(*) FROM hydra_schema').trim(), String(SCHEMA_VERSION));
    assert.equal(pg.psql("SELECT to_regclass('hydra_lease4') IS NOT NULL").trim(), 't');
  });

  test('servers starting together on an empty database create the schema once', async () => {
    reset();
    const versions = await withPool((p) => Promise.all([checkSchema(p), checkSchema(p), migrate(p).then((r) => r.to)]));
    assert.deepEqual(versions, [SCHEMA_VERSION, SCHEMA_VERSION, SCHEMA_VERSION]);
    assert.equal(pg.psql('SELECT count(*) FROM hydra_schema').trim(), String(SCHEMA_VERSION));
  });

  test('a newer schema version is refused by migrate, the start check and the store, naming both versions and the database', async () => {
    reset();
    await withPool((p) => migrate(p));
    pg.psql("INSERT INTO hydra_schema (version, description) VALUES (99, 'from the future')");
    for (const run of [(p: ReturnType<typeof openPgPool>) => migrate(p, 'db X'), (p: ReturnType<typeof openPgPool>) => checkSchema(p, 'db X')]) {
      await withPool((p) =>
        assert.rejects(run(p), (e: unknown) => e instanceof StoreError && /db X/.test(e.message) && /99/.test(e.message) && new RegExp(`v${SCHEMA_VERSION}`).test(e.message)),
      );
    }
    await assert.rejects(openPostgresStore({ config: pgConfig(pg.url), serverName: 'a' }), (e: unknown) => {
      assert.ok(e instanceof StoreError);
      assert.match(e.message, /database hydra on/);
      assert.match(e.message, /99/);
      assert.doesNotMatch(e.message, /password/i);
      return true;
    });
    assert.equal(pg.psql('SELECT max(version) FROM hydra_schema').trim(), '99', 'nothing was written');
  });

  test('an older known version is refused at start with "run hydra db migrate"; migrate then brings it up', async () => {
    reset();
    await withPool((p) => migrate(p));
    // A later Hydra with one more step: this database is at its older v1.
    const next = [...MIGRATIONS, { version: SCHEMA_VERSION + 1, description: 'test step', sql: 'CREATE TABLE hydra_test_step (x int)' }];
    await withPool((p) =>
      assert.rejects(checkSchema(p, 'db Z', next), (e: unknown) => e instanceof StoreError && /db Z/.test(e.message) && /run `hydra db migrate`/.test(e.message)),
    );
    assert.equal(pg.psql("SELECT to_regclass('hydra_test_step') IS NULL").trim(), 't', 'the start check changed nothing');
    assert.deepEqual(await withPool((p) => migrate(p, 'db Z', next)), { from: SCHEMA_VERSION, to: SCHEMA_VERSION + 1 });
    assert.equal(await withPool((p) => checkSchema(p, 'db Z', next)), SCHEMA_VERSION + 1);
    // ...and this build now sees a newer schema than its own.
    await withPool((p) => assert.rejects(checkSchema(p), /newer/));
  });

  test('hydra_* tables without hydra_schema are not ours: refused, not written to', async () => {
    reset();
    pg.psql('CREATE TABLE hydra_lease4 (x int)');
    await withPool((p) => assert.rejects(checkSchema(p, 'db Y'), (e: unknown) => e instanceof StoreError && /db Y/.test(e.message) && /hydra_lease4/.test(e.message)));
    await withPool((p) => assert.rejects(migrate(p), StoreError));
    assert.equal(pg.psql("SELECT to_regclass('hydra_schema') IS NULL").trim(), 't');
  });

  test('an unreachable database is a StoreError naming it', async () => {
    const url = `postgresql://postgres@localhost/nowhere?host=${encodeURIComponent(pg.socketDir)}&port=1`;
    await assert.rejects(openPostgresStore({ config: pgConfig(url), serverName: 'a' }), (e: unknown) => {
      assert.ok(e instanceof StoreError, String(e));
      assert.match(e.message, /database nowhere on .*:1/);
      return true;
    });
  });
});
