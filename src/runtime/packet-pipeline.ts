import type { DhcpEngine } from '../engine/engine.js';
import type { NetInterface } from '../net/interfaces.js';
import { routeReply } from '../net/reply-routing.js';
import type { DhcpTransport, PacketSource, SendOptions } from '../net/transport.js';
import { hardwareAddress, maxMessageSize, messageType, requestedAddress } from '../protocol/accessors.js';
import { decodeMessage } from '../protocol/decode.js';
import { DecodeError } from '../protocol/decode-error.js';
import { encodeMessageDetailed } from '../protocol/encode.js';
import { formatIpv4, parseIpv4, type Ipv4 } from '../protocol/ipv4.js';
import { MessageType, type DhcpMessage } from '../protocol/message.js';
import { Counters, messageTypeName } from './counters.js';
import type { DurableCommits } from './durable-commits.js';
import type { Logger } from './logger.js';
import { serverIdFacing } from './server-identity.js';

export interface PipelineDeps {
  engine: DhcpEngine;
  transport: DhcpTransport;
  counters: Counters;
  log: Logger;
  commits: DurableCommits;
  /** Told of every failed commit (the reply, if any, was not sent). */
  onCommitFailure: (e: unknown) => void;
  serverId?: Ipv4;
  clock: () => number;
  /** Metrics: a reply of `replyType` left `seconds` after its request arrived (must be cheap). */
  replyLatency?: (replyType: number, seconds: number) => void;
  /**
   * Shared database only: brings the lease table's rows for `addresses` up to date with the
   * database. Another server may have just changed them (its change is still on the feed), so an
   * OFFER or NAK — decided from the local table alone — is checked first and decided again.
   */
  verify?: (addresses: Ipv4[]) => Promise<void>;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').replace(/(..)(?=.)/g, '$1:');
}

/**
 * One packet's trip: decode → engine → encode → route → send. A malformed packet is counted and
 * dropped here; nothing below this function sees it, so it can change no state.
 */
export function servePacket(deps: PipelineDeps, data: Buffer, from: PacketSource, iface: NetInterface | null): void {
  const { counters, log } = deps;
  const receivedAt = deps.replyLatency ? performance.now() : 0;
  let req: DhcpMessage;
  try {
    req = decodeMessage(data, { copy: false });
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    counters.add('pkt4-received');
    counters.add('pkt4-parse-failed');
    counters.add('pkt4-receive-drop');
    log.log('verbose', 'dropped malformed packet', { from: `${from.address}:${from.port}`, error: e.message });
    return;
  }
  const type = messageType(req);
  counters.received(type);
  if (log.enabled('debug')) log.log('debug', 'packet', describe(req, from));
  answer(deps, req, data, from, iface, receivedAt, false);
}

function answer(deps: PipelineDeps, req: DhcpMessage, data: Buffer, from: PacketSource, iface: NetInterface | null, receivedAt: number, verified: boolean): void {
  const { engine, transport, counters, log, commits } = deps;
  const type = messageType(req);
  const decision = engine.handle(req, {
    now: deps.clock(),
    serverId: serverIdFor(deps, iface, req, from),
    iface: iface && req.giaddr === 0 ? { address: iface.address, prefixLength: iface.prefixLength } : null,
  });
  const reply = decision.reply;
  const replyType = reply ? messageType(reply) : null;
  if (!verified && deps.verify && (replyType === MessageType.Offer || replyType === MessageType.Nak)) {
    // A NAK is about option 50 (SELECTING, INIT-REBOOT), else ciaddr.
    const address = replyType === MessageType.Offer ? reply!.yiaddr : (requestedAddress(req) ?? req.ciaddr);
    if (address !== 0) {
      // The request's bytes may be reused by the socket layer once we return: keep a copy.
      const copy = Buffer.from(data);
      deps.verify([address]).then(
        () => answer(deps, decodeMessage(copy), copy, from, iface, receivedAt, true),
        (e: unknown) => {
          // Without the database we cannot tell: stay silent rather than offer or refuse wrongly.
          counters.add('pkt4-receive-drop');
          counters.add('drop-database-unavailable');
          log.log('verbose', 'could not check the lease with the database', { error: String(e) });
        },
      );
      return;
    }
  }
  if (log.enabled('verbose')) {
    log.log('verbose', 'decision', {
      client: hex(hardwareAddress(req)),
      xid: req.xid.toString(16),
      message: messageTypeName(type),
      reason: decision.reason,
      subnet: decision.subnetId ?? undefined,
      address: reply && reply.yiaddr !== 0 ? formatIpv4(reply.yiaddr) : undefined,
      reply: replyType === null ? 'none' : messageTypeName(replyType),
    });
  }
  if (!reply || replyType === null) {
    if (decision.reason.startsWith('drop')) {
      counters.add('pkt4-receive-drop');
      // Drops by reason (metrics): the code is a constant string, so this is one map update.
      counters.add(decision.reason);
    }
    // RELEASE and DECLINE answer nothing but change leases (probation must survive a restart).
    if (decision.changes.length > 0) commits.commit(decision.changes).catch(deps.onCommitFailure);
    return;
  }
  const { bytes, dropped } = encodeMessageDetailed(reply, maxMessageSize(req));
  if (dropped.length > 0) {
    log.log('warn', 'reply too large for the client, options left out', { options: dropped.join(',') });
  }
  const route = routeReply(req, reply, replyType, transport.port);
  const options = route.kind === 'relay' || route.kind === 'unicast' ? NO_SEND_OPTIONS : broadcastTo(engine, decision.subnetId);
  const send = (): void => {
    transport.send(bytes, route, iface, options);
    counters.sent(replyType);
    if (deps.replyLatency) deps.replyLatency(replyType, (performance.now() - receivedAt) / 1000);
  };
  // An ACK that grants an address waits for its lease (and all before it) to be durable; any
  // other reply promises nothing that a crash could take back, so it leaves at once.
  if (replyType === MessageType.Ack && reply.yiaddr !== 0) {
    commits.commit(decision.changes, reply.yiaddr).then(send, (e: unknown) => {
      counters.add('pkt4-ack-not-durable');
      deps.onCommitFailure(e);
    });
  } else {
    if (decision.changes.length > 0) commits.commit(decision.changes).catch(deps.onCommitFailure);
    send();
  }
}

const NO_SEND_OPTIONS: SendOptions = {};

/** Where a broadcast reply goes when the transport cannot pick the link (one unbound socket). */
function broadcastTo(engine: DhcpEngine, subnetId: number | null): SendOptions {
  const pool = subnetId === null ? undefined : engine.pools.byId.get(subnetId);
  return pool ? { subnetBroadcast: pool.broadcastAddress } : NO_SEND_OPTIONS;
}

/**
 * Our address as the client sees it: an explicit --server-id, else the receiving interface's
 * address, else the address facing the relay or peer (only then is the peer's address parsed
 * and the interface list read).
 */
function serverIdFor(deps: PipelineDeps, iface: NetInterface | null, req: DhcpMessage, from: PacketSource): Ipv4 {
  if (deps.serverId !== undefined) return deps.serverId;
  if (iface) return iface.address;
  const peer = req.giaddr || (parseIpv4(from.address) ?? 0);
  return serverIdFacing(peer, deps.transport.interfaces());
}

function describe(m: DhcpMessage, from: PacketSource): Record<string, unknown> {
  const options: Record<string, string> = {};
  for (const [code, v] of m.options) options[code] = hex(v);
  return {
    from: `${from.address}:${from.port}`,
    op: m.op,
    htype: m.htype,
    hlen: m.hlen,
    hops: m.hops,
    xid: m.xid.toString(16),
    secs: m.secs,
    flags: m.flags.toString(16),
    ciaddr: formatIpv4(m.ciaddr),
    yiaddr: formatIpv4(m.yiaddr),
    siaddr: formatIpv4(m.siaddr),
    giaddr: formatIpv4(m.giaddr),
    chaddr: hex(hardwareAddress(m)),
    options,
  };
}
