import { clientKeyOf } from '../../engine/client-identity.js';
import type { Lease, LeaseState } from '../../engine/types.js';
import { parseIpv4 } from '../../protocol/ipv4.js';
import { AddressLedger } from './address-ledger.js';
import { parseHexBytes } from './hex-text.js';
import type { ParseResult, Problem } from './parse-result.js';

/**
 * Kea's DHCPv4 memfile (`kea-leases4.csv`, CSVLeaseFile4), Kea 1.x to 3.x:
 *   address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context[,pool_id]
 * Columns are found by header name, so older files (no state/user_context) and newer ones
 * (pool_id) read alike. Kea writes no quotes: its fields escape a comma, '&' and non-printable
 * bytes as `&#xHH`. The file is a log: a later row for an address replaces the earlier one, and a
 * row with valid_lifetime 0 removes the lease (Kea's LeaseFileLoader does the same).
 * `expire` is epoch seconds; the lease began at expire - valid_lifetime. Kea's subnet_id is not
 * kept (ids differ between servers): subnetId is 0 here and the importer maps by address.
 */
const REQUIRED = ['address', 'hwaddr', 'client_id', 'valid_lifetime', 'expire', 'hostname'] as const;

/** Kea's lease states (lease.h): 3 = released arrived with lease affinity in Kea 2.7/3.0. */
const KEA_STATES: Record<string, LeaseState> = { '0': 'bound', '1': 'declined', '2': 'expired', '3': 'released' };

/** Kea writes hardware addresses without their type; like Kea we take Ethernet. */
const ETHERNET = 1;

export function parseKeaMemfile(text: string): ParseResult {
  const problems: Problem[] = [];
  const ledger = new AddressLedger(problems);
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  let col: Map<string, number> | null = null;
  let width = 0;
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const row = lines[i]!.replace(/\r$/, '');
    if (row.trim() === '') continue;
    const fields = row.split(',');
    if (col === null) {
      col = new Map(fields.map((name, k) => [name.trim(), k]));
      width = fields.length;
      const missing = REQUIRED.filter((c) => !col!.has(c));
      if (missing.length > 0) {
        problems.push({ line: lineNo, message: `not a Kea lease4 memfile: the header lacks ${missing.join(', ')}` });
        return ledger.result();
      }
      continue;
    }
    // Kea's own loader rejects rows whose width differs from the header's.
    if (fields.length !== width) {
      problems.push({ line: lineNo, message: `expected ${width} fields as in the header, found ${fields.length}` });
      continue;
    }
    const get = (name: string): string | undefined => {
      const k = col!.get(name);
      return k === undefined ? undefined : fields[k]!;
    };
    const r = readRow(get);
    if (typeof r === 'string') problems.push({ line: lineNo, message: r });
    else if (r.kind === 'remove') ledger.remove(r.address);
    else ledger.put(r.lease, lineNo);
  }
  return ledger.result();
}

type Row = { kind: 'lease'; lease: Lease } | { kind: 'remove'; address: number };

function readRow(get: (name: string) => string | undefined): Row | string {
  const addressText = get('address')!;
  const address = parseIpv4(addressText);
  if (address === null) return `address: expected an IPv4 address, got '${addressText}'`;
  const valid = uint(get('valid_lifetime')!);
  if (valid === null) return `valid_lifetime: expected seconds, got '${get('valid_lifetime')}'`;
  const expire = uint(get('expire')!);
  if (expire === null) return `expire: expected epoch seconds, got '${get('expire')}'`;
  if (valid === 0) return { kind: 'remove', address };
  const stateText = (get('state') ?? '').trim() || '0'; // files older than Kea 1.1 have no state column
  const state = KEA_STATES[stateText];
  if (!state) return `state: expected 0 (default), 1 (declined), 2 (expired-reclaimed) or 3 (released), got '${stateText}'`;
  const hwAddress = parseHexBytes(get('hwaddr')!.trim());
  if (hwAddress === null || hwAddress.length > 16) return `hwaddr: expected colon-separated hex bytes, got '${get('hwaddr')}'`;
  if (hwAddress.length === 0 && state !== 'declined') return 'hwaddr: empty, which Kea allows only for declined leases';
  const cidText = get('client_id')!.trim();
  let clientId: Uint8Array | null = null;
  if (cidText !== '') {
    clientId = parseHexBytes(cidText);
    if (clientId === null) return `client_id: expected colon-separated hex bytes, got '${cidText}'`;
    if (clientId.length === 0) clientId = null;
  }
  const hostname = unescapeKea(get('hostname')!);
  if (expire < valid) return `expire ${expire} is earlier than valid_lifetime ${valid} after the epoch`;
  return {
    kind: 'lease',
    lease: {
      address,
      subnetId: 0,
      clientKey: clientKeyOf(clientId, ETHERNET, hwAddress),
      hwType: ETHERNET,
      hwAddress,
      clientId,
      hostname: hostname === '' ? null : hostname,
      state,
      issuedAt: expire - valid,
      expiresAt: expire,
    },
  };
}

function uint(text: string): number | null {
  const t = text.trim();
  return /^\d{1,15}$/.test(t) ? Number(t) : null;
}

// A name in another encoding must not cost a client its lease: bad bytes become U+FFFD.
const utf8 = new TextDecoder('utf-8');

/** Undoes Kea's CSV escaping (`&#x2c` for ','): the escapes stand for bytes of UTF-8 text. */
export function unescapeKea(field: string): string {
  if (!field.includes('&#x')) return field;
  const bytes: number[] = [];
  const raw = new TextEncoder().encode(field);
  for (let i = 0; i < raw.length; i++) {
    // '&' '#' 'x' h h; Kea leaves a tag without two hex digits as it is.
    if (raw[i] === 0x26 && raw[i + 1] === 0x23 && raw[i + 2] === 0x78 && isHex(raw[i + 3]) && isHex(raw[i + 4])) {
      bytes.push(parseInt(String.fromCharCode(raw[i + 3]!, raw[i + 4]!), 16));
      i += 4;
    } else bytes.push(raw[i]!);
  }
  return utf8.decode(Uint8Array.from(bytes));
}

function isHex(b: number | undefined): boolean {
  return b !== undefined && ((b >= 48 && b <= 57) || (b >= 65 && b <= 70) || (b >= 97 && b <= 102));
}
