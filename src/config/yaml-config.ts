import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { isMap, LineCounter, parseDocument, type Node } from 'yaml';
import { parseCidr, parseClientId, parseHardwareAddress, parseRangeText } from './address-text.js';
import { ConfigError, IssueList, type Place } from './config-error.js';
import { DEFAULTS, resolveLeaseTimes, type LeaseTimesPartial } from './lease-defaults.js';
import type { ServerConfig } from './model.js';
import { encodeOption } from './option-encoding.js';
import { cidrText, finishSubnets } from './subnet-checks.js';
import type { Located, RangeDraft, ReservationDraft, SubnetDraft } from './subnet-draft.js';
import { readStore } from './store-config.js';
import { YamlReader } from './yaml-reader.js';

// The YAML/JSON configuration file. JSON is YAML, so one reader serves both; every node keeps
// its line and column so each complaint names the place in the file.

const TOP_KEYS = [
  'authoritative', 'offer-hold', 'decline-probation', 'lease-cache-percent', 'lease-time', 'renewal-time', 'rebinding-time',
  'options', 'subnets', 'store',
] as const;
const SUBNET_KEYS = [
  'id', 'name', 'subnet', 'pools', 'exclude', 'lease-time', 'renewal-time', 'rebinding-time', 'options', 'reservations',
] as const;
const LEASE_KEYS = ['default', 'min', 'max'] as const;
const RESERVATION_KEYS = ['hw-address', 'client-id', 'ip-address', 'hostname'] as const;
const POOL_KEYS = ['start', 'end'] as const;

const MAX_SECONDS = 0xffffffff;
/** Exclusions given as a range are expanded; refuse absurd ones rather than allocate millions. */
const MAX_EXCLUDE_RANGE = 65536;

export function loadConfigFile(path: string): ServerConfig {
  const ext = extname(path).toLowerCase();
  if (!['.yaml', '.yml', '.json'].includes(ext)) {
    throw ConfigError.at({ file: path }, `unsupported file type ${JSON.stringify(ext || '(none)')}: expected .yaml, .yml or .json (for a seed pool directory use --pooldir)`);
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw ConfigError.at({ file: path }, `cannot read the file: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return parseConfigText(text, path);
}

/** Parses configuration text; `file` names it in messages and becomes `ServerConfig.source`. */
export function parseConfigText(text: string, file: string): ServerConfig {
  const issues = new IssueList();
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const r = new YamlReader(file, doc, lines, issues);
  for (const e of doc.errors) issues.add(r.placeAtOffset(e.pos[0]), yamlMessage(e.message));
  issues.throwIfAny();
  if (doc.contents === null) throw ConfigError.at({ file }, 'the file is empty: expected a mapping with at least `subnets`');

  const top = new Map((r.entries(doc.contents as Node, '', TOP_KEYS) ?? []).map((e) => [e.key, e]));
  const authoritative = top.has('authoritative') ? r.boolean(top.get('authoritative')!.node, 'authoritative', top.get('authoritative')!.keyAt) : undefined;
  const offerHold = readSeconds(r, top.get('offer-hold'), 1);
  const probation = readSeconds(r, top.get('decline-probation'), 1);
  const cacheEntry = top.get('lease-cache-percent');
  const leaseCache = cacheEntry ? r.integer(cacheEntry.node, cacheEntry.field, 0, 50, cacheEntry.keyAt) : undefined;
  const globalLease = readLeaseTimes(r, top.get('lease-time'));
  const globalT1 = readSeconds(r, top.get('renewal-time'), 1);
  const globalT2 = readSeconds(r, top.get('rebinding-time'), 1);
  const globalOptions = readOptions(r, top.get('options'));
  const store = readStore(r, top.get('store'));
  // With a shared database another server may have changed a lease since this one last saw it:
  // a renewal is confirmed by the database (a write), never answered from the local table alone.
  if (store?.kind === 'postgres' && leaseCache && leaseCache.value > 0) {
    issues.add(r.place(cacheEntry!.node, cacheEntry!.field), 'must be 0 with store type postgres: every renewal is confirmed by the shared database');
  }

  const drafts: SubnetDraft[] = [];
  const subnetsEntry = top.get('subnets');
  if (!subnetsEntry) {
    issues.add({ file, field: 'subnets' }, 'no subnets configured: add a `subnets:` list');
  } else {
    const read = r.items(subnetsEntry.node, 'subnets', subnetsEntry.keyAt);
    const list = read ?? [];
    if (read?.length === 0) issues.add(r.place(subnetsEntry.node, 'subnets'), 'the subnets list is empty');
    list.forEach((item, i) => {
      const d = readSubnet(r, item.node, item.field, i, {
        lease: globalLease,
        ...(globalT1 ? { renewal: globalT1 } : {}),
        ...(globalT2 ? { rebinding: globalT2 } : {}),
        options: globalOptions,
      });
      if (d) drafts.push(d);
    });
  }

  const subnets = finishSubnets(drafts, issues);
  issues.throwIfAny();
  return {
    subnets,
    authoritative: authoritative?.value ?? false,
    offerHoldSeconds: offerHold?.value ?? DEFAULTS.offerHoldSeconds,
    declineProbationSeconds: probation?.value ?? DEFAULTS.declineProbationSeconds,
    leaseCachePercent: leaseCache?.value ?? (store?.kind === 'postgres' ? 0 : DEFAULTS.leaseCachePercent),
    source: file,
    ...(store ? { store } : {}),
  };
}

interface Inherited {
  lease: LeaseTimesPartial;
  renewal?: Located<number>;
  rebinding?: Located<number>;
  options: Map<number, Located<Uint8Array>>;
}

function readSubnet(r: YamlReader, node: Node, field: string, index: number, inherited: Inherited): SubnetDraft | undefined {
  const entries = r.entries(node, field, SUBNET_KEYS);
  if (!entries) return undefined;
  const e = new Map(entries.map((x) => [x.key, x]));
  const at = r.place(node, field);

  const subnetEntry = e.get('subnet');
  if (!subnetEntry) {
    r.issues.add(at, 'missing `subnet` (the network, e.g. 10.77.0.0/24)');
    return undefined;
  }
  const net = r.parsed(subnetEntry.node, subnetEntry.field, parseCidr, subnetEntry.keyAt);
  if (!net) return undefined;
  const { network, prefixLength } = net.value;

  const idEntry = e.get('id');
  const id = idEntry
    ? r.integer(idEntry.node, idEntry.field, 1, MAX_SECONDS, idEntry.keyAt)
    : { value: index + 1, at };
  const nameEntry = e.get('name');
  const name = nameEntry ? r.string(nameEntry.node, nameEntry.field, nameEntry.keyAt)?.value : undefined;

  const ranges: RangeDraft[] = [];
  const pools = e.get('pools');
  if (pools) {
    for (const item of r.items(pools.node, pools.field, pools.keyAt) ?? []) {
      const range = readRange(r, item.node, item.field);
      if (range) ranges.push(range);
    }
  }

  const exclusions: RangeDraft[] = [];
  const exclude = e.get('exclude');
  if (exclude) {
    for (const item of r.items(exclude.node, exclude.field, exclude.keyAt) ?? []) {
      const x = r.parsed(item.node, item.field, parseRangeText);
      if (!x) continue;
      if (x.value.end - x.value.start >= MAX_EXCLUDE_RANGE) {
        r.issues.add(x.at, `an excluded range may hold at most ${MAX_EXCLUDE_RANGE} addresses`);
        continue;
      }
      exclusions.push({ start: x.value.start, end: x.value.end, at: x.at });
    }
  }

  const reservations: ReservationDraft[] = [];
  const res = e.get('reservations');
  if (res) {
    for (const item of r.items(res.node, res.field, res.keyAt) ?? []) {
      const rd = readReservation(r, item.node, item.field);
      if (rd) reservations.push(rd);
    }
  }

  const ownLease = readLeaseTimes(r, e.get('lease-time'));
  const leaseTimes = resolveLeaseTimes(
    {
      default: ownLease.default ?? inherited.lease.default,
      min: ownLease.min ?? inherited.lease.min,
      max: ownLease.max ?? inherited.lease.max,
    },
    readSeconds(r, e.get('renewal-time'), 1) ?? inherited.renewal,
    readSeconds(r, e.get('rebinding-time'), 1) ?? inherited.rebinding,
    at,
  );

  // A subnet's own options override the global ones with the same code.
  const options = new Map(inherited.options);
  for (const [code, v] of readOptions(r, e.get('options'))) options.set(code, v);

  if (!id) return undefined;
  return {
    at,
    id,
    name: name ?? cidrText(network, prefixLength),
    network,
    prefixLength,
    networkAt: net.at,
    ranges,
    exclusions,
    reservations,
    options,
    leaseTimes,
  };
}

function readRange(r: YamlReader, node: Node, field: string): RangeDraft | undefined {
  if (!isMap(r.deref(node))) {
    const x = r.parsed(node, field, parseRangeText);
    return x ? { start: x.value.start, end: x.value.end, at: x.at } : undefined;
  }
  const entries = r.entries(node, field, POOL_KEYS);
  if (!entries) return undefined;
  const e = new Map(entries.map((x) => [x.key, x]));
  const at = r.place(node, field);
  const startE = e.get('start');
  const endE = e.get('end');
  if (!startE || !endE) {
    r.issues.add(at, 'a pool mapping needs both `start` and `end`');
    return undefined;
  }
  const start = r.address(startE.node, startE.field, startE.keyAt);
  const end = r.address(endE.node, endE.field, endE.keyAt);
  return start && end ? { start: start.value, end: end.value, at } : undefined;
}

function readReservation(r: YamlReader, node: Node, field: string): ReservationDraft | undefined {
  const entries = r.entries(node, field, RESERVATION_KEYS);
  if (!entries) return undefined;
  const e = new Map(entries.map((x) => [x.key, x]));
  const at = r.place(node, field);
  const hwE = e.get('hw-address');
  const cidE = e.get('client-id');
  const ipE = e.get('ip-address');
  if (!ipE) r.issues.add(at, 'a reservation needs `ip-address`');
  if (!hwE && !cidE) r.issues.add(at, 'a reservation needs `hw-address` or `client-id`');
  if (hwE && cidE) r.issues.add(at, 'a reservation names the client by `hw-address` or by `client-id`, not both');
  if (!ipE || (!hwE && !cidE) || (hwE && cidE)) return undefined;

  const address = r.address(ipE.node, ipE.field, ipE.keyAt);
  const idE = (hwE ?? cidE)!;
  const id = r.parsed(idE.node, idE.field, hwE ? parseHardwareAddress : parseClientId, idE.keyAt);
  const hostE = e.get('hostname');
  const hostname = hostE ? r.string(hostE.node, hostE.field, hostE.keyAt) : undefined;
  if (hostname && !/^[A-Za-z0-9]([A-Za-z0-9.-]{0,253}[A-Za-z0-9])?$/.test(hostname.value)) {
    r.issues.add(hostname.at, `${JSON.stringify(hostname.value)} is not a valid host name`);
  }
  if (!address || !id) return undefined;
  return {
    reservation: {
      ...(hwE ? { hwAddress: id.value } : { clientId: id.value }),
      address: address.value,
      ...(hostname ? { hostname: hostname.value } : {}),
    },
    at,
    addressAt: address.at,
    identifierAt: id.at,
  };
}

function readSeconds(r: YamlReader, entry: { node: Node | null; field: string; keyAt: Place } | undefined, min: number): Located<number> | undefined {
  return entry ? r.integer(entry.node, entry.field, min, MAX_SECONDS, entry.keyAt) : undefined;
}

/** `lease-time: 3600` (the default) or `lease-time: { default:, min:, max: }`, each optional. */
function readLeaseTimes(r: YamlReader, entry: { node: Node | null; field: string; keyAt: Place } | undefined): LeaseTimesPartial {
  if (!entry) return {};
  if (!isMap(r.deref(entry.node))) {
    const v = readSeconds(r, entry, 1);
    return v ? { default: v } : {};
  }
  const out: LeaseTimesPartial = {};
  for (const x of r.entries(entry.node, entry.field, LEASE_KEYS, entry.keyAt) ?? []) {
    const v = readSeconds(r, x, 1);
    if (v) out[x.key as (typeof LEASE_KEYS)[number]] = v;
  }
  return out;
}

function readOptions(r: YamlReader, entry: { node: Node | null; field: string; keyAt: Place } | undefined): Map<number, Located<Uint8Array>> {
  const out = new Map<number, Located<Uint8Array>>();
  if (!entry) return out;
  const firstAt = new Map<number, Place>();
  for (const x of r.entries(entry.node, entry.field, null, entry.keyAt) ?? []) {
    const at = r.place(x.node, x.field);
    const valueAt = x.node?.range ? at : x.keyAt;
    if (x.node === null || r.json(x.node) === null) {
      r.issues.add(x.keyAt, 'option has no value');
      continue;
    }
    const enc = encodeOption(x.key, r.json(x.node));
    if (!enc.ok) {
      r.issues.add(enc.about === 'key' ? x.keyAt : valueAt, enc.error);
      continue;
    }
    const earlier = firstAt.get(enc.value.code);
    if (earlier) {
      r.issues.add(x.keyAt, `option ${enc.value.code} is already set at line ${earlier.line} (${earlier.field})`);
      continue;
    }
    firstAt.set(enc.value.code, x.keyAt);
    out.set(enc.value.code, { value: enc.value.bytes, at: valueAt });
  }
  return out;
}

// The yaml package appends its own position text; ours is in front already.
function yamlMessage(m: string): string {
  return m.replace(/ at line \d+, column \d+.*$/s, '');
}
