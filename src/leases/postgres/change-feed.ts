// Other servers' committed changes, from LISTEN/NOTIFY on a connection of its own. A notice
// names a batch; the feed reads that batch's current rows (a row since overwritten arrives with
// the later batch's notice). After any break it reconnects with backoff and hands over the
// whole table, since notices sent while it was away are lost.
import type pg from 'pg';
import type { PostgresStoreConfig } from '../../config/model.js';
import type { StoreLog } from '../embedded-store.js';
import { newPgClient } from './connect.js';
import { parseNotice, type FeedNotice } from './batch-writer.js';
import { LEASE_SELECT, type LeaseRow } from './row-codec.js';
import { FEED_CHANNEL } from './schema.js';

export interface FeedSink {
  /** Called just before each read; its value comes back with the result (see the store's `mark`). */
  mark(): number;
  /** Rows of other writers' batches (current versions) and the addresses those batches deleted. */
  changed(rows: LeaseRow[], deleted: number[], mark: number): void;
  /** Every row, after a (re)connect. */
  resynced(rows: LeaseRow[], mark: number): void;
  connection(up: boolean): void;
}

const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 2_000;

export class ChangeFeed {
  private client: pg.Client | null = null;
  private notices: FeedNotice[] = [];
  private needResync = false;
  private active = false;
  private working = false;
  private closed = false;
  private backoff = BACKOFF_MIN_MS;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly cfg: Pick<PostgresStoreConfig, 'url'>,
    private readonly self: string,
    private readonly sink: FeedSink,
    private readonly log: StoreLog,
  ) {}

  /** Connects and LISTENs; throws (the caller's StoreError) when the first connect fails. */
  async start(): Promise<void> {
    await this.connect();
  }

  /** Starts handing changes to the sink (until then notices only queue, so none is missed). */
  activate(): void {
    this.active = true;
    this.kick();
  }

  get connected(): boolean {
    return this.client !== null;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    let client: pg.Client | null = null;
    client = newPgClient(this.cfg, (e) => this.broken(client!, e));
    client.on('end', () => this.broken(client!, new Error('connection ended')));
    client.on('notification', (m) => {
      if (m.channel !== FEED_CHANNEL || m.payload === undefined) return;
      const n = parseNotice(m.payload);
      if (n && n.writer !== this.self) {
        this.notices.push(n);
        this.kick();
      }
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${FEED_CHANNEL}`);
    } catch (e) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      throw e;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.backoff = BACKOFF_MIN_MS;
    this.sink.connection(true);
    this.kick();
  }

  /** The connection failed: forget it, resync after the next connect. Never throws. */
  private broken(client: pg.Client, e: Error): void {
    if (this.client !== client) return;
    this.client = null;
    this.needResync = true;
    this.notices = [];
    this.sink.connection(false);
    if (this.closed) return;
    this.log('warn', 'database change feed lost its connection; reconnecting', { error: e.message });
    client.end().catch(() => undefined);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.timer) return;
    const wait = this.backoff;
    this.backoff = Math.min(this.backoff * 2, BACKOFF_MAX_MS);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect().catch(() => {
        this.needResync = true;
        this.scheduleReconnect();
      });
    }, wait);
    this.timer.unref();
  }

  private kick(): void {
    if (!this.active || this.working || !this.client || this.closed) return;
    if (!this.needResync && this.notices.length === 0) return;
    this.working = true;
    const client = this.client;
    this.work(client)
      .catch((e: unknown) => {
        // A failed read means the connection is in doubt: drop it; the reconnect resyncs.
        if (this.client === client) {
          this.broken(client, e as Error);
          client.end().catch(() => undefined);
        }
      })
      .finally(() => {
        this.working = false;
        this.kick();
      });
  }

  private async work(client: pg.Client): Promise<void> {
    while (this.client === client && !this.closed && (this.needResync || this.notices.length > 0)) {
      const notices = this.notices;
      this.notices = [];
      if (this.needResync || notices.some((n) => n.deleted === '*')) {
        // Notices from now on are handled after the full read; earlier ones it covers.
        this.needResync = false;
        const mark = this.sink.mark();
        const res = await client.query<LeaseRow>(`SELECT ${LEASE_SELECT} FROM hydra_lease4`);
        if (this.client !== client || this.closed) return;
        this.sink.resynced(res.rows, mark);
        continue;
      }
      const batches = [...new Set(notices.map((n) => n.batch))];
      const mark = this.sink.mark();
      const res = await client.query<LeaseRow>(`SELECT ${LEASE_SELECT} FROM hydra_lease4 WHERE batch = ANY($1::bigint[])`, [batches]);
      if (this.client !== client || this.closed) return;
      const deleted: number[] = [];
      for (const n of notices) if (n.deleted !== '*') deleted.push(...n.deleted);
      this.sink.changed(res.rows, deleted, mark);
    }
  }
}
