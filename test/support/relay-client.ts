// Simulated DHCP clients behind a fake relay agent, all on loopback. The relay socket binds
// 127.0.0.2 on the server's port and stamps giaddr = 127.0.0.2 and option 118 (subnet selection)
// on every request, so the server answers the relay (RFC 2131 §4.1: giaddr → relay port) and
// never sends anything off 127.0.0.0/8. One socket carries every client, which keeps the
// server's view of the order of our messages the order we sent them in.
import dgram from 'node:dgram';
import { decodeMessage } from '../../src/protocol/decode.js';
import { encodeMessage } from '../../src/protocol/encode.js';
import { formatIpv4, ipv4Bytes, parseIpv4, readIpv4, type Ipv4 } from '../../src/protocol/ipv4.js';
import type { DhcpMessage } from '../../src/protocol/message.js';

export const MSG = { DISCOVER: 1, OFFER: 2, REQUEST: 3, ACK: 5, NAK: 6, RELEASE: 7 } as const;

export interface RelayClientOptions {
  port: number;
  /** Where the server listens; 127.0.0.1 unless told. */
  server?: string;
  /** The relay agent's own address (giaddr); 127.0.0.2 unless told. */
  relay?: string;
  /** Option 118: the client's subnet, since giaddr is a loopback address. */
  subnet?: string;
  /** Per transmission; a transaction sends at most `attempts` times. */
  timeoutMs?: number;
  attempts?: number;
}

/** A transaction's outcome: the reply (null after every attempt timed out or on abort). */
export interface Exchange {
  reply: DhcpMessage | null;
  /** Epoch seconds of the first and the last transmission. */
  firstSentAt: number;
  lastSentAt: number;
  receivedAt: number;
}

/** The hardware address of simulated client `index`: 02:d0:<index as 4 bytes>, locally administered. */
export function macFor(index: number): Uint8Array {
  return Uint8Array.of(0x02, 0xd0, (index >>> 24) & 0xff, (index >>> 16) & 0xff, (index >>> 8) & 0xff, index & 0xff);
}

export function macText(mac: Uint8Array): string {
  return [...mac].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** The server's lease key for a client that sends no client identifier (src/engine/client-identity.ts). */
export function clientKeyForMac(mac: Uint8Array): string {
  return `hw:1:${[...mac].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

export const epochSeconds = (): number => Date.now() / 1000;

export function messageTypeOf(m: DhcpMessage | null): number | null {
  return m?.options.get(53)?.[0] ?? null;
}

/** Lease time (option 51) of a reply, in seconds. */
export function leaseTimeOf(m: DhcpMessage): number | null {
  const v = m.options.get(51);
  return v && v.length === 4 ? readIpv4(v, 0) : null;
}

export function serverIdOf(m: DhcpMessage): Ipv4 | null {
  const v = m.options.get(54);
  return v && v.length === 4 ? readIpv4(v, 0) : null;
}

export class AbortedError extends Error {}

export class RelayClient {
  private readonly pending = new Map<number, (m: DhcpMessage) => void>();
  private nextXid = (Math.random() * 0x7fffffff) >>> 0;
  private readonly server: string;
  private readonly giaddr: Ipv4;
  private readonly subnet: Uint8Array;
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private aborted = false;
  private readonly abortWaiters = new Set<() => void>();
  /** Replies that matched no pending transaction (late duplicates after a retransmission). */
  strayReplies = 0;

  private constructor(
    private readonly socket: dgram.Socket,
    readonly port: number,
    opts: RelayClientOptions,
  ) {
    this.server = opts.server ?? '127.0.0.1';
    this.giaddr = parseIpv4(opts.relay ?? '127.0.0.2')!;
    this.subnet = ipv4Bytes(parseIpv4(opts.subnet ?? '10.77.0.0')!);
    this.timeoutMs = opts.timeoutMs ?? 400;
    this.attempts = opts.attempts ?? 3;
    socket.on('message', (bytes) => {
      let m: DhcpMessage;
      try {
        m = decodeMessage(bytes);
      } catch {
        return;
      }
      const done = this.pending.get(m.xid);
      if (done) done(m);
      else this.strayReplies++;
    });
  }

  static async open(opts: RelayClientOptions): Promise<RelayClient> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(opts.port, opts.relay ?? '127.0.0.2', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new RelayClient(socket, opts.port, opts);
  }

  /** Ends every transaction in flight with a null reply and refuses new ones until `resume`. */
  abort(): void {
    this.aborted = true;
    for (const w of this.abortWaiters) w();
    this.abortWaiters.clear();
  }

  resume(): void {
    this.aborted = false;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  close(): void {
    this.abort();
    this.socket.close();
  }

  /** A client request as a relay agent forwards it: hops 1, giaddr and option 118 set. */
  message(type: number, mac: Uint8Array, fields: { ciaddr?: Ipv4; requested?: Ipv4; serverId?: Ipv4 } = {}): DhcpMessage {
    const chaddr = new Uint8Array(16);
    chaddr.set(mac);
    const options = new Map<number, Uint8Array>([[53, Uint8Array.of(type)]]);
    if (fields.requested !== undefined) options.set(50, ipv4Bytes(fields.requested));
    if (fields.serverId !== undefined) options.set(54, ipv4Bytes(fields.serverId));
    options.set(118, this.subnet);
    return {
      op: 1, htype: 1, hlen: 6, hops: 1, xid: 0, secs: 0, flags: 0,
      ciaddr: fields.ciaddr ?? 0, yiaddr: 0, siaddr: 0, giaddr: this.giaddr, chaddr,
      sname: new Uint8Array(64), file: new Uint8Array(128), hasMagicCookie: true, options,
    };
  }

  /**
   * Sends `msg` (with a fresh xid) until a reply with that xid arrives, at most `attempts`
   * times, `timeoutMs` apart. Retransmissions keep the xid, as real clients do.
   */
  async transact(msg: DhcpMessage): Promise<Exchange> {
    const xid = (this.nextXid = (this.nextXid + 1) >>> 0);
    const bytes = encodeMessage({ ...msg, xid });
    const firstSentAt = epochSeconds();
    let lastSentAt = firstSentAt;
    if (this.aborted) return { reply: null, firstSentAt, lastSentAt, receivedAt: firstSentAt };
    let reply: DhcpMessage | null = null;
    let wake: () => void = () => {};
    this.pending.set(xid, (m) => {
      reply = m;
      wake();
    });
    const onAbort = (): void => wake();
    this.abortWaiters.add(onAbort);
    try {
      for (let attempt = 0; attempt < this.attempts && reply === null && !this.aborted; attempt++) {
        lastSentAt = epochSeconds();
        this.socket.send(bytes, this.port, this.server);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.timeoutMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    } finally {
      this.pending.delete(xid);
      this.abortWaiters.delete(onAbort);
    }
    return { reply, firstSentAt, lastSentAt, receivedAt: epochSeconds() };
  }

  /** Fire and forget (RELEASE has no reply). Returns the send time. */
  send(msg: DhcpMessage): number {
    const xid = (this.nextXid = (this.nextXid + 1) >>> 0);
    const at = epochSeconds();
    this.socket.send(encodeMessage({ ...msg, xid }), this.port, this.server);
    return at;
  }
}

export { formatIpv4 };
