/**
 * Instruments cheap enough for the packet path, exported through prom-client at scrape time.
 * prom-client's own Histogram.observe hashes its labels and allocates on every call; these
 * observe with a few comparisons and array increments, and labels are fixed when the
 * instrument is made (one instrument per label value, resolved before the first packet).
 */

/** A Prometheus histogram: fixed upper bounds, counts per bucket, sum and count. */
export class LeanHistogram {
  readonly bounds: Float64Array;
  /** counts[i]: observations in (bounds[i-1], bounds[i]]; the last slot is above every bound (+Inf). */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(bounds: readonly number[]) {
    this.bounds = Float64Array.from([...bounds].sort((a, b) => a - b));
    this.counts = new Float64Array(this.bounds.length + 1);
  }

  observe(value: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && value > b[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

export interface MetricSample {
  labels?: Record<string, string | number>;
  value: number;
  /** For histograms: name_bucket, name_sum, name_count. */
  metricName?: string;
}

export type MetricType = 'counter' | 'gauge' | 'histogram';

/**
 * The shape prom-client's Registry renders (its metric objects' `get()`), so our instruments and
 * derived values sit in the same registry as its default process metrics and share its escaping
 * and exposition code.
 */
export interface CollectedMetric {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  get(): Promise<{ name: string; help: string; type: MetricType; values: MetricSample[]; aggregator: 'sum' }>;
  reset(): void;
}

/** A metric whose samples are computed when scraped. */
export function collected(name: string, help: string, type: MetricType, samples: () => MetricSample[]): CollectedMetric {
  return {
    name,
    help,
    type,
    async get() {
      return { name, help, type, values: samples(), aggregator: 'sum' };
    },
    reset() {},
  };
}

/** Samples of histograms sharing a name, one per label set (le, _sum and _count included). */
export function histogramSamples(name: string, parts: readonly { labels: Record<string, string>; h: LeanHistogram }[]): MetricSample[] {
  const out: MetricSample[] = [];
  for (const { labels, h } of parts) {
    let acc = 0;
    for (let i = 0; i < h.bounds.length; i++) {
      acc += h.counts[i]!;
      out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: h.bounds[i]! }, value: acc });
    }
    out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: h.count });
    out.push({ metricName: `${name}_sum`, labels, value: h.sum });
    out.push({ metricName: `${name}_count`, labels, value: h.count });
  }
  return out;
}
