import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '../config/config-error.js';
import { loadConfig } from '../config/load-config.js';
import type { Lease, LeaseChange } from '../engine/types.js';
import { openEmbeddedStore } from '../leases/embedded-store.js';
import { parseDhcpdLeases } from '../leases/formats/dhcpd-leases.js';
import { exportHydraCsv, parseHydraCsv } from '../leases/formats/hydra-csv.js';
import { exportHydraJson, parseHydraJson } from '../leases/formats/hydra-json.js';
import { parseKeaMemfile } from '../leases/formats/kea-memfile.js';
import type { LeaseParser } from '../leases/formats/parse-result.js';
import { assignSubnets } from '../leases/formats/subnet-mapping.js';
import { StoreError } from '../leases/lease-store.js';
import { CliError } from './cli-error.js';
import { REMOTE_LEASE_COMMANDS, remoteUsage, runRemoteCommand } from './remote-commands.js';

export const DEFAULT_DATA_DIR = 'hydra-data';

export function leasesUsage(): string {
  return `Usage: hydra leases export [--format json|csv] [--output FILE] [--data-dir DIR]
       hydra leases import FILE --format hydra-json|hydra-csv|kea-csv|dhcpd
                           [--config FILE | -D DIR] [--data-dir DIR] [--replace] [--dry-run]

export  Writes every lease record the store holds: bound, released, expired and declined
        (released and expired records keep a client's address for its return; declined
        ones keep an address out of use until their probation ends). Offers are never
        stored, so never exported. Output goes to stdout unless --output is given.
          --format json   (default) {"format":"hydra-leases","version":1,"exported_at":...,
                          "leases":[...]}, one lease object per line
          --format csv    header: address,hw_type,hw_address,client_id,hostname,state,
                          subnet_id,issued_at,expires_at
        In both, times are epoch seconds (UTC) exactly as stored, byte strings colon hex,
        client_id/hostname empty (CSV) or null (JSON) when the client sent none.

import  Reads FILE, gives each lease the configured subnet that holds its address (the
        subnet ids in the file are not used), and merges the leases into the store: a
        record for the same address is replaced. Formats:
          hydra-json, hydra-csv   what 'hydra leases export' writes
          kea-csv                 Kea's lease4 memfile (kea-leases4.csv, Kea 1.x to 3.x)
          dhcpd                   ISC dhcpd's dhcpd.leases
        Kea and dhcpd files are logs: the last record for an address wins. Lines that cannot
        be read, addresses in no configured subnet, dhcpd's abandoned and backup leases,
        and the earlier of two clients bound to one address at once are reported as
        FILE:LINE: message and skipped. The summary is 'imported N leases (M skipped)'.
          --config FILE, -D DIR   the server's configuration (as for the server; default
                                  the built-in examples/default.yaml)
          --replace               remove every stored lease that is not in FILE
          --dry-run               read, check and report; change nothing

  --data-dir DIR  The server's lease store (default ./${DEFAULT_DATA_DIR}). Export and import
                  take the store's lock: they are refused while a server runs on DIR. Stop
                  the server first; it loads the imported leases when it starts.

Exit status: 0 done (skipped records are reported, not fatal), 1 the store, configuration or
FILE could not be used (or FILE held no readable lease), 2 a mistake on the command line.
`;
}

/** Where the command writes; tests pass their own. */
export interface CommandOutput {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Seconds since the epoch, for exported_at. */
  now(): number;
}

const processOutput: CommandOutput = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
  now: () => Date.now() / 1000,
};

const IMPORT_FORMATS: Record<string, LeaseParser> = {
  'hydra-json': parseHydraJson,
  'hydra-csv': parseHydraCsv,
  'kea-csv': parseKeaMemfile,
  dhcpd: parseDhcpdLeases,
};

/** Leases per commit: bounds the memory one batch holds; upserts go before removals (see import). */
const COMMIT_CHUNK = 50_000;

/**
 * `hydra leases …`: argv is what follows `leases` (`['export', '--format', 'csv']`).
 * Returns the exit status; never throws for a user's mistake.
 */
export async function runLeasesCommand(argv: string[], out: CommandOutput = processOutput): Promise<number> {
  const fail = (message: string, status: number): number => {
    out.stderr(`hydra leases: ${message}\n`);
    return status;
  };
  try {
    const [sub, ...rest] = argv;
    if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
      out.stdout(leasesUsage() + '\n' + remoteUsage());
      return sub === undefined ? 2 : 0;
    }
    if (sub === 'export') return await runExport(rest, out);
    if (sub === 'import') return await runImport(rest, out);
    // list/show/release ask a running server through its management API.
    if ((REMOTE_LEASE_COMMANDS as readonly string[]).includes(sub)) return await runRemoteCommand(sub, rest, true, out);
    throw new CliError(`unknown subcommand '${sub}': expected export, import, list, show or release (see hydra leases --help)`);
  } catch (e) {
    if (e instanceof CliError) return fail(e.message, 2);
    if (e instanceof StoreError || e instanceof ConfigError) return fail(e.message, 1);
    const err = e as NodeJS.ErrnoException;
    if (typeof err.code === 'string' && typeof err.path === 'string') return fail(`${err.path}: ${ioReason(err)}`, 1);
    throw e;
  }
}

function ioReason(err: NodeJS.ErrnoException): string {
  if (err.code === 'ENOENT') return 'no such file';
  if (err.code === 'EACCES' || err.code === 'EPERM') return 'permission denied';
  if (err.code === 'EISDIR') return 'is a directory';
  return err.message;
}

/** parseArgs, with its complaints turned into one-line CliErrors. */
function parseFlags<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw new CliError((e as Error).message.split('\n')[0]!.replace(/\. To specify a positional.*$/, ''));
  }
}

async function openStore(dataDir: string, out: CommandOutput) {
  const store = await openEmbeddedStore({
    dataDir: resolve(dataDir),
    log: (level, message) => {
      if (level !== 'info') out.stderr(`hydra leases: ${message}\n`);
    },
  });
  try {
    const loaded = await store.load();
    for (const d of loaded.dropped) out.stderr(`hydra leases: store: ${d.place}: ${d.reason} (left out)\n`);
    return { store, leases: loaded.leases };
  } catch (e) {
    await store.close();
    throw e;
  }
}

async function runExport(args: string[], out: CommandOutput): Promise<number> {
  const fail = (message: string): number => {
    out.stderr(`hydra leases: ${message}\n`);
    return 1;
  };
  const { values, positionals } = parseFlags(() => parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: {
      format: { type: 'string' },
      output: { type: 'string', short: 'o' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
  if (values.help) {
    out.stdout(leasesUsage());
    return 0;
  }
  if (positionals.length > 0) throw new CliError(`export: unexpected argument '${positionals[0]}'`);
  const format = values.format ?? 'json';
  if (format !== 'json' && format !== 'csv') throw new CliError(`export: --format: expected json or csv, got '${format}'`);

  const dataDir = values['data-dir'] ?? DEFAULT_DATA_DIR;
  // Opening a store creates its directory; a mistyped path must not export an empty file.
  if (!existsSync(dataDir)) return fail(`no lease store at ${resolve(dataDir)} (see --data-dir)`);
  const { store, leases } = await openStore(dataDir, out);
  await store.close();
  const records = leases.filter((l) => l.state !== 'offered').sort((a, b) => a.address - b.address);
  const text = format === 'csv' ? exportHydraCsv(records) : exportHydraJson(records, out.now());
  const output = values.output;
  if (output === undefined) out.stdout(text);
  else {
    // Whole or not at all: a reader never sees half an export under the final name.
    const tmp = `${output}.tmp-${process.pid}`;
    await writeFile(tmp, text);
    await rename(tmp, output);
  }
  const count = (s: string) => records.filter((l) => l.state === s).length;
  out.stderr(`exported ${records.length} leases (bound ${count('bound')}, released ${count('released')}, ` +
    `expired ${count('expired')}, declined ${count('declined')})\n`);
  return 0;
}

async function runImport(args: string[], out: CommandOutput): Promise<number> {
  const { values, positionals } = parseFlags(() => parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: {
      format: { type: 'string' },
      config: { type: 'string', short: 'c' },
      pooldir: { type: 'string', short: 'D' },
      'data-dir': { type: 'string' },
      replace: { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
  if (values.help) {
    out.stdout(leasesUsage());
    return 0;
  }
  if (positionals.length !== 1) {
    throw new CliError(positionals.length === 0 ? 'import: give the file to import' : `import: unexpected argument '${positionals[1]}'`);
  }
  const file = positionals[0]!;
  const format = values.format;
  if (format === undefined) throw new CliError(`import: --format is required: ${Object.keys(IMPORT_FORMATS).join(', ')}`);
  const parse = IMPORT_FORMATS[format];
  if (!parse) throw new CliError(`import: --format: expected one of ${Object.keys(IMPORT_FORMATS).join(', ')}, got '${format}'`);
  if (values.config !== undefined && values.pooldir !== undefined) {
    throw new CliError('import: --config and -D/--pooldir are alternatives: give one of them');
  }

  const config = loadConfig({ configFile: values.config, poolDir: values.pooldir });
  const text = await readFile(file, 'utf8');
  const result = assignSubnets(parse(text), config.subnets);
  for (const p of result.problems) out.stderr(`${file}:${p.line}: ${p.message}\n`);
  const summary = `${result.leases.length} leases (${result.problems.length} skipped)`;
  if (result.leases.length === 0 && result.problems.length > 0) {
    // Likely the wrong --format: never let such a file touch the store (least of all with --replace).
    out.stderr(`hydra leases: ${file}: no lease could be read; the store is unchanged\n`);
    return 1;
  }
  if (values['dry-run']) {
    out.stdout(`would import ${summary}; dry run, the store is unchanged\n`);
    return 0;
  }

  const { store, leases: stored } = await openStore(values['data-dir'] ?? DEFAULT_DATA_DIR, out);
  try {
    const imported = new Set(result.leases.map((l) => l.address));
    const changes: LeaseChange[] = result.leases.map((lease: Lease) => ({ kind: 'upsert', lease }));
    // Removals last: a crash part-way leaves a superset of the wanted state, never less.
    const removals = values.replace ? stored.filter((l) => !imported.has(l.address)) : [];
    for (const l of removals) changes.push({ kind: 'delete', address: l.address });
    for (let i = 0; i < changes.length; i += COMMIT_CHUNK) await store.commit(changes.slice(i, i + COMMIT_CHUNK));
    const replaced = stored.filter((l) => imported.has(l.address)).length;
    out.stdout(`imported ${summary}\n`);
    if (replaced > 0) out.stdout(`replaced ${replaced} stored records for the same addresses\n`);
    if (values.replace) out.stdout(`removed ${removals.length} stored records not in ${file}\n`);
  } finally {
    await store.close();
  }
  return 0;
}
