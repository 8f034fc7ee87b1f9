import type { ServerConfig } from '../config/model.js';
import type { SubnetUsage, StatisticValue } from './server-control.js';
import { LEASE_STATES, type LeaseGauges } from './statistics-leases.js';

/** Packet counters read by name (runtime/counters.ts, or a sum over workers). */
export interface CounterSource {
  get(name: string): number;
}

/** Kea's packet statistics, counted by the packet pipeline under these exact names. */
export const PACKET_STATISTICS = [
  'pkt4-received',
  'pkt4-discover-received',
  'pkt4-offer-received',
  'pkt4-request-received',
  'pkt4-ack-received',
  'pkt4-nak-received',
  'pkt4-release-received',
  'pkt4-decline-received',
  'pkt4-inform-received',
  'pkt4-unknown-received',
  'pkt4-sent',
  'pkt4-offer-sent',
  'pkt4-ack-sent',
  'pkt4-nak-sent',
  'pkt4-parse-failed',
  'pkt4-receive-drop',
] as const;

/** Counters Hydra adds under Kea-style names (no Kea equivalent). */
export const HYDRA_PACKET_STATISTICS = ['pkt4-ack-not-durable', 'pkt4-processing-failed'] as const;

/** Per subnet, as `subnet[N].<name>`. */
export const SUBNET_STATISTICS = [
  'total-addresses',
  'assigned-addresses',
  'declined-addresses',
  'cumulative-assigned-addresses',
  'reclaimed-leases',
  'reclaimed-declined-addresses',
] as const;

/** Gauges follow the lease table; statistic-reset leaves them alone (Kea's reset of a gauge only makes it wrong). */
const GAUGES = new Set(['total-addresses', 'assigned-addresses', 'declined-addresses']);

const BOUND = LEASE_STATES.indexOf('bound');
const DECLINED = LEASE_STATES.indexOf('declined');

/**
 * The server's statistics under Kea's names (`pkt4-received`, `subnet[1].assigned-addresses`,
 * …): packet counters from the pipeline, lease gauges from LeaseGauges, totals from the running
 * configuration. Each value carries the time it last changed (as first seen by a read: the
 * packet path does not stamp times) or was reset. Resets are baselines, so the raw counters
 * (and the Prometheus counters built on them) stay monotonic.
 */
export class ServerStatistics {
  private readonly baseline = new Map<string, number>();
  private readonly seen = new Map<string, StatisticValue>();

  constructor(
    private readonly counters: CounterSource,
    private readonly gauges: LeaseGauges,
    private readonly config: () => ServerConfig,
    private readonly clock: () => number = () => Date.now() / 1000,
  ) {}

  /** Every statistic, by name, as seen since its last reset. */
  values(): Map<string, StatisticValue> {
    const now = this.clock();
    const out = new Map<string, StatisticValue>();
    for (const [name, raw] of this.raw()) {
      const value = raw - (this.baseline.get(name) ?? 0);
      let s = this.seen.get(name);
      if (!s || s.value !== value) {
        s = { value, at: now };
        this.seen.set(name, s);
      }
      out.set(name, s);
    }
    return out;
  }

  get(name: string): StatisticValue | undefined {
    return this.values().get(name);
  }

  /** Zeroes one statistic (all when undefined); false for a name that does not exist. */
  reset(name?: string): boolean {
    const raw = this.raw();
    const names = name === undefined ? [...raw.keys()] : raw.has(name) ? [name] : null;
    if (!names) return false;
    const now = this.clock();
    for (const n of names) {
      if (GAUGES.has(n.replace(/^subnet\[\d+\]\./, ''))) continue;
      this.baseline.set(n, raw.get(n)!);
      this.seen.set(n, { value: 0, at: now });
    }
    return true;
  }

  /** Kea's `statistic-get-all` arguments: `{ "pkt4-received": [[value, "2026-01-02 03:04:05.678901"]], … }`. */
  snapshot(): Record<string, [number, string][]> {
    const out: Record<string, [number, string][]> = {};
    for (const [name, s] of this.values()) out[name] = [[s.value, keaTimestamp(s.at)]];
    return out;
  }

  /** Address usage per configured subnet and range (for `hydra pools` and pool utilisation). */
  usage(): SubnetUsage[] {
    return this.config().subnets.map((s) => {
      const t = this.gauges.tally(s.id);
      const ranges = t.ranges.map((r) => ({ ...r }));
      return {
        id: s.id,
        name: s.name,
        network: s.network,
        prefixLength: s.prefixLength,
        total: ranges.reduce((n, r) => n + r.total, 0) + s.reservations.length,
        assigned: t.states[BOUND]!,
        declined: t.states[DECLINED]!,
        reservations: s.reservations.length,
        ranges,
      };
    });
  }

  /** Raw (never reset) values by name. */
  private raw(): Map<string, number> {
    const m = new Map<string, number>();
    for (const n of PACKET_STATISTICS) m.set(n, this.counters.get(n));
    for (const n of HYDRA_PACKET_STATISTICS) m.set(n, this.counters.get(n));
    m.set('v4-allocation-fail', this.counters.get('drop-no-free-address'));
    const g = this.gauges;
    m.set('assigned-addresses', g.total((t) => t.states[BOUND]!));
    m.set('declined-addresses', g.total((t) => t.states[DECLINED]!));
    m.set('cumulative-assigned-addresses', g.total((t) => t.cumulativeAssigned));
    m.set('reclaimed-leases', g.total((t) => t.reclaimed));
    m.set('reclaimed-declined-addresses', g.total((t) => t.reclaimedDeclined));
    const usage = new Map(this.usage().map((u) => [u.id, u]));
    for (const id of g.subnetIds()) {
      const t = g.tally(id);
      const p = `subnet[${id}].`;
      m.set(p + 'total-addresses', usage.get(id)?.total ?? 0);
      m.set(p + 'assigned-addresses', t.states[BOUND]!);
      m.set(p + 'declined-addresses', t.states[DECLINED]!);
      m.set(p + 'cumulative-assigned-addresses', t.cumulativeAssigned);
      m.set(p + 'reclaimed-leases', t.reclaimed);
      m.set(p + 'reclaimed-declined-addresses', t.reclaimedDeclined);
    }
    return m;
  }
}

/** Kea's sample time format: local time with microseconds, "YYYY-MM-DD HH:MM:SS.ffffff". */
export function keaTimestamp(epochSeconds: number): string {
  const d = new Date(Math.floor(epochSeconds * 1000));
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const micros = Math.floor((epochSeconds * 1e6) % 1e6);
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(micros, 6)}`;
}
