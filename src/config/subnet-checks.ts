import { formatIpv4, ipv4Bytes, prefixToMask, readIpv4, type Ipv4 } from '../protocol/ipv4.js';
import type { IssueList } from './config-error.js';
import type { AddressRange, SubnetConfig } from './model.js';
import type { RangeDraft, SubnetDraft } from './subnet-draft.js';

// The checks both loaders share: everything about subnets, ranges, reservations and lease times
// that does not depend on the file format. Every problem is added to `issues`; the caller throws.

const SUBNET_MASK = 1;

export function broadcastOf(network: Ipv4, prefixLength: number): Ipv4 {
  return (network | ~prefixToMask(prefixLength)) >>> 0;
}

export function cidrText(network: Ipv4, prefixLength: number): string {
  return `${formatIpv4(network)}/${prefixLength}`;
}

function inside(a: Ipv4, network: Ipv4, prefixLength: number): boolean {
  return a >= network && a <= broadcastOf(network, prefixLength);
}

export function finishSubnets(drafts: SubnetDraft[], issues: IssueList): SubnetConfig[] {
  const subnets = drafts.map((d) => finishSubnet(d, issues));
  checkUniqueIds(drafts, issues);
  checkSubnetOverlaps(drafts, issues);
  checkRangeOverlaps(drafts, issues);
  checkReservedAddresses(drafts, issues);
  return subnets;
}

function finishSubnet(d: SubnetDraft, issues: IssueList): SubnetConfig {
  const net = cidrText(d.network, d.prefixLength);
  const broadcast = broadcastOf(d.network, d.prefixLength);
  // /31 and /32 have no network or broadcast address to protect (RFC 3021).
  const hasSpecial = d.prefixLength <= 30;

  const ranges: AddressRange[] = [];
  for (const r of d.ranges) {
    const text = `${formatIpv4(r.start)}-${formatIpv4(r.end)}`;
    if (r.end < r.start) {
      issues.add(r.at, `range end ${formatIpv4(r.end)} is before start ${formatIpv4(r.start)}`);
      continue;
    }
    if (!inside(r.start, d.network, d.prefixLength) || !inside(r.end, d.network, d.prefixLength)) {
      issues.add(r.at, `range ${text} is not inside subnet ${net}`);
      continue;
    }
    // The network and broadcast addresses are never leased: trim them off instead of refusing.
    let start = r.start;
    let end = r.end;
    if (hasSpecial && start === d.network) start++;
    if (hasSpecial && end === broadcast) end--;
    if (end < start) {
      issues.add(r.at, `range ${text} holds only the network or broadcast address of ${net}`);
      continue;
    }
    ranges.push({ start, end });
  }

  const exclusions: Ipv4[] = [];
  for (const x of d.exclusions) {
    const text = x.start === x.end ? formatIpv4(x.start) : `${formatIpv4(x.start)}-${formatIpv4(x.end)}`;
    if (x.end < x.start) {
      issues.add(x.at, `excluded range end ${formatIpv4(x.end)} is before start ${formatIpv4(x.start)}`);
    } else if (!inside(x.start, d.network, d.prefixLength) || !inside(x.end, d.network, d.prefixLength)) {
      issues.add(x.at, `excluded ${text} is not inside subnet ${net}`);
    } else if (!d.ranges.some((r) => x.start >= r.start && x.end <= r.end)) {
      // Most likely a typo: an exclusion outside every range would change nothing.
      issues.add(x.at, `excluded ${text} is not inside any range of this subnet`);
    } else {
      for (let a = x.start; a <= x.end; a++) if (!exclusions.includes(a)) exclusions.push(a);
    }
  }

  const seenIds = new Map<string, RangeDraft['at']>();
  for (const r of d.reservations) {
    const a = r.reservation.address;
    if (!inside(a, d.network, d.prefixLength)) {
      issues.add(r.addressAt, `reserved address ${formatIpv4(a)} is not inside subnet ${net}`);
    } else if (hasSpecial && (a === d.network || a === broadcast)) {
      issues.add(r.addressAt, `reserved address ${formatIpv4(a)} is the ${a === d.network ? 'network' : 'broadcast'} address of ${net}`);
    }
    const key = r.reservation.hwAddress
      ? `hw-address ${hex(r.reservation.hwAddress)}`
      : `client-id ${hex(r.reservation.clientId ?? new Uint8Array(0))}`;
    const earlier = seenIds.get(key);
    if (earlier) issues.add(r.identifierAt, `${key} is already reserved in this subnet (${placeText(earlier)})`);
    else seenIds.set(key, r.identifierAt);
  }

  checkLeaseTimes(d, issues);

  const options = new Map<number, Uint8Array>();
  const mask = prefixToMask(d.prefixLength);
  const configuredMask = d.options.get(SUBNET_MASK);
  if (configuredMask) {
    const v = configuredMask.value;
    if (v.length !== 4 || readIpv4(v, 0) !== mask) {
      const shown = v.length === 4 ? formatIpv4(readIpv4(v, 0)) : `${v.length} bytes`;
      issues.add(configuredMask.at, `subnet-mask ${shown} does not match the prefix of ${net} (${formatIpv4(mask)})`);
    }
  } else {
    // Clients need the mask; derive it from the prefix rather than make every config repeat it.
    options.set(SUBNET_MASK, ipv4Bytes(mask));
  }
  for (const [code, v] of d.options) options.set(code, v.value);

  const lt = d.leaseTimes;
  return {
    id: d.id.value,
    name: d.name,
    network: d.network,
    prefixLength: d.prefixLength,
    ranges,
    exclusions,
    reservations: d.reservations.map((r) => r.reservation),
    options,
    leaseTimes: {
      default: lt.default.value,
      min: lt.min.value,
      max: lt.max.value,
      ...(lt.renewal ? { renewal: lt.renewal.value } : {}),
      ...(lt.rebinding ? { rebinding: lt.rebinding.value } : {}),
    },
  };
}

function checkLeaseTimes(d: SubnetDraft, issues: IssueList): void {
  const { min, max, renewal, rebinding } = d.leaseTimes;
  const def = d.leaseTimes.default;
  if (min.value > def.value) issues.add(min.at, `minimum lease time ${min.value} is greater than the default ${def.value}`);
  if (def.value > max.value) issues.add(max.at, `maximum lease time ${max.value} is less than the default ${def.value}`);
  if (renewal && renewal.value >= def.value) {
    issues.add(renewal.at, `renewal time (T1) ${renewal.value} must be less than the lease time ${def.value}`);
  }
  if (rebinding && rebinding.value >= def.value) {
    issues.add(rebinding.at, `rebinding time (T2) ${rebinding.value} must be less than the lease time ${def.value}`);
  }
  if (renewal && rebinding && renewal.value >= rebinding.value) {
    issues.add(renewal.at, `renewal time (T1) ${renewal.value} must be less than the rebinding time (T2) ${rebinding.value}`);
  }
}

function checkUniqueIds(drafts: SubnetDraft[], issues: IssueList): void {
  const seen = new Map<number, SubnetDraft>();
  for (const d of drafts) {
    const other = seen.get(d.id.value);
    if (other) issues.add(d.id.at, `subnet id ${d.id.value} is already used by subnet ${other.name} (${placeText(other.id.at)})`);
    else seen.set(d.id.value, d);
  }
}

function checkSubnetOverlaps(drafts: SubnetDraft[], issues: IssueList): void {
  const sorted = [...drafts].sort((a, b) => a.network - b.network);
  let widest: SubnetDraft | undefined;
  for (const d of sorted) {
    if (widest && d.network <= broadcastOf(widest.network, widest.prefixLength)) {
      const [first, second] = placeOrder(widest, d);
      issues.add(second.networkAt,
        `subnet ${cidrText(second.network, second.prefixLength)} overlaps subnet ${cidrText(first.network, first.prefixLength)} (${placeText(first.networkAt)})`);
    }
    if (!widest || broadcastOf(d.network, d.prefixLength) > broadcastOf(widest.network, widest.prefixLength)) widest = d;
  }
}

function checkRangeOverlaps(drafts: SubnetDraft[], issues: IssueList): void {
  const all = drafts.flatMap((d) => d.ranges.filter((r) => r.start <= r.end));
  all.sort((a, b) => a.start - b.start || a.end - b.end);
  let reach: RangeDraft | undefined;
  for (const r of all) {
    if (reach && r.start <= reach.end) {
      const [first, second] = placeOrder(reach, r);
      issues.add(second.at,
        `range ${formatIpv4(second.start)}-${formatIpv4(second.end)} overlaps range ${formatIpv4(first.start)}-${formatIpv4(first.end)} (${placeText(first.at)})`);
    }
    if (!reach || r.end > reach.end) reach = r;
  }
}

function checkReservedAddresses(drafts: SubnetDraft[], issues: IssueList): void {
  const seen = new Map<Ipv4, RangeDraft['at']>();
  for (const d of drafts) {
    for (const r of d.reservations) {
      const a = r.reservation.address;
      const earlier = seen.get(a);
      if (earlier) issues.add(r.addressAt, `address ${formatIpv4(a)} is already reserved (${placeText(earlier)})`);
      else seen.set(a, r.addressAt);
    }
  }
}

interface HasPlace {
  at?: RangeDraft['at'];
  networkAt?: RangeDraft['at'];
}

// Report the later-written of two clashing items, pointing back at the earlier one.
function placeOrder<T extends HasPlace>(a: T, b: T): [T, T] {
  const pa = a.networkAt ?? a.at!;
  const pb = b.networkAt ?? b.at!;
  const ka = [pa.file, pa.line ?? 0, pa.column ?? 0] as const;
  const kb = [pb.file, pb.line ?? 0, pb.column ?? 0] as const;
  const aFirst = ka[0] < kb[0] || (ka[0] === kb[0] && (ka[1] < kb[1] || (ka[1] === kb[1] && ka[2] <= kb[2])));
  return aFirst ? [a, b] : [b, a];
}

function placeText(p: RangeDraft['at']): string {
  let s = p.file;
  if (p.line !== undefined) s += `:${p.line}`;
  return p.field ? `${s} ${p.field}` : s;
}

export function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
}
