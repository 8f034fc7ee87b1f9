import type { Lease } from '../../engine/types.js';
import { AddressLedger } from './address-ledger.js';
import { csvField, readCsvRecords } from './csv-records.js';
import { HYDRA_COLUMNS, leaseToRecord, recordToLease } from './hydra-record.js';
import type { ParseResult, Problem } from './parse-result.js';

/**
 * Hydra's CSV export: a header line with HYDRA_COLUMNS, then one lease per record (RFC 4180).
 * Times are epoch seconds (see hydra-record.ts). A hostname, when there is one, is always quoted,
 * so an empty field means "no hostname" and `""` means an empty one.
 */
export function exportHydraCsv(leases: Iterable<Lease>): string {
  let out = HYDRA_COLUMNS.join(',') + '\n';
  for (const l of leases) {
    const r = leaseToRecord(l);
    out += [
      r.address, String(r.hw_type), r.hw_address, r.client_id ?? '', r.hostname === null ? '' : csvField(r.hostname, true),
      r.state, String(r.subnet_id), String(r.issued_at), String(r.expires_at),
    ].join(',') + '\n';
  }
  return out;
}

const NUMERIC = new Set<string>(['hw_type', 'subnet_id', 'issued_at', 'expires_at']);

/** Columns may come in any order (matched by header name); unknown columns are ignored. */
export function parseHydraCsv(text: string): ParseResult {
  const problems: Problem[] = [];
  const ledger = new AddressLedger(problems);
  const { records, error } = readCsvRecords(text.replace(/^\uFEFF/, ''));
  if (records.length === 0 && !error) return ledger.result();
  const [header, ...rows] = records;
  if (header) {
    const missing = HYDRA_COLUMNS.filter((c) => !header.fields.includes(c));
    if (missing.length > 0) {
      problems.push({ line: header.line, message: `not a Hydra lease CSV: the header lacks ${missing.join(', ')}` });
      return ledger.result();
    }
    const index = new Map(header.fields.map((name, i) => [name, i]));
    for (const row of rows) {
      if (row.fields.length !== header.fields.length) {
        problems.push({ line: row.line, message: `expected ${header.fields.length} fields, found ${row.fields.length}` });
        continue;
      }
      const raw: Record<string, unknown> = {};
      for (const col of HYDRA_COLUMNS) {
        const i = index.get(col)!;
        const v = row.fields[i]!;
        if (NUMERIC.has(col)) raw[col] = /^\d+(\.\d+)?([eE][+-]?\d+)?$/.test(v) ? Number(v) : v;
        else if (col === 'client_id' || col === 'hostname') raw[col] = v === '' && !row.quoted[i] ? null : v;
        else raw[col] = v;
      }
      const lease = recordToLease(raw);
      if (typeof lease === 'string') problems.push({ line: row.line, message: lease });
      else ledger.put(lease, row.line);
    }
  }
  if (error) problems.push(error);
  return ledger.result();
}
