// The live-server registry (hydra_server): each running Hydra server keeps a row fresh, so the
// others know how many share the address blocks, and two live servers can never run under one
// name (block ownership and lease writers are by name). Liveness is judged on the database clock.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { StoreError } from '../lease-store.js';
import { dbErrorText, queryWithin, secondsParam, type Queryable } from './block-pg.js';

/** Another live server (a different instance) runs under this name: a configuration error, not an outage. */
export class ServerNameInUse extends StoreError {
  constructor(
    message: string,
    readonly serverName: string,
  ) {
    super(message);
  }
}

export interface ServerRegistryOptions {
  pool: pg.Pool;
  /** This server's name; unique among live servers. */
  name: string;
  /** A row not refreshed for this long belongs to a dead server and may be taken over. */
  claimSeconds: number;
  /** This process's identity; default a random UUID. */
  instance?: string;
  /** Per-statement timeout, ms; default max(1000, claimSeconds * 500). */
  timeoutMs?: number;
}

export class ServerRegistry {
  readonly name: string;
  readonly instance: string;
  private readonly pool: pg.Pool;
  private readonly claimSeconds: number;
  private readonly timeoutMs: number;

  constructor(opts: ServerRegistryOptions) {
    if (!opts.name) throw new StoreError('server name must not be empty');
    if (!(opts.claimSeconds > 0)) throw new StoreError(`claim-seconds must be positive, got ${opts.claimSeconds}`);
    this.pool = opts.pool;
    this.name = opts.name;
    this.claimSeconds = opts.claimSeconds;
    this.instance = opts.instance ?? randomUUID();
    this.timeoutMs = opts.timeoutMs ?? Math.max(1000, opts.claimSeconds * 500);
  }

  /**
   * Inserts or refreshes this server's row. Refuses (StoreError naming the name) when another
   * instance holds the name and was seen within claimSeconds; a stale holder is taken over.
   */
  async register(db: Queryable = this.pool): Promise<void> {
    const res = await this.q(
      db,
      `INSERT INTO hydra_server AS s (name, instance, started_at, seen_at) VALUES ($1, $2, now(), now())
       ON CONFLICT (name) DO UPDATE
         SET instance = EXCLUDED.instance,
             started_at = CASE WHEN s.instance = EXCLUDED.instance THEN s.started_at ELSE now() END,
             seen_at = now()
         WHERE s.instance = EXCLUDED.instance OR s.seen_at < now() - ${secondsParam(3)}
       RETURNING name`,
      [this.name, this.instance, this.claimSeconds],
    );
    if (res.rowCount === 1) return;
    const holder = await this.q(
      db,
      `SELECT instance, extract(epoch FROM now() - seen_at)::double precision AS ago FROM hydra_server WHERE name = $1`,
      [this.name],
    );
    const row = holder.rows[0] as { instance: string; ago: number } | undefined;
    const seen = row ? `instance ${row.instance}, seen ${row.ago.toFixed(1)} s ago` : 'just now';
    throw new ServerNameInUse(
      `server name "${this.name}" is in use by another live Hydra server (${seen}); ` +
        `give this server its own store server-name, or stop the other one (its row lapses after ${this.claimSeconds} s)`,
      this.name,
    );
  }

  /** Refreshes seen_at; re-registers when the row is gone (which refuses if another live instance took the name). */
  async heartbeat(db: Queryable = this.pool): Promise<void> {
    const res = await this.q(db, `UPDATE hydra_server SET seen_at = now() WHERE name = $1 AND instance = $2`, [
      this.name,
      this.instance,
    ]);
    if (res.rowCount !== 1) await this.register(db);
  }

  /** Servers seen within claimSeconds (this one included once it is registered). */
  async liveServers(db: Queryable = this.pool): Promise<string[]> {
    const res = await this.q(db, `SELECT name FROM hydra_server WHERE seen_at >= now() - ${secondsParam(1)} ORDER BY name`, [
      this.claimSeconds,
    ]);
    return res.rows.map((r: { name: string }) => r.name);
  }

  async liveCount(db: Queryable = this.pool): Promise<number> {
    return (await this.liveServers(db)).length;
  }

  /** Deletes this server's row (clean stop), so the others count one server fewer at once. */
  async leave(db: Queryable = this.pool): Promise<void> {
    await this.q(db, `DELETE FROM hydra_server WHERE name = $1 AND instance = $2`, [this.name, this.instance]);
  }

  private async q(db: Queryable, text: string, values: unknown[]): Promise<pg.QueryResult> {
    try {
      return await queryWithin(db, this.timeoutMs, text, values);
    } catch (e) {
      if (e instanceof StoreError) throw e;
      throw new StoreError(`server registry (${this.name}): ${dbErrorText(e)}`);
    }
  }
}
