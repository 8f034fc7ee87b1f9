// Many simulated clients at once: each worker takes an idle client and runs one operation for it
// (DORA, INIT-REBOOT, REBINDING through the relay, or RELEASE), so a client's own operations never
// overlap but `concurrency` clients are in flight together. Bounded by operation count and time.
import type { Ipv4 } from '../../src/protocol/ipv4.js';
import { leaseTimeOf, messageTypeOf, MSG, serverIdOf, type RelayClient } from '../support/relay-client.js';
import type { LeaseLedger, SimClient } from './lease-ledger.js';

export interface LoadOptions {
  concurrency: number;
  /** Only the first `active` clients take part (so later rounds bring new clients). */
  active?: number;
  maxOperations: number;
  maxMs: number;
  /** Stops taking new operations once true (the server was killed). */
  stopped: () => boolean;
  random: () => number;
}

export interface LoadStats {
  operations: number;
  offers: number;
  acks: number;
  naks: number;
  releases: number;
  timeouts: number;
}

/** One relay (one server), or a choice per operation (several servers sharing a database). */
export type Relays = RelayClient | (() => RelayClient);
const chooser = (r: Relays): (() => RelayClient) => (typeof r === 'function' ? r : () => r);

export async function runLoad(relays: Relays, ledger: LeaseLedger, opts: LoadOptions): Promise<LoadStats> {
  const relay = chooser(relays);
  const stats: LoadStats = { operations: 0, offers: 0, acks: 0, naks: 0, releases: 0, timeouts: 0 };
  const deadline = Date.now() + opts.maxMs;
  const all = ledger.clients.slice(0, opts.active ?? ledger.clients.length);
  const pick = (): SimClient | null => {
    // A few random probes, then a scan: idle clients are the common case.
    for (let i = 0; i < 8; i++) {
      const c = all[Math.floor(opts.random() * all.length)]!;
      if (!c.busy) return c;
    }
    return all.find((c) => !c.busy) ?? null;
  };
  const worker = async (): Promise<void> => {
    while (!opts.stopped() && Date.now() < deadline && stats.operations < opts.maxOperations) {
      const c = pick();
      if (!c) return;
      c.busy = true;
      stats.operations++;
      try {
        await operate(relay(), ledger, c, opts.random(), stats);
      } finally {
        c.busy = false;
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  return stats;
}

/**
 * The check after the last crash: every client holding an address asks for it again
 * (INIT-REBOOT, must be ACKed), then every other client runs DORA (must not get a held address).
 */
export async function verifyAll(relays: Relays, ledger: LeaseLedger, concurrency: number): Promise<LoadStats> {
  const relay = chooser(relays);
  const stats: LoadStats = { operations: 0, offers: 0, acks: 0, naks: 0, releases: 0, timeouts: 0 };
  const holders = ledger.clients.filter((c) => c.hold !== null);
  const others = ledger.clients.filter((c) => c.hold === null);
  for (const group of [holders, others]) {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < group.length) {
        const c = group[next++]!;
        stats.operations++;
        if (c.hold) await requestAddress(relay(), ledger, c, c.hold.address, 'reboot', stats);
        else await dora(relay(), ledger, c, stats);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  }
  return stats;
}

/** One operation for `c`, chosen by `dice` from what the client currently holds. */
async function operate(relay: RelayClient, ledger: LeaseLedger, c: SimClient, dice: number, stats: LoadStats): Promise<void> {
  const held = c.hold?.address ?? null;
  if (held !== null) {
    if (dice < 0.3) return requestAddress(relay, ledger, c, held, 'reboot', stats);
    if (dice < 0.5) return requestAddress(relay, ledger, c, held, 'rebind', stats);
    if (dice < 0.8) return dora(relay, ledger, c, stats);
    ledger.releasing(c);
    relay.send(relay.message(MSG.RELEASE, c.mac, { ciaddr: held, serverId: serverIdOrDefault(relay) }));
    stats.releases++;
    return;
  }
  // Released or lost track: a rebooting client asks for its old address back; else it starts over.
  if (c.lastAddress !== null && dice < 0.3) return requestAddress(relay, ledger, c, c.lastAddress, 'reboot', stats);
  return dora(relay, ledger, c, stats);
}

let knownServerId: Ipv4 | null = null;
function serverIdOrDefault(_relay: RelayClient): Ipv4 {
  return knownServerId ?? 0x7f000001;
}

async function dora(relay: RelayClient, ledger: LeaseLedger, c: SimClient, stats: LoadStats): Promise<void> {
  const offer = await relay.transact(relay.message(MSG.DISCOVER, c.mac));
  if (messageTypeOf(offer.reply) !== MSG.OFFER) {
    if (offer.reply === null) stats.timeouts++;
    return;
  }
  stats.offers++;
  const address = offer.reply!.yiaddr;
  ledger.offered(c, address);
  const serverId = serverIdOf(offer.reply!);
  if (serverId !== null) knownServerId = serverId;
  ledger.requesting(c, address);
  await finishRequest(relay, ledger, c, address, relay.message(MSG.REQUEST, c.mac, { requested: address, serverId: serverId ?? undefined }), stats);
}

/** INIT-REBOOT (option 50 only) or REBINDING (ciaddr; giaddr still routes the reply to the relay). */
async function requestAddress(
  relay: RelayClient,
  ledger: LeaseLedger,
  c: SimClient,
  address: Ipv4,
  how: 'reboot' | 'rebind',
  stats: LoadStats,
): Promise<void> {
  ledger.requesting(c, address);
  const msg = how === 'reboot' ? relay.message(MSG.REQUEST, c.mac, { requested: address }) : relay.message(MSG.REQUEST, c.mac, { ciaddr: address });
  await finishRequest(relay, ledger, c, address, msg, stats);
}

async function finishRequest(
  relay: RelayClient,
  ledger: LeaseLedger,
  c: SimClient,
  address: Ipv4,
  msg: ReturnType<RelayClient['message']>,
  stats: LoadStats,
): Promise<void> {
  const r = await relay.transact(msg);
  const type = messageTypeOf(r.reply);
  if (type === MSG.ACK) {
    const seconds = leaseTimeOf(r.reply!);
    if (r.reply!.yiaddr !== address || seconds === null) {
      ledger.violations.push(`round ${ledger.round}: ACK to ${c.key} with yiaddr ${r.reply!.yiaddr} (asked ${address}) or no lease time`);
      return;
    }
    stats.acks++;
    ledger.acked(c, address, seconds, r.firstSentAt, r.receivedAt);
  } else if (type === MSG.NAK) {
    stats.naks++;
    ledger.naked(c, address);
  } else if (r.reply === null) {
    stats.timeouts++;
  }
}
