// The PostgreSQL schema Hydra creates and migrates itself. Each migration is applied once, in
// order, inside one transaction that also records its version; a database whose recorded version
// is newer than the last one here belongs to a newer Hydra and is refused, never written to.

/** One schema step: `version` is recorded in hydra_schema after `sql` ran. */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'leases, servers, address blocks, change feed',
    sql: `
      CREATE TABLE hydra_lease4 (
        -- IPv4 address as an unsigned 32-bit number: one row per address is what makes
        -- "no address bound to two clients" a database fact.
        address     bigint PRIMARY KEY CHECK (address >= 0 AND address <= 4294967295),
        subnet_id   integer NOT NULL,
        client_key  text NOT NULL,
        hw_type     smallint NOT NULL,
        hw_address  bytea NOT NULL,
        client_id   bytea,
        hostname    text,
        state       text NOT NULL CHECK (state IN ('offered', 'bound', 'released', 'expired', 'declined')),
        -- Seconds since the epoch, as the writing server's clock saw them.
        issued_at   double precision NOT NULL,
        expires_at  double precision NOT NULL,
        -- The server that wrote this version, and the write batch (for the change feed).
        writer      text NOT NULL,
        batch       bigint NOT NULL
      );
      CREATE INDEX hydra_lease4_batch ON hydra_lease4 (batch);
      CREATE INDEX hydra_lease4_client ON hydra_lease4 (client_key);
      CREATE SEQUENCE hydra_batch_seq;

      -- Live Hydra servers: each refreshes seen_at while it runs.
      CREATE TABLE hydra_server (
        name        text PRIMARY KEY,
        instance    text NOT NULL,
        started_at  timestamptz NOT NULL DEFAULT now(),
        seen_at     timestamptz NOT NULL DEFAULT now()
      );

      -- Dynamic ranges cut into blocks; a server allocates new addresses only inside blocks it
      -- has claimed, so servers do not race for the same free address. A claim lapses when its
      -- owner stops renewing it, so a dead server's blocks return to the others.
      CREATE TABLE hydra_pool_block (
        subnet_id      integer NOT NULL,
        first_address  bigint NOT NULL,
        last_address   bigint NOT NULL CHECK (last_address >= first_address),
        owner          text,
        claimed_until  timestamptz,
        PRIMARY KEY (subnet_id, first_address)
      );
      CREATE INDEX hydra_pool_block_owner ON hydra_pool_block (owner);
    `,
  },
];

/** The schema version this build writes and expects. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** The table that records applied migrations (created before the first one runs). */
export const SCHEMA_TABLE_SQL = `
  CREATE TABLE IF NOT EXISTS hydra_schema (
    version      integer PRIMARY KEY,
    description  text NOT NULL,
    migrated_at  timestamptz NOT NULL DEFAULT now()
  )`;

/** NOTIFY channel: payload "<batch>:<writer>" after each committed write batch. */
export const FEED_CHANNEL = 'hydra_lease4';
