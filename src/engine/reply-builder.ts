import type { Ipv4 } from '../protocol/ipv4.js';
import { BOOTREPLY, MessageType, type DhcpMessage } from '../protocol/message.js';
import { parameterRequestList } from '../protocol/accessors.js';
import { sharedU32Bytes } from './bytes.js';
import type { GrantedTimes } from './lease-time.js';
import { plannedOptions } from './option-plan.js';

export interface ReplySpec {
  type: MessageType.Offer | MessageType.Ack | MessageType.Nak;
  serverId: Ipv4;
  yiaddr: Ipv4;
  /** Echoed from the request for ACKs of RENEWING/REBINDING and INFORM, else 0. */
  ciaddr: Ipv4;
  /** Absent for NAK and for the ACK of an INFORM (no lease, RFC 2131 §4.3.5). */
  times?: GrantedTimes;
  /** The subnet's configured options, in configured order. Ignored for NAK. */
  options?: ReadonlyMap<number, Uint8Array>;
  /** Option 56, for NAKs. */
  message?: string;
}

/** Options the server fills in itself; a configured value for one of them is never sent. */
const MANAGED: ReadonlySet<number> = new Set([0, 50, 51, 52, 53, 54, 55, 56, 58, 59, 61, 82, 118, 255]);
/** RFC 2132 §3.3: the subnet mask must come before the router option. */
const LEADING = [1, 3];

// Values that are the same in many replies are made once. Like every option value in a
// message, they are read, never written, once in a reply.
const TYPE_VALUE = new Map<number, Uint8Array>(
  [MessageType.Offer, MessageType.Ack, MessageType.Nak].map((t) => [t, Uint8Array.of(t)]),
);
/** A reply's sname and file are empty (no boot server, no boot file). */
const EMPTY_SNAME = new Uint8Array(64);
const EMPTY_FILE = new Uint8Array(128);
const NO_OPTIONS: ReadonlyMap<number, Uint8Array> = new Map();

/**
 * Builds a reply from a request (RFC 2131 §4.3.1 table 3). Option order: 53, 54, 51, 58, 59,
 * 1, 3, the options the client listed in 55 in its order, the other configured options, then
 * 61 echoed (RFC 6842), 118 echoed (RFC 3011) and 82 copied unchanged, last (RFC 3046 §2.2).
 */
export function buildReply(req: DhcpMessage, spec: ReplySpec): DhcpMessage {
  const out = new Map<number, Uint8Array>();
  out.set(53, TYPE_VALUE.get(spec.type)!);
  out.set(54, sharedU32Bytes(spec.serverId));
  if (spec.type === MessageType.Nak) {
    if (spec.message) out.set(56, new TextEncoder().encode(spec.message));
  } else {
    if (spec.times) {
      out.set(51, sharedU32Bytes(spec.times.lease));
      out.set(58, sharedU32Bytes(spec.times.renewal));
      out.set(59, sharedU32Bytes(spec.times.rebinding));
    }
    // Only managed codes are in `out` so far, and a plan holds none of them.
    const plan = plannedOptions(spec.options ?? NO_OPTIONS, parameterRequestList(req), LEADING, MANAGED);
    for (const [code, value] of plan) out.set(code, value);
  }
  const clientId = req.options.get(61);
  if (clientId) out.set(61, clientId);
  // RFC 3011 §3: a server that honours subnet selection returns the option unchanged.
  const selection = req.options.get(118);
  if (selection) out.set(118, selection);
  const relayInfo = req.options.get(82);
  if (relayInfo) out.set(82, relayInfo);

  return {
    op: BOOTREPLY,
    htype: req.htype,
    hlen: req.hlen,
    hops: 0,
    xid: req.xid,
    secs: 0,
    flags: req.flags,
    ciaddr: spec.type === MessageType.Nak ? 0 : spec.ciaddr,
    yiaddr: spec.type === MessageType.Nak ? 0 : spec.yiaddr,
    siaddr: 0,
    giaddr: req.giaddr,
    chaddr: new Uint8Array(req.chaddr),
    sname: EMPTY_SNAME,
    file: EMPTY_FILE,
    hasMagicCookie: true,
    options: out,
  };
}
