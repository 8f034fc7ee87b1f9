// Scraping a running hydra's /metrics and reading it with a real Prometheus text-format parser
// (parse-prometheus-text-format, a port of the Python client's parser), not with our own code.
import { createRequire } from 'node:module';
import type { HydraProcess } from '../durability/hydra-server.js';
import { findRecord } from '../support/log-records.js';

const require = createRequire(import.meta.url);
const parse = require('parse-prometheus-text-format') as (text: string) => ParsedFamily[];

export interface ParsedFamily {
  name: string;
  help: string;
  type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  metrics: ParsedSample[];
}

export interface ParsedSample {
  labels?: Record<string, string>;
  value?: string;
  buckets?: Record<string, string>;
  count?: string;
  sum?: string;
}

export interface Scrape {
  contentType: string;
  text: string;
  families: Map<string, ParsedFamily>;
}

export async function scrape(controlPort: number): Promise<Scrape> {
  const res = await fetch(`http://127.0.0.1:${controlPort}/metrics`);
  if (res.status !== 200) throw new Error(`GET /metrics answered ${res.status}: ${await res.text()}`);
  const text = await res.text();
  return { contentType: res.headers.get('content-type') ?? '', text, families: new Map(parse(text).map((f) => [f.name, f])) };
}

/** The value of the sample of `family` whose labels include `labels` (NaN when absent). */
export function sampleValue(s: Scrape, family: string, labels: Record<string, string> = {}): number {
  const f = s.families.get(family);
  const m = f?.metrics.find((x) => Object.entries(labels).every(([k, v]) => x.labels?.[k] === v));
  return m?.value === undefined ? NaN : Number(m.value);
}

/**
 * A sample line's value read from the text. The parser folds a labelled histogram's label sets
 * into one (it keeps only the buckets of the last), so per-label histogram values are read
 * here, after the parser has accepted the whole text and declared the family a histogram.
 */
export function lineValue(s: Scrape, series: string): number {
  const line = s.text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? NaN : Number(line.slice(series.length + 1));
}

export function histogram(s: Scrape, family: string, labels: Record<string, string> = {}): ParsedSample | undefined {
  return s.families.get(family)?.metrics.find((x) => Object.entries(labels).every(([k, v]) => x.labels?.[k] === v));
}

/** Reads the management API's port from its start record (--control 127.0.0.1:0 picks one). */
export function controlPortOf(server: HydraProcess): number {
  const r = findRecord(server.stderr, 'management API listening');
  if (!r) throw new Error(`no management API record:\n${server.stderr}`);
  return Number(String(r.address).split(':').pop());
}
