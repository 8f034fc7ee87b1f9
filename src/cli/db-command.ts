import { parseArgs } from 'node:util';
import { ConfigError } from '../config/config-error.js';
import { loadConfigFile } from '../config/yaml-config.js';
import { StoreError } from '../leases/lease-store.js';
import { describeDatabase, openPgPool } from '../leases/postgres/connect.js';
import { migrate } from '../leases/postgres/migrate.js';
import { CliError } from './cli-error.js';

export function dbUsage(): string {
  return `Usage: hydra db migrate [--config FILE | --db-url URL]

migrate  Creates Hydra's tables in an empty PostgreSQL database, or brings an older
         Hydra schema up to this version's. Safe to run while servers start (they wait
         for it) and more than once. A server creates the schema of an empty database by
         itself, but refuses an older one: stop the old servers, run this, start the new.
           --config FILE   take the database from FILE's store section (type: postgres)
           --db-url URL    postgres://user@host:port/database
         Neither: the PG* environment variables (PGHOST, PGPORT, PGDATABASE, PGUSER,
         PGPASSWORD), as for psql.

Exit status: 0 done, 1 the database could not be reached or its schema is not one this
Hydra can migrate (newer, unknown), 2 a mistake on the command line.
`;
}

export interface DbCommandOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

const processOutput: DbCommandOutput = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
};

/** `hydra db …`: argv is what follows `db`. Returns the exit status; never throws for a user's mistake. */
export async function runDbCommand(argv: string[], out: DbCommandOutput = processOutput): Promise<number> {
  try {
    const [sub, ...rest] = argv;
    if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
      out.stdout(dbUsage());
      return sub === undefined ? 2 : 0;
    }
    if (sub === 'migrate') return await runMigrate(rest, out);
    throw new CliError(`unknown subcommand '${sub}': expected migrate (see hydra db --help)`);
  } catch (e) {
    if (e instanceof CliError) {
      out.stderr(`hydra db: ${e.message}\n`);
      return 2;
    }
    if (e instanceof StoreError || e instanceof ConfigError) {
      out.stderr(`hydra db: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

async function runMigrate(argv: string[], out: DbCommandOutput): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { config: { type: 'string', short: 'c' }, 'db-url': { type: 'string' } }, strict: true }));
  } catch (e) {
    throw new CliError((e as Error).message.split('\n')[0]!);
  }
  if (values.config !== undefined && values['db-url'] !== undefined) throw new CliError('--config and --db-url are alternatives: give one of them');
  let url: string | undefined = values['db-url'];
  if (url !== undefined && !/^postgres(ql)?:\/\//.test(url)) throw new CliError(`--db-url: expected a postgres:// or postgresql:// URL`);
  if (values.config !== undefined) {
    const store = loadConfigFile(values.config).store;
    if (store?.kind !== 'postgres') throw new CliError(`${values.config}: the store is not PostgreSQL (store: {type: postgres, url: ...})`);
    url = store.url;
  }
  const cfg = url === undefined ? {} : { url };
  const where = describeDatabase(cfg);
  const pool = openPgPool(cfg, 1);
  try {
    let result;
    try {
      result = await migrate(pool, where);
    } catch (e) {
      if (e instanceof StoreError) throw e;
      throw new StoreError(`${where}: cannot connect: ${(e as Error).message}`);
    }
    out.stdout(result.from === result.to ? `${where}: schema is current (v${result.to})\n` : `${where}: schema v${result.from} → v${result.to}\n`);
    return 0;
  } finally {
    await pool.end().catch(() => undefined);
  }
}
