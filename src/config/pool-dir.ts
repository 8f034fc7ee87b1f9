import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { formatIpv4, maskToPrefix, prefixToMask, type Ipv4 } from '../protocol/ipv4.js';
import { parseClientId, parseHardwareAddress, type Parsed } from './address-text.js';
import { ConfigError, IssueList, fieldPath, type Place } from './config-error.js';
import { describeTerm, parseErlangTerms, type ErlTerm, type ErlTuple } from './erlang-terms.js';
import { DEFAULTS, resolveLeaseTimes } from './lease-defaults.js';
import type { ServerConfig } from './model.js';
import { encodeOption } from './option-encoding.js';
import { broadcastOf, cidrText, finishSubnets } from './subnet-checks.js';
import type { Located, RangeDraft, ReservationDraft, SubnetDraft } from './subnet-draft.js';

// The seed's pool directory: one `{pooldata, {simplepool, [...]}}.` term per file, read with
// the Erlang term reader, turned into the same subnet drafts the YAML loader builds.

/** The seed's option names, and the DHCP option each one is. */
const SEED_OPTION_CODES: ReadonlyMap<string, number> = new Map([
  ['subnet_mask', 1],
  ['router', 3],
  ['dns_server', 6],
  ['domain_name', 15],
  ['broadcast_address', 28],
]);
const POOL_KEYS = ['name', 'range', 'options', 'reservations', 'exclude'];

export function loadPoolDir(dir: string): ServerConfig {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw ConfigError.at({ file: dir }, 'is not a directory');
    names = readdirSync(dir);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw ConfigError.at({ file: dir }, `cannot read the pool directory: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const issues = new IssueList();
  const files = names
    .filter((n) => !n.startsWith('.') && !n.endsWith('~'))
    .sort()
    .map((n) => join(dir, n))
    .filter((p) => statSync(p).isFile());
  if (files.length === 0) throw ConfigError.at({ file: dir }, 'no pool files in the directory');

  const drafts: SubnetDraft[] = [];
  const nameAt = new Map<string, Place>();
  for (const file of files) {
    let terms: ErlTerm[];
    try {
      terms = parseErlangTerms(readFileSync(file, 'utf8'), file);
    } catch (e) {
      issues.absorb(e);
      continue;
    }
    if (terms.length === 0) issues.add({ file }, 'the file holds no pool term');
    for (const term of terms) {
      const d = readPool(file, term, drafts.length + 1, issues);
      if (!d) continue;
      const earlier = nameAt.get(d.name);
      if (earlier) issues.add({ ...d.at, field: 'name' }, `pool name ${JSON.stringify(d.name)} is already used in ${earlier.file}:${earlier.line}`);
      else nameAt.set(d.name, d.at);
      drafts.push(d);
    }
  }
  const subnets = finishSubnets(drafts, issues);
  issues.throwIfAny();
  return {
    subnets,
    authoritative: false,
    offerHoldSeconds: DEFAULTS.offerHoldSeconds,
    leaseCachePercent: DEFAULTS.leaseCachePercent,
    declineProbationSeconds: DEFAULTS.declineProbationSeconds,
    source: dir,
  };
}

const at = (file: string, t: { line: number; column: number }, field?: string): Place => ({
  file,
  line: t.line,
  column: t.column,
  ...(field ? { field } : {}),
});

function isTagged(t: ErlTerm, tag: string): t is ErlTuple {
  return t.kind === 'tuple' && t.elements[0]?.kind === 'atom' && t.elements[0].name === tag;
}

/** `{a,b,c,d}` as an address. */
export function termToAddress(t: ErlTerm): Parsed<Ipv4> {
  if (t.kind !== 'tuple' || t.elements.length !== 4 ||
    !t.elements.every((e) => e.kind === 'integer' && e.value >= 0 && e.value <= 255)) {
    return { ok: false, error: `expected an address like {192,168,1,1}, got ${describeTerm(t)}` };
  }
  const v = t.elements.reduce((n, e) => n * 256 + (e as { value: number }).value, 0);
  return { ok: true, value: v >>> 0 };
}

/** A string literal, or a list of character codes (how Erlang itself sees a string). */
function termToString(t: ErlTerm): string | null {
  if (t.kind === 'string') return t.value;
  if (t.kind === 'list' && t.elements.every((e) => e.kind === 'integer' && e.value >= 0 && e.value <= 0x10ffff)) {
    return String.fromCodePoint(...t.elements.map((e) => (e as { value: number }).value));
  }
  return null;
}

/**
 * An option value in the JSON conventions of the protocol codec: address tuples become dotted
 * text, lists stay lists, strings and numbers stay themselves, true/false are booleans.
 */
function termToJson(t: ErlTerm): unknown {
  switch (t.kind) {
    case 'integer':
    case 'float':
      return t.value;
    case 'string':
      return t.value;
    case 'atom':
      return t.name === 'true' ? true : t.name === 'false' ? false : t.name;
    case 'tuple': {
      const a = termToAddress(t);
      if (a.ok) return formatIpv4(a.value);
      // Pairs of addresses ({dest, router}) read as "dest router", the codec's pair text.
      return t.elements.map(termToJson).join(' ');
    }
    case 'list':
      return t.elements.map(termToJson);
  }
}

function readPool(file: string, term: ErlTerm, position: number, issues: IssueList): SubnetDraft | undefined {
  if (!isTagged(term, 'pooldata') || term.elements.length !== 2) {
    issues.add(at(file, term), `expected {pooldata, {simplepool, [...]}}, got ${describeTerm(term).slice(0, 60)}`);
    return undefined;
  }
  const inner = term.elements[1]!;
  if (inner.kind !== 'tuple' || inner.elements.length !== 2 || inner.elements[0]!.kind !== 'atom') {
    issues.add(at(file, inner), 'expected {simplepool, [...]} inside pooldata');
    return undefined;
  }
  const kind = inner.elements[0]!;
  if (kind.kind === 'atom' && kind.name !== 'simplepool') {
    issues.add(at(file, kind), `unsupported pool type ${kind.name} (only simplepool is known)`);
    return undefined;
  }
  const list = inner.elements[1]!;
  if (list.kind !== 'list') {
    issues.add(at(file, list), `expected the list of pool settings, got ${describeTerm(list).slice(0, 60)}`);
    return undefined;
  }

  const items = new Map<string, ErlTuple>();
  for (const item of list.elements) {
    const tag = item.kind === 'tuple' && item.elements[0]?.kind === 'atom' ? item.elements[0].name : undefined;
    if (!tag || !POOL_KEYS.includes(tag)) {
      issues.add(at(file, item), `unknown pool setting ${describeTerm(item).slice(0, 40)} (expected one of: ${POOL_KEYS.join(', ')})`);
    } else if (items.has(tag)) {
      issues.add(at(file, item, tag), `${tag} is given twice (first at line ${items.get(tag)!.line})`);
    } else {
      items.set(tag, item as ErlTuple);
    }
  }
  const poolAt = at(file, term);
  const fail = (t: { line: number; column: number }, field: string, message: string): undefined => {
    issues.add(at(file, t, field), message);
    return undefined;
  };

  // name
  let name = `pool${position}`;
  const nameT = items.get('name');
  if (nameT) {
    const s = nameT.elements.length === 2 ? termToString(nameT.elements[1]!) : null;
    if (s === null || s === '') fail(nameT, 'name', 'expected {name, "pool name"}');
    else name = s;
  }

  // range
  const rangeT = items.get('range');
  let range: RangeDraft | undefined;
  if (!rangeT) {
    issues.add(poolAt, 'the pool has no {range, {a,b,c,d}, {a,b,c,d}}');
  } else if (rangeT.elements.length !== 3) {
    fail(rangeT, 'range', 'expected {range, {a,b,c,d}, {a,b,c,d}}');
  } else {
    const s = termToAddress(rangeT.elements[1]!);
    const e = termToAddress(rangeT.elements[2]!);
    if (!s.ok) fail(rangeT.elements[1]!, 'range', s.error);
    if (!e.ok) fail(rangeT.elements[2]!, 'range', e.error);
    if (s.ok && e.ok) range = { start: s.value, end: e.value, at: at(file, rangeT, 'range') };
  }

  // options
  const optsT = items.get('options');
  const optionList = optsT ? optsT.elements[1] : undefined;
  if (optsT && (optsT.elements.length !== 2 || optionList?.kind !== 'list')) {
    fail(optsT, 'options', 'expected {options, [{name, value}, ...]}');
  }
  const options = new Map<number, Located<Uint8Array>>();
  const times: { lease_time?: Located<number>; renewal_time?: Located<number>; rebinding_time?: Located<number> } = {};
  let mask: Located<Ipv4> | undefined;
  let broadcast: Located<Ipv4> | undefined;
  for (const opt of optionList?.kind === 'list' ? optionList.elements : []) {
    if (opt.kind !== 'tuple' || opt.elements.length !== 2 ||
      (opt.elements[0]!.kind !== 'atom' && opt.elements[0]!.kind !== 'integer')) {
      fail(opt, 'options', `expected {option_name, value}, got ${describeTerm(opt).slice(0, 40)}`);
      continue;
    }
    const keyT = opt.elements[0]!;
    const key = keyT.kind === 'atom' ? keyT.name : String((keyT as { value: number }).value);
    const field = fieldPath('options', key);
    const valueT = opt.elements[1]!;
    if (key === 'lease_time' || key === 'renewal_time' || key === 'rebinding_time') {
      if (valueT.kind !== 'integer' || valueT.value < 1 || valueT.value > 0xffffffff) {
        fail(valueT, field, `expected a number of seconds, got ${describeTerm(valueT)}`);
      } else {
        times[key] = { value: valueT.value, at: at(file, valueT, field) };
      }
      continue;
    }
    // A list of one address is allowed wherever one address is.
    const single = valueT.kind === 'list' && valueT.elements.length === 1 ? valueT.elements[0]! : valueT;
    if (key === 'subnet_mask' || key === 'broadcast_address') {
      const a = termToAddress(single);
      if (!a.ok) {
        fail(valueT, field, a.error);
        continue;
      }
      if (key === 'subnet_mask') mask = { value: a.value, at: at(file, valueT, field) };
      else broadcast = { value: a.value, at: at(file, valueT, field) };
    }
    const code = SEED_OPTION_CODES.get(key) ?? (/^\d+$/.test(key) ? Number(key) : key.replace(/_/g, '-'));
    const enc = encodeOption(code, termToJson(single));
    if (!enc.ok) {
      const unknown = enc.about === 'key' && enc.error.startsWith('unknown option');
      fail(enc.about === 'key' ? keyT : valueT, field,
        unknown ? `unknown option ${key} (seed names: ${[...SEED_OPTION_CODES.keys()].join(', ')}, lease_time, renewal_time, rebinding_time; or any option-table name in snake_case)` : enc.error);
      continue;
    }
    if (options.has(enc.value.code)) {
      fail(keyT, field, `option ${enc.value.code} is given twice`);
      continue;
    }
    options.set(enc.value.code, { value: enc.value.bytes, at: at(file, valueT, field) });
  }

  // Read before any early return, so their problems are reported together with the others.
  const exclusions = readExclusions(file, items.get('exclude'), issues);
  const reservations = readReservations(file, items.get('reservations'), issues);

  if (!mask) {
    issues.add(optsT ? at(file, optsT, 'options') : poolAt,
      'subnet_mask is required: the pool\'s network is its range under {subnet_mask, {a,b,c,d}}');
    return undefined;
  }
  const prefixLength = maskToPrefix(mask.value);
  if (prefixLength === null) {
    issues.add(mask.at, `subnet mask ${formatIpv4(mask.value)} is not contiguous`);
    return undefined;
  }
  if (!range) return undefined;
  const m = prefixToMask(prefixLength);
  const network = (range.start & m) >>> 0;
  if (((range.end & m) >>> 0) !== network) {
    issues.add(range.at, `range ${formatIpv4(range.start)}-${formatIpv4(range.end)} spans more than one network under subnet mask ${formatIpv4(mask.value)}`);
    return undefined;
  }
  if (broadcast && broadcast.value !== broadcastOf(network, prefixLength)) {
    issues.add(broadcast.at, `broadcast address ${formatIpv4(broadcast.value)} is not the broadcast address of ${cidrText(network, prefixLength)} (${formatIpv4(broadcastOf(network, prefixLength))})`);
  }

  // The seed's lease_time is what the client gets: default and maximum; shorter requests are
  // honoured down to 60 s.
  const lt = times.lease_time;
  const leaseTimes = resolveLeaseTimes(lt ? { default: lt, max: lt } : {}, times.renewal_time, times.rebinding_time, poolAt);

  return {
    at: poolAt,
    id: { value: position, at: poolAt },
    name,
    network,
    prefixLength,
    networkAt: range.at,
    ranges: [range],
    exclusions,
    reservations,
    options,
    leaseTimes,
  };
}

function readExclusions(file: string, t: ErlTuple | undefined, issues: IssueList): RangeDraft[] {
  if (!t) return [];
  const list = t.elements[1];
  if (t.elements.length !== 2 || list?.kind !== 'list') {
    issues.add(at(file, t, 'exclude'), 'expected {exclude, [{a,b,c,d}, ...]}');
    return [];
  }
  const out: RangeDraft[] = [];
  list.elements.forEach((e, i) => {
    const a = termToAddress(e);
    if (a.ok) out.push({ start: a.value, end: a.value, at: at(file, e, fieldPath('exclude', i)) });
    else issues.add(at(file, e, fieldPath('exclude', i)), a.error);
  });
  return out;
}

function readReservations(file: string, t: ErlTuple | undefined, issues: IssueList): ReservationDraft[] {
  if (!t) return [];
  const list = t.elements[1];
  if (t.elements.length !== 2 || list?.kind !== 'list') {
    issues.add(at(file, t, 'reservations'), 'expected {reservations, [{hw, "02:..", {a,b,c,d}}, {client_id, "01:..", {a,b,c,d}}]}');
    return [];
  }
  const out: ReservationDraft[] = [];
  list.elements.forEach((e, i) => {
    const field = fieldPath('reservations', i);
    const kind = e.kind === 'tuple' && e.elements[0]?.kind === 'atom' ? e.elements[0].name : '';
    if (e.kind !== 'tuple' || (kind !== 'hw' && kind !== 'client_id') || e.elements.length < 3 || e.elements.length > 4) {
      issues.add(at(file, e, field), `expected {hw, "02:ac:77:00:0e:01", {a,b,c,d}} or {client_id, "01:02:...", {a,b,c,d}} (optionally a hostname string last), got ${describeTerm(e).slice(0, 50)}`);
      return;
    }
    const [, idT, addrT, hostT] = e.elements as [ErlTerm, ErlTerm, ErlTerm, ErlTerm | undefined];
    const idText = termToString(idT);
    const id = idText === null
      ? { ok: false as const, error: `expected the ${kind === 'hw' ? 'hardware address' : 'client id'} as a string, got ${describeTerm(idT)}` }
      : kind === 'hw' ? parseHardwareAddress(idText) : parseClientId(idText);
    const addr = termToAddress(addrT);
    const host = hostT ? termToString(hostT) : undefined;
    if (!id.ok) issues.add(at(file, idT, field), id.error);
    if (!addr.ok) issues.add(at(file, addrT, field), addr.error);
    if (host === null) issues.add(at(file, hostT!, field), 'expected the hostname as a string');
    if (!id.ok || !addr.ok || host === null) return;
    out.push({
      reservation: {
        ...(kind === 'hw' ? { hwAddress: id.value } : { clientId: id.value }),
        address: addr.value,
        ...(host ? { hostname: host } : {}),
      },
      at: at(file, e, field),
      addressAt: at(file, addrT, field),
      identifierAt: at(file, idT, field),
    });
  });
  return out;
}
