import { clientKeyOf } from '../../engine/client-identity.js';
import { INFINITE } from '../../engine/lease-time.js';
import type { LeaseState } from '../../engine/types.js';
import { formatIpv4, parseIpv4 } from '../../protocol/ipv4.js';
import { AddressLedger } from './address-ledger.js';
import { tokenizeDhcpd, type Token } from './dhcpd-tokens.js';
import { parseHexBytes } from './hex-text.js';
import type { ParseResult, Problem } from './parse-result.js';

/**
 * ISC dhcpd's lease database, `dhcpd.leases`:
 *   lease 10.0.0.5 { starts 3 2026/11/25 10:00:00; ends ...; binding state active;
 *                    hardware ethernet 02:00:00:00:00:01; uid "\001\002..."; client-hostname "pc"; }
 * Times are UTC `weekday yyyy/mm/dd hh:mm:ss`, `epoch N`, or `never` (an infinite lease: kept as
 * starts + 0xffffffff, as the engine stores one). The file is a log: a later block for an address
 * replaces the earlier one. Binding states: active/bootp → bound; free, released, reset →
 * released; expired → expired; abandoned and backup are skipped with a note. A free/released/
 * expired block that names no client frees the address. Top-level `failover`, `server-duid`,
 * `host`, `authoring-byte-order`, `class`/`subclass` and DHCPv6 (`ia-*`) statements are ignored.
 * subnetId is 0 here: dhcpd's file has none, the importer maps addresses to configured subnets.
 */
export function parseDhcpdLeases(text: string): ParseResult {
  const { tokens, problems } = tokenizeDhcpd(text);
  const ledger = new AddressLedger(problems);
  for (const node of buildStatements(tokens, problems)) {
    const head = node.tokens[0];
    const keyword = head?.kind === 'word' ? head.text : '';
    if (keyword === 'lease') readLease(node, ledger, problems);
    else if (!IGNORED_TOP_LEVEL.has(keyword)) {
      problems.push({ line: node.line, message: `ignored an unknown statement '${describe(head)}'` });
    }
  }
  return ledger.result();
}

const IGNORED_TOP_LEVEL = new Set([
  'failover', 'server-duid', 'host', 'authoring-byte-order', 'class', 'subclass', 'group',
  'lease6', 'ia-na', 'ia-ta', 'ia-pd',
]);

/** A statement: words up to ';', or words followed by a { block }. */
interface Statement {
  line: number;
  tokens: Token[];
  block: Statement[] | null;
}

/** Groups tokens into statements and blocks; unbalanced braces are reported, not fatal. */
function buildStatements(tokens: Token[], problems: Problem[]): Statement[] {
  let pos = 0;
  const level = (depth: number, opener: Token | null): Statement[] | null => {
    const out: Statement[] = [];
    let current: Token[] = [];
    while (pos < tokens.length) {
      const t = tokens[pos++]!;
      if (t.kind === 'punct' && t.text === ';') {
        if (current.length > 0) out.push({ line: current[0]!.line, tokens: current, block: null });
        current = [];
      } else if (t.kind === 'punct' && t.text === '{') {
        const block = level(depth + 1, t);
        if (block === null) return depth === 0 ? out : null;
        if (current.length > 0) out.push({ line: current[0]!.line, tokens: current, block });
        else problems.push({ line: t.line, message: 'a { block } without a statement before it' });
        current = [];
      } else if (t.kind === 'punct' && t.text === '}') {
        if (current.length > 0) problems.push({ line: current[0]!.line, message: `statement '${describe(current[0])}' has no ';'` });
        if (depth > 0) return out;
        problems.push({ line: t.line, message: "a '}' that closes nothing" });
        current = [];
      } else current.push(t);
    }
    if (current.length > 0) problems.push({ line: current[0]!.line, message: `statement '${describe(current[0])}' is cut off at the end of the file` });
    if (opener) {
      problems.push({ line: opener.line, message: 'this block is not closed before the end of the file' });
      return null;
    }
    return out;
  };
  return level(0, null) ?? [];
}

const BINDING: Record<string, LeaseState | 'skip'> = {
  active: 'bound', bootp: 'bound', free: 'released', released: 'released', reset: 'released',
  expired: 'expired', abandoned: 'skip', backup: 'skip',
};

/** dhcpd's hardware type names (its `hardware` statement) to ARP hardware types. */
const HW_TYPES: Record<string, number> = { ethernet: 1, 'token-ring': 6, fddi: 8, infiniband: 32 };

const utf8 = new TextDecoder('utf-8');

function readLease(node: Statement, ledger: AddressLedger, problems: Problem[]): void {
  const addrTok = node.tokens[1];
  const address = addrTok?.kind === 'word' ? parseIpv4(addrTok.text) : null;
  if (address === null || node.tokens.length !== 2 || node.block === null) {
    problems.push({ line: node.line, message: `expected 'lease <IPv4 address> { ... }', got 'lease ${describe(addrTok)}'` });
    return;
  }
  const name = formatIpv4(address);
  let starts: number | null | 'never' = null;
  let ends: number | null | 'never' = null;
  let cltt: number | null | 'never' = null;
  let binding: string | null = null;
  let hwType = HW_TYPES.ethernet!;
  let hwAddress: Uint8Array | null = null;
  let clientId: Uint8Array | null = null;
  let hostname: string | null = null;
  for (const st of node.block) {
    const words = st.tokens.map((t) => (t.kind === 'word' ? t.text : t.kind === 'punct' ? t.text : null));
    const bad = (message: string): void => {
      problems.push({ line: st.line, message: `lease ${name}: ${message}; the lease is skipped` });
    };
    switch (words[0]) {
      case 'starts': case 'ends': case 'cltt': {
        const t = readTime(words.slice(1));
        if (t === null) return bad(`${words[0]}: expected 'weekday yyyy/mm/dd hh:mm:ss', 'epoch N' or 'never', got '${words.slice(1).join(' ')}'`);
        if (words[0] === 'starts') starts = t;
        else if (words[0] === 'ends') ends = t;
        else cltt = t;
        break;
      }
      case 'binding':
        if (words[1] !== 'state' || words.length !== 3 || words[2] === null) return bad(`expected 'binding state <state>'`);
        binding = words[2]!;
        break;
      case 'abandoned': // dhcpd 2.x wrote a flag instead of a binding state
        binding = 'abandoned';
        break;
      case 'hardware': {
        const type = HW_TYPES[words[1] ?? ''];
        const bytes = words.length === 3 && words[2] ? parseHexBytes(words[2]) : null;
        if (type === undefined) return bad(`hardware: unknown type '${words[1] ?? ''}'`);
        if (bytes === null || bytes.length === 0 || bytes.length > 16) return bad(`hardware: expected colon-separated hex bytes, got '${words.slice(2).join(' ')}'`);
        hwType = type;
        hwAddress = bytes;
        break;
      }
      case 'uid': {
        const v = st.tokens[1];
        const bytes = st.tokens.length !== 2 ? null : v?.kind === 'string' ? v.bytes : v?.kind === 'word' ? parseHexBytes(v.text) : null;
        if (bytes === null || bytes.length === 0) return bad(`uid: expected a quoted string or colon-separated hex bytes`);
        clientId = bytes;
        break;
      }
      case 'client-hostname': {
        const v = st.tokens[1];
        if (v?.kind !== 'string' || st.tokens.length !== 2) return bad('client-hostname: expected a quoted string');
        hostname = utf8.decode(v.bytes);
        break;
      }
      default: // tstp, tsfp, atsfp, next/rewind binding state, set, on, option, ddns-*: not ours to keep
    }
  }
  const state = binding === null ? 'bound' : BINDING[binding]; // no binding state: a pre-3.0 active lease
  if (state === undefined) {
    problems.push({ line: node.line, message: `lease ${name}: unknown binding state '${binding}'; the lease is skipped` });
    return;
  }
  if (state === 'skip') {
    problems.push({ line: node.line, message: `lease ${name}: binding state ${binding} is not imported (the address stays free for Hydra to probe and hand out)` });
    ledger.remove(address);
    return;
  }
  if (hwAddress === null && clientId === null) {
    if (state === 'bound') {
      problems.push({ line: node.line, message: `lease ${name}: an active lease with neither hardware nor uid names no client; the lease is skipped` });
    } else ledger.remove(address); // a free address, nobody's to remember
    return;
  }
  if (ends === null) {
    problems.push({ line: node.line, message: `lease ${name}: no 'ends' time; the lease is skipped` });
    return;
  }
  const begin = [starts, cltt, ends].find((t): t is number => typeof t === 'number');
  if (begin === undefined) {
    problems.push({ line: node.line, message: `lease ${name}: neither starts, cltt nor ends gives a time; the lease is skipped` });
    return;
  }
  const hw = hwAddress ?? new Uint8Array(0);
  ledger.put({
    address,
    subnetId: 0,
    clientKey: clientKeyOf(clientId, hwType, hw),
    hwType,
    hwAddress: hw,
    clientId,
    hostname,
    state,
    issuedAt: begin,
    expiresAt: ends === 'never' ? begin + INFINITE : ends,
  }, node.line);
}

/** `3 2026/11/25 10:00:00` (UTC), `epoch 1795000000`, or `never`; null when it is none of them. */
function readTime(words: (string | null)[]): number | 'never' | null {
  if (words.length === 1 && words[0] === 'never') return 'never';
  if (words.length === 2 && words[0] === 'epoch' && /^\d{1,12}$/.test(words[1] ?? '')) return Number(words[1]);
  if (words.length !== 3 || !/^[0-6]$/.test(words[0] ?? '')) return null;
  const d = /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/.exec(words[1] ?? '');
  const t = /^(\d{1,2}):(\d{2}):(\d{2})$/.exec(words[2] ?? '');
  if (!d || !t) return null;
  const [y, mo, da, h, mi, s] = [d[1], d[2], d[3], t[1], t[2], t[3]].map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || da < 1 || h > 23 || mi > 59 || s > 60) return null;
  const ms = Date.UTC(y, mo - 1, da, h, mi, s);
  if (new Date(ms).getUTCDate() !== da && s !== 60) return null; // 2026/02/30
  return ms / 1000;
}

function describe(t: Token | undefined): string {
  if (!t) return '';
  if (t.kind === 'string') return `"${utf8.decode(t.bytes)}"`;
  return t.text;
}
