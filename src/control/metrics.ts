import { collectDefaultMetrics, Registry, type Metric } from 'prom-client';
import { MessageType } from '../protocol/message.js';
import { collected, histogramSamples, LeanHistogram, type CollectedMetric, type MetricSample } from './metrics-instruments.js';
import type { ServerStatistics } from './statistics.js';
import { LEASE_STATES, type LeaseGauges } from './statistics-leases.js';

/** Packet counters by name, with the names present (drop reasons are counted under their codes). */
export interface CounterSnapshotSource {
  get(name: string): number;
  snapshot(): Record<string, number>;
}

/** Seconds: from 50 µs (a cached renewal) to 2.5 s (a disk in trouble). */
export const LATENCY_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
/** Records per fdatasync: group commit's effect shows as the mass above 1. */
export const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096];

const RECEIVED_TYPES = ['discover', 'offer', 'request', 'decline', 'ack', 'nak', 'release', 'inform', 'unknown'] as const;
const SENT_TYPES = ['offer', 'ack', 'nak'] as const;
const REPLY_TYPES: Record<number, string> = { [MessageType.Offer]: 'offer', [MessageType.Ack]: 'ack', [MessageType.Nak]: 'nak' };

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * Prometheus metrics for one server. The packet path only touches the instruments made here
 * (`replyLatency`, `storeObserver`); everything else is read from the counters, the lease
 * gauges and the statistics when scraped.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  /** One histogram per reply type, resolved once: observing allocates nothing. */
  private readonly replyLatencyByType = new Map<number, LeanHistogram>();
  private readonly replyLatencyOther = new LeanHistogram(LATENCY_BUCKETS);
  private readonly commitLatency = new LeanHistogram(LATENCY_BUCKETS);
  private readonly syncBatch = new LeanHistogram(BATCH_BUCKETS);
  private readonly reloads = { ok: 0, refused: 0, lastOkAt: 0 };

  constructor(
    private readonly counters: CounterSnapshotSource,
    private readonly gauges: LeaseGauges,
    private readonly statistics: ServerStatistics,
    opts: { processMetrics?: boolean } = {},
  ) {
    for (const t of Object.keys(REPLY_TYPES)) this.replyLatencyByType.set(Number(t), new LeanHistogram(LATENCY_BUCKETS));
    if (opts.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
    for (const m of this.definitions()) this.registry.registerMetric(m as unknown as Metric<string>);
  }

  /** For the packet pipeline: a reply of `replyType` left `seconds` after its request arrived. */
  readonly replyLatency = (replyType: number, seconds: number): void => {
    (this.replyLatencyByType.get(replyType) ?? this.replyLatencyOther).observe(seconds);
  };

  /** For the lease store: per commit, request-to-durable time; per fdatasync, the records it covered. */
  readonly storeObserver = {
    committed: (seconds: number): void => this.commitLatency.observe(seconds),
    synced: (records: number): void => this.syncBatch.observe(records),
  };

  /** More metrics from parts that exist only in some setups (the shared database). */
  register(definitions: readonly CollectedMetric[]): void {
    for (const m of definitions) this.registry.registerMetric(m as unknown as Metric<string>);
  }

  /** For the reloader. */
  reloaded(ok: boolean, at: number): void {
    if (ok) {
      this.reloads.ok++;
      this.reloads.lastOkAt = at;
    } else {
      this.reloads.refused++;
    }
  }

  /** The exposition text (Prometheus text format 0.0.4); serve it with METRICS_CONTENT_TYPE. */
  metricsText(): Promise<string> {
    return this.registry.metrics();
  }

  private definitions(): CollectedMetric[] {
    const c = this.counters;
    return [
      collected('hydra_packets_received_total', 'DHCP packets received, by message type (unknown: no or an unknown type option).', 'counter', () =>
        RECEIVED_TYPES.map((type) => ({ labels: { type }, value: c.get(`pkt4-${type}-received`) })),
      ),
      collected('hydra_packets_sent_total', 'DHCP replies sent, by message type.', 'counter', () =>
        SENT_TYPES.map((type) => ({ labels: { type }, value: c.get(`pkt4-${type}-sent`) })),
      ),
      collected('hydra_packets_dropped_total', 'Packets answered with silence, by reason (parse-failed, or the engine decision code without its drop- prefix).', 'counter', () => {
        const out: MetricSample[] = [{ labels: { reason: 'parse-failed' }, value: c.get('pkt4-parse-failed') }];
        for (const [name, value] of Object.entries(c.snapshot())) {
          if (name.startsWith('drop-')) out.push({ labels: { reason: name.slice(5) }, value });
        }
        return out;
      }),
      collected('hydra_acks_not_durable_total', 'ACKs withheld because their lease could not be made durable.', 'counter', () => [
        { value: c.get('pkt4-ack-not-durable') },
      ]),
      collected('hydra_leases', 'Lease records by subnet id and state.', 'gauge', () => {
        const out: MetricSample[] = [];
        for (const id of this.gauges.subnetIds()) {
          const states = this.gauges.tally(id).states;
          LEASE_STATES.forEach((state, i) => out.push({ labels: { subnet: id, state }, value: states[i]! }));
        }
        return out;
      }),
      collected('hydra_pool_addresses', 'Addresses the subnet can hand out (dynamic range addresses plus reservations).', 'gauge', () =>
        this.statistics.usage().map((u) => ({ labels: { subnet: u.id }, value: u.total })),
      ),
      collected('hydra_pool_utilisation_ratio', 'Bound leases over addresses the subnet can hand out (0 to 1; above 1 while leases outside shrunk ranges run out).', 'gauge', () =>
        this.statistics.usage().map((u) => ({ labels: { subnet: u.id }, value: u.total > 0 ? u.assigned / u.total : 0 })),
      ),
      collected('hydra_reclaimed_leases_total', 'Expired leases and declined addresses returned to their pools.', 'counter', () => [
        { value: this.gauges.total((t) => t.reclaimed) },
      ]),
      collected('hydra_reply_latency_seconds', 'Time from a request arriving to its reply being sent (an ACK includes waiting for its lease to be durable).', 'histogram', () =>
        histogramSamples('hydra_reply_latency_seconds', [
          ...[...this.replyLatencyByType].map(([t, h]) => ({ labels: { type: REPLY_TYPES[t]! }, h })),
        ]),
      ),
      collected('hydra_commit_latency_seconds', 'Time from a lease commit being requested to its records being durable (written and fdatasync\'d).', 'histogram', () =>
        histogramSamples('hydra_commit_latency_seconds', [{ labels: {}, h: this.commitLatency }]),
      ),
      collected('hydra_store_sync_batch_records', 'Lease records made durable by one fdatasync (group commit batch size).', 'histogram', () =>
        histogramSamples('hydra_store_sync_batch_records', [{ labels: {}, h: this.syncBatch }]),
      ),
      collected('hydra_config_reloads_total', 'Configuration reloads, by result (ok, refused).', 'counter', () => [
        { labels: { result: 'ok' }, value: this.reloads.ok },
        { labels: { result: 'refused' }, value: this.reloads.refused },
      ]),
      collected('hydra_config_last_reload_success_timestamp_seconds', 'When a reload last applied a configuration (0: none since start).', 'gauge', () => [
        { value: this.reloads.lastOkAt },
      ]),
    ];
  }
}
