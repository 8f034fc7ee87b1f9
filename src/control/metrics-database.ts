import { BATCH_BUCKETS, LATENCY_BUCKETS } from './metrics.js';
import { collected, histogramSamples, LeanHistogram, type CollectedMetric } from './metrics-instruments.js';

/** What the address-block claims report (the shared-database store's BlockClaims.stats). */
export interface ClaimFigures {
  claimed: number;
  released: number;
  owned: number;
  renewFailures: number;
}

/**
 * The shared database on /metrics: round trips and batch sizes of lease writes, the connection,
 * conflicts lost to other servers, rows learned from them, and address-block claims.
 */
export class DatabaseMetrics {
  private readonly roundTrip = new LeanHistogram(LATENCY_BUCKETS);
  private readonly batch = new LeanHistogram(BATCH_BUCKETS);
  // The writer counts as up from the start (the store reports only changes); the feed reports its connect.
  private readonly connected = { writer: 1, feed: 0 };
  private disconnects = 0;
  private conflicts = 0;
  private feedRows = 0;

  constructor(private readonly claims: () => ClaimFigures | null) {}

  /** One write batch committed: its records and its round trip. */
  readonly batchCommitted = (records: number, seconds: number): void => {
    this.batch.observe(records);
    this.roundTrip.observe(seconds);
  };

  /** The write connections or the change feed went up or down. */
  readonly connection = (link: 'writer' | 'feed', up: boolean): void => {
    if (!up && this.connected[link] === 1) this.disconnects++;
    this.connected[link] = up ? 1 : 0;
  };

  readonly conflicted = (addresses: number): void => {
    this.conflicts += addresses;
  };

  readonly feedApplied = (rows: number): void => {
    this.feedRows += rows;
  };

  definitions(): CollectedMetric[] {
    return [
      collected('hydra_db_round_trip_seconds', 'Time for one lease write batch to commit in the database (one round trip, one transaction).', 'histogram', () =>
        histogramSamples('hydra_db_round_trip_seconds', [{ labels: {}, h: this.roundTrip }]),
      ),
      collected('hydra_db_batch_records', 'Lease records written by one database transaction.', 'histogram', () =>
        histogramSamples('hydra_db_batch_records', [{ labels: {}, h: this.batch }]),
      ),
      collected('hydra_db_connected', 'Whether the lease writes (link=writer) and the change feed (link=feed) are connected to the database (1) or not (0).', 'gauge', () => [
        { labels: { link: 'writer' }, value: this.connected.writer },
        { labels: { link: 'feed' }, value: this.connected.feed },
      ]),
      collected('hydra_db_disconnects_total', 'Times a database link of the lease store went down.', 'counter', () => [{ value: this.disconnects }]),
      collected('hydra_db_conflicts_total', "Lease changes the database refused because another server's client holds the address.", 'counter', () => [
        { value: this.conflicts },
      ]),
      collected('hydra_db_feed_rows_total', 'Lease rows learned from other servers through the change feed.', 'counter', () => [{ value: this.feedRows }]),
      collected('hydra_pool_blocks_owned', 'Address blocks this server has claimed for new allocations.', 'gauge', () => [{ value: this.claims()?.owned ?? 0 }]),
      collected('hydra_pool_block_claims_total', 'Address-block claims, by event (claimed, released, renew-failed).', 'counter', () => {
        const c = this.claims();
        return [
          { labels: { event: 'claimed' }, value: c?.claimed ?? 0 },
          { labels: { event: 'released' }, value: c?.released ?? 0 },
          { labels: { event: 'renew-failed' }, value: c?.renewFailures ?? 0 },
        ];
      }),
    ];
  }
}
