// Counts, exactly, the distinct clients holding a bound lease in a stopped server's own lease
// file: Hydra's CSV export (`hydra leases export --format csv`) or Kea's lease4 memfile.
// The counting is pure over lines, so it is tested on small texts; the readers stream the file
// (a million leases is ~100 MB of CSV).
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { LeaseSource } from './servers.js';

export interface BoundClients {
  /** Distinct hardware addresses holding a bound lease. */
  distinctClients: number;
  /** Bound leases (one per address); more than distinctClients when a client holds two. */
  boundLeases: number;
  /** Lease records of any state in the file's final view (Kea: after replaying its log). */
  records: number;
  /** Where the count came from (the file and how it was made). */
  source: string;
}

/**
 * Splits one CSV line (RFC 4180 quoting: commas and doubled quotes inside quotes). Hydra quotes
 * a hostname, the only free-text column here; a line break inside one is not expected from
 * perfdhcp's clients, which send none.
 */
export function splitCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(field);
      field = '';
    } else field += c;
  }
  out.push(field);
  return out;
}

/** Incremental counter over a file's lines; `add` each line in order, then `result`. */
export interface LineCounter {
  add(line: string): void;
  result(): Omit<BoundClients, 'source'>;
}

function columnsOf(header: string, required: string[], what: string): Map<string, number> {
  const names = splitCsvLine(header.replace(/^\uFEFF/, '').trimEnd());
  const index = new Map(names.map((n, i) => [n.trim(), i]));
  const missing = required.filter((c) => !index.has(c));
  if (missing.length > 0) throw new Error(`not ${what}: the header lacks ${missing.join(', ')} (header: ${header.slice(0, 200)})`);
  return index;
}

/** Hydra's export: one record per address (offers are never stored), state column `bound`. */
export function hydraCsvCounter(): LineCounter {
  let cols: Map<string, number> | undefined;
  const bound = new Set<string>();
  let boundLeases = 0;
  let records = 0;
  return {
    add(line) {
      if (line.trim() === '') return;
      if (!cols) {
        cols = columnsOf(line, ['address', 'hw_address', 'state'], 'a Hydra lease CSV');
        return;
      }
      const f = splitCsvLine(line.trimEnd());
      records++;
      if (f[cols.get('state')!] !== 'bound') return;
      boundLeases++;
      bound.add(f[cols.get('hw_address')!]!.toLowerCase());
    },
    result: () => ({ distinctClients: bound.size, boundLeases, records }),
  };
}

/**
 * Kea's memfile is a log: the last row for an address wins, and a row with valid_lifetime 0
 * removes the lease (as Kea's own loader does). Bound means state 0 ("default").
 */
export function keaMemfileCounter(): LineCounter {
  let cols: Map<string, number> | undefined;
  const byAddress = new Map<string, { hw: string; bound: boolean }>();
  return {
    add(line) {
      if (line.trim() === '') return;
      if (!cols) {
        cols = columnsOf(line, ['address', 'hwaddr', 'valid_lifetime', 'state'], 'a Kea lease4 memfile');
        return;
      }
      const f = splitCsvLine(line.trimEnd());
      const address = f[cols.get('address')!]!;
      if (Number(f[cols.get('valid_lifetime')!]) === 0) {
        byAddress.delete(address);
        return;
      }
      const state = (f[cols.get('state')!] ?? '').trim() || '0';
      byAddress.set(address, { hw: f[cols.get('hwaddr')!]!.toLowerCase(), bound: state === '0' });
    },
    result() {
      const clients = new Set<string>();
      let boundLeases = 0;
      for (const l of byAddress.values()) {
        if (!l.bound) continue;
        boundLeases++;
        clients.add(l.hw);
      }
      return { distinctClients: clients.size, boundLeases, records: byAddress.size };
    },
  };
}

/** Counts over a whole text (tests, small files). */
export function countLines(counter: LineCounter, text: string): Omit<BoundClients, 'source'> {
  for (const line of text.split('\n')) counter.add(line);
  return counter.result();
}

async function countFile(counter: LineCounter, file: string): Promise<Omit<BoundClients, 'source'>> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) counter.add(line);
  return counter.result();
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}\n${String(stderr)}`));
      else resolve(String(stderr).trim() || String(stdout).trim());
    });
  });
}

/** Reads a stopped server's lease store. Hydra: its own `leases export` into a scratch file, then counted. */
export async function countBoundClients(source: LeaseSource, scratchDir: string): Promise<BoundClients> {
  if (source.kind === 'kea-memfile') {
    return { ...(await countFile(keaMemfileCounter(), source.file)), source: `Kea memfile ${source.file}` };
  }
  const csv = join(scratchDir, 'leases-export.csv');
  const args = [source.main, 'leases', 'export', '--format', 'csv', '--data-dir', source.dataDir, '--output', csv];
  try {
    const summary = await run(process.execPath, args, 300_000);
    return { ...(await countFile(hydraCsvCounter(), csv)), source: `node ${args.join(' ')} (${summary})` };
  } finally {
    await rm(csv, { force: true });
  }
}
