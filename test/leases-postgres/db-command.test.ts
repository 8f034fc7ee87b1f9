import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { runDbCommand } from '../../src/cli/db-command.js';
import { SCHEMA_VERSION } from '../../src/leases/postgres/schema.js';
import { skipUnlessPostgres, startPostgres, type TestPostgres } from '../support/postgres.js';

const skip = skipUnlessPostgres();
const MAIN = new URL('../../src/cli/main.js', import.meta.url).pathname;

function capture(): { out: string[]; err: string[]; io: { stdout(t: string): void; stderr(t: string): void } } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: (t) => void out.push(t), stderr: (t) => void err.push(t) } };
}

describe('hydra db migrate', { skip, timeout: 120_000 }, () => {
  let pg: TestPostgres;
  let dir: string;
  before(() => {
    pg = startPostgres();
    dir = mkdtempSync(join(tmpdir(), 'hydra-db-cli-'));
  });
  after(() => {
    pg?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('creates the schema, then says it is current (the real command line, --db-url)', async () => {
    const run = (): Promise<{ stdout: string }> => promisify(execFile)(process.execPath, [MAIN, 'db', 'migrate', '--db-url', pg.url]);
    assert.equal((await run()).stdout, `PostgreSQL database hydra on ${pg.socketDir}:${pg.port}: schema v0 → v${SCHEMA_VERSION}\n`);
    assert.equal((await run()).stdout, `PostgreSQL database hydra on ${pg.socketDir}:${pg.port}: schema is current (v${SCHEMA_VERSION})\n`);
  });

  test('--config takes the database from the store section', async () => {
    const file = join(dir, 'hydra.yaml');
    writeFileSync(file, `store: {type: postgres, url: "${pg.url}"}\nsubnets:\n  - {id: 1, subnet: 10.77.0.0/24, pools: [10.77.0.100-10.77.0.199]}\n`);
    const c = capture();
    const status = await runDbCommand(['migrate', '--config', file], c.io);
    assert.equal(c.err.join(''), '');
    assert.equal(status, 0);
    assert.match(c.out.join(''), /schema is current/);
  });

  test('an unreachable database: exit 1 and one line naming it, no password, no stack', async () => {
    const c = capture();
    const url = `postgresql://postgres:s3cret@localhost/elsewhere?host=${encodeURIComponent(pg.socketDir)}&port=1`;
    assert.equal(await runDbCommand(['migrate', '--db-url', url], c.io), 1);
    const msg = c.err.join('');
    assert.match(msg, /^hydra db: PostgreSQL database elsewhere on .*:1: cannot connect: /);
    assert.doesNotMatch(msg, /s3cret|\n\s+at /);
  });

  test('a newer schema: exit 1 naming both versions', async () => {
    pg.psql("INSERT INTO hydra_schema (version, description) VALUES (99, 'future')");
    const c = capture();
    assert.equal(await runDbCommand(['migrate', '--db-url', pg.url], c.io), 1);
    assert.match(c.err.join(''), /99 is newer than this Hydra's \(v1\)/);
    pg.psql('DELETE FROM hydra_schema WHERE version = 99');
  });

  test('command-line mistakes: exit 2', async () => {
    for (const argv of [['migrate', '--db-url', 'mysql://x'], ['migrate', '--config', 'a', '--db-url', pg.url], ['frobnicate'], ['migrate', '--bogus']]) {
      const c = capture();
      assert.equal(await runDbCommand(argv, c.io), 2, argv.join(' '));
      assert.match(c.err.join(''), /^hydra db: /);
    }
  });
});
