// The DHCP server's sockets. Two modes:
//
// per-interface (the hydra_net addon loaded, no bind address given): one udp4 socket per IPv4
//   interface, each bound to 0.0.0.0:port and SO_BINDTODEVICE'd to its interface. A packet is
//   then known to have come in on that interface, and a send to 255.255.255.255 leaves by it
//   with no route needed (a namespace with no default route works). Link-unicast replies (to
//   yiaddr at chaddr, RFC 2131 §4.1) get a neighbour entry first (SIOCSARP), as dnsmasq does.
//
// single (addon missing or refused, or `address` given): one socket on address:port. Without
//   device binding the kernel's routing table picks the way out, so a broadcast reply goes to
//   the subnet-directed broadcast of the selected subnet when the caller passes it (it leaves by
//   that subnet's interface), else to 255.255.255.255, which fails with ENETUNREACH where no
//   route covers it. Link-unicast is sent as a broadcast. The packet's interface is guessed:
//   the one owning the bind address, the one named by `iface`, or the one whose network holds
//   the sender; null when none (e.g. a DISCOVER from 0.0.0.0 on a multi-homed host).
//
// Broadcasts are never sent from a loopback interface or a loopback-bound socket: there is no
// link to broadcast on, and a broadcast would escape into the host's own network.
import dgram, { type Socket } from 'node:dgram';
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { isIPv4 } from 'node:net';
import { formatIpv4, parseIpv4, type Ipv4 } from '../protocol/ipv4.js';
import {
  interfaceOwning,
  interfaceServing,
  isLoopbackAddress,
  listIpv4Interfaces,
  type InterfaceLister,
  type NetInterface,
} from './interfaces.js';
import { loadNative, socketFd, type HydraNet } from './native.js';
import type { ReplyRoute } from './reply-routing.js';

export interface TransportOptions {
  port: number;
  /** Serve only this interface (the -I flag). */
  iface?: string;
  /** Bind one socket to this address instead (e.g. 127.0.0.1 for loopback-only tests). */
  address?: string;
  log?: (msg: string) => void;
  /** How often to look for interfaces that appeared or vanished; 0 turns it off. Default 10 s. */
  rescanIntervalMs?: number;
  /** Defaults to os.networkInterfaces; tests inject their own. */
  listInterfaces?: InterfaceLister;
  /** Socket buffer size asked for (the kernel may cap it). Default 4 MiB. */
  bufferBytes?: number;
  /** Act as if the addon were missing (to exercise the fallback). */
  disableNative?: boolean;
  /**
   * Hydra mode: adopt this already bound socket (a reuseport group member the supervisor made)
   * instead of binding one; the transport runs in single mode on it.
   */
  fd?: number;
  /**
   * Every datagram goes to 127.0.0.1 (at the port the route names), whatever address the reply
   * is for: the start-up warm-up's scratch server, which must never reach a network.
   */
  loopbackOnly?: boolean;
}

export interface PacketSource {
  address: string;
  port: number;
}

export type PacketHandler = (data: Buffer, from: PacketSource, iface: NetInterface | null) => void;

export interface SendOptions {
  /** The selected subnet's broadcast address: used for broadcasts in single mode. */
  subnetBroadcast?: Ipv4;
}

export interface TransportCounters {
  received: number;
  sent: number;
  sendErrors: number;
  /** Neighbour entries that could not be set; those replies were broadcast instead. */
  arpFailures: number;
  /** Link-unicast replies sent as broadcasts (no addon, no interface, or ARP failed). */
  linkUnicastAsBroadcast: number;
  /** Broadcasts refused because they would leave by loopback. */
  broadcastSuppressed: number;
}

export type TransportMode = 'per-interface' | 'single';

const DEFAULT_RESCAN_MS = 10_000;
const DEFAULT_BUFFER_BYTES = 4 * 1024 * 1024;
const LIMITED_BROADCAST = 0xffffffff;

export class TransportError extends Error {
  override name = 'TransportError';
}

interface Bound {
  socket: Socket;
  iface: NetInterface;
}

/** A reply destination as the send path needs it, worked out once per address. */
interface Destination {
  /** The dotted text dgram takes. */
  text: string;
  /** The served interface whose network holds the address. */
  serving: NetInterface | null;
}

/** Per-address caches are dropped whole past this size (a bound against floods, not a tuning knob). */
const MAX_CACHED = 4096;

export class DhcpTransport {
  readonly counters: TransportCounters = {
    received: 0,
    sent: 0,
    sendErrors: 0,
    arpFailures: 0,
    linkUnicastAsBroadcast: 0,
    broadcastSuppressed: 0,
  };
  private readonly handlers: PacketHandler[] = [];
  private readonly perInterface = new Map<string, Bound>();
  private single: Socket | null = null;
  private known: NetInterface[] = [];
  /**
   * Derived from the sockets and the interface list, rebuilt whenever they change (changed()),
   * so the per-packet paths do no interface scans: the served interfaces, each destination's
   * text and serving interface, and (single mode) the receiving interface per source address.
   */
  private served: readonly NetInterface[] = [];
  private readonly destinations = new Map<Ipv4, Destination>();
  private readonly guesses = new Map<string, NetInterface | null>();
  /** The bind address (single mode), parsed once; 0 for the wildcard. */
  private readonly bindAddress: Ipv4;
  private timer: NodeJS.Timeout | null = null;
  private rescanning = false;
  private closed = false;
  /** Fixed by the first bind, so port 0 (tests) gives every interface socket the same port. */
  private boundPort: number;
  private readonly log: (msg: string) => void;
  private readonly lister: InterfaceLister | undefined;

  private constructor(
    private readonly opts: TransportOptions,
    readonly mode: TransportMode,
    /** Why the transport runs in single mode without device binding; null when it need not. */
    readonly unavailableReason: string | null,
    private readonly native: HydraNet | null,
  ) {
    this.log = opts.log ?? (() => {});
    this.lister = opts.listInterfaces;
    this.boundPort = opts.port;
    this.bindAddress = parseIpv4(opts.address ?? '0.0.0.0') ?? 0;
  }

  static async open(opts: TransportOptions): Promise<DhcpTransport> {
    if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
      throw new TransportError(`port ${opts.port} is not a UDP port number`);
    }
    if (opts.address !== undefined && parseIpv4(opts.address) === null) {
      throw new TransportError(`bind address "${opts.address}" is not an IPv4 address`);
    }
    const load = opts.disableNative ? { ok: false as const, reason: 'native addon disabled' } : loadNative();
    const native = load.ok ? load.addon : null;
    const list = listIpv4Interfaces(opts.listInterfaces);
    if (opts.iface !== undefined && !list.some((i) => i.name === opts.iface)) {
      throw new TransportError(`interface "${opts.iface}" not found or has no IPv4 address`);
    }

    if (native && opts.address === undefined && opts.fd === undefined) {
      const t = new DhcpTransport(opts, 'per-interface', null, native);
      t.known = list;
      try {
        await t.openPerInterface(list);
        t.startRescan();
        return t;
      } catch (err) {
        // Typically EPERM: SO_BINDTODEVICE needs CAP_NET_RAW on older kernels.
        await t.close();
        const reason = `per-interface sockets unavailable: ${(err as Error).message}`;
        (opts.log ?? (() => {}))(`${reason}; falling back to one socket`);
        return DhcpTransport.openSingle(opts, native, list, reason);
      }
    }
    const reason = native ? null : load.ok ? null : load.reason;
    if (reason) (opts.log ?? (() => {}))(`${reason}; using one plain socket`);
    return DhcpTransport.openSingle(opts, native, list, reason);
  }

  private static async openSingle(
    opts: TransportOptions,
    native: HydraNet | null,
    list: NetInterface[],
    reason: string | null,
  ): Promise<DhcpTransport> {
    const t = new DhcpTransport(opts, 'single', reason, native);
    t.known = list;
    t.changed();
    const socket = await t.openSocket(opts.address ?? '0.0.0.0');
    // Not on an adopted reuseport socket: it is device-bound already, and SO_BINDTODEVICE on a
    // bound UDP socket rehashes it, which takes it out of its group's steering (seen on 6.x).
    if (native && opts.iface !== undefined && reason === null && opts.fd === undefined) {
      // A bind address plus -I: also pin the socket to the device when we can.
      try {
        native.bindToDevice(socketFd(socket), opts.iface);
      } catch (err) {
        t.log(`cannot bind to ${opts.iface}: ${(err as Error).message}`);
      }
    }
    t.single = socket;
    t.listen(socket, null);
    t.startRescan();
    return t;
  }

  onPacket(cb: PacketHandler): void {
    this.handlers.push(cb);
  }

  /** The interfaces currently served, with their addresses. */
  interfaces(): readonly NetInterface[] {
    return this.served;
  }

  /** The served interface whose network holds `address`. */
  interfaceFor(address: Ipv4): NetInterface | null {
    return this.destination(address).serving;
  }

  /** The port the sockets are bound to (the one asked for, or the kernel's pick for port 0). */
  get port(): number {
    return this.boundPort;
  }

  /**
   * Sends one reply along `route`, from `iface`'s socket (the interface the request came in on).
   * Never throws: failures are counted in `counters` and logged.
   */
  send(bytes: Uint8Array, route: ReplyRoute, iface: NetInterface | null, options: SendOptions = {}): void {
    if (this.closed) return;
    switch (route.kind) {
      case 'relay':
      case 'unicast':
        this.transmit(bytes, route.address, route.port, iface);
        return;
      case 'broadcast':
        this.broadcast(bytes, route.port, iface, options);
        return;
      case 'link-unicast':
        this.linkUnicast(bytes, route, iface, options);
        return;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const sockets = [...this.perInterface.values()].map((b) => b.socket);
    if (this.single) sockets.push(this.single);
    this.perInterface.clear();
    this.single = null;
    this.changed();
    await Promise.all(sockets.map(closeSocket));
  }

  private linkUnicast(
    bytes: Uint8Array,
    route: Extract<ReplyRoute, { kind: 'link-unicast' }>,
    iface: NetInterface | null,
    options: SendOptions,
  ): void {
    const asBroadcast = (why: string): void => {
      this.counters.linkUnicastAsBroadcast++;
      this.log(`reply to ${formatIpv4(route.address)} broadcast instead of unicast: ${why}`);
      this.broadcast(bytes, route.port, iface, options);
    };
    if (!this.native) return asBroadcast('no native addon to set a neighbour entry');
    if (!iface) return asBroadcast('receiving interface unknown');
    if (iface.internal) return asBroadcast('loopback interface');
    try {
      this.native.setArpEntry(iface.name, formatIpv4(route.address), route.hw);
    } catch (err) {
      this.counters.arpFailures++;
      return asBroadcast((err as Error).message);
    }
    this.transmit(bytes, route.address, route.port, iface, { onError: () => asBroadcast('unicast send failed') });
  }

  private broadcast(bytes: Uint8Array, port: number, iface: NetInterface | null, options: SendOptions): void {
    const bound = iface ? this.perInterface.get(iface.name) : undefined;
    if (bound) {
      if (bound.iface.internal) return this.suppress(`broadcast on loopback interface ${bound.iface.name}`);
      this.transmitOn(bound.socket, bytes, LIMITED_BROADCAST, port);
      return;
    }
    const socket = this.single;
    if (!socket) return this.fail(`no socket to broadcast from${iface ? ` on ${iface.name}` : ''}`);
    if (isLoopbackAddress(this.bindAddress) || iface?.internal) return this.suppress('broadcast from a loopback socket');
    this.transmitOn(socket, bytes, options.subnetBroadcast ?? LIMITED_BROADCAST, port);
  }

  private transmit(
    bytes: Uint8Array,
    address: Ipv4,
    port: number,
    iface: NetInterface | null,
    linkLocal?: { onError: () => void },
  ): void {
    const socket = this.socketFor(address, iface, linkLocal !== undefined);
    if (!socket) return this.fail(`no socket to reach ${formatIpv4(address)}`);
    this.transmitOn(socket, bytes, address, port, linkLocal?.onError);
  }

  /**
   * A device-bound socket only reaches what is routed through its device, so a destination on
   * one of our networks goes out that network's socket; anything else (a relay some hops away)
   * out the socket it came in on. `onlyIface`: the neighbour entry was set there, so use it.
   */
  private socketFor(address: Ipv4, iface: NetInterface | null, onlyIface = false): Socket | null {
    if (this.single) return this.single;
    const byIface = iface ? this.perInterface.get(iface.name) : undefined;
    if (onlyIface) return byIface?.socket ?? null;
    const serving = this.destination(address).serving;
    const bySubnet = serving ? this.perInterface.get(serving.name) : undefined;
    return bySubnet?.socket ?? byIface?.socket ?? this.perInterface.values().next().value?.socket ?? null;
  }

  private transmitOn(socket: Socket, bytes: Uint8Array, address: Ipv4, port: number, onError?: () => void): void {
    const to = this.opts.loopbackOnly === true ? '127.0.0.1' : this.destination(address).text;
    try {
      socket.send(bytes, port, to, (err) => {
        if (!err) {
          this.counters.sent++;
          return;
        }
        this.fail(`send to ${to}:${port} failed: ${err.message}`);
        onError?.();
      });
    } catch (err) {
      // Synchronous throws: a socket closed under us, or a bad argument.
      this.fail(`send to ${to}:${port} failed: ${(err as Error).message}`);
    }
  }

  private destination(address: Ipv4): Destination {
    let d = this.destinations.get(address);
    if (d === undefined) {
      if (this.destinations.size >= MAX_CACHED) this.destinations.clear();
      d = { text: formatIpv4(address), serving: interfaceServing(this.served, address) };
      this.destinations.set(address, d);
    }
    return d;
  }

  /** The sockets or the interface list changed: rebuild what is derived from them. */
  private changed(): void {
    this.served = this.mode === 'per-interface' ? [...this.perInterface.values()].map((b) => b.iface) : this.wanted(this.known);
    this.destinations.clear();
    this.guesses.clear();
  }

  private fail(msg: string): void {
    this.counters.sendErrors++;
    this.log(msg);
  }

  private suppress(msg: string): void {
    this.counters.broadcastSuppressed++;
    this.log(`${msg}: not sent`);
  }

  private wanted(list: readonly NetInterface[]): readonly NetInterface[] {
    return this.opts.iface === undefined ? list : list.filter((i) => i.name === this.opts.iface);
  }

  private async openPerInterface(list: readonly NetInterface[]): Promise<void> {
    for (const iface of this.wanted(list)) await this.openInterface(iface);
  }

  private async openInterface(iface: NetInterface): Promise<void> {
    const socket = await this.openSocket('0.0.0.0');
    if (this.closed) return closeSocket(socket);
    try {
      this.native!.bindToDevice(socketFd(socket), iface.name);
    } catch (err) {
      await closeSocket(socket);
      throw err;
    }
    this.perInterface.set(iface.name, { socket, iface });
    this.changed();
    this.listen(socket, iface.name);
    this.log(`listening on ${iface.name} (${formatIpv4(iface.address)}/${iface.prefixLength}) port ${this.port}`);
  }

  private openSocket(address: string): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true, lookup: literalLookup });
      const onError = (err: Error): void => {
        socket.close();
        reject(new TransportError(`cannot bind ${address}:${this.boundPort}: ${err.message}`));
      };
      socket.once('error', onError);
      socket.bind(this.opts.fd !== undefined ? { fd: this.opts.fd } : { port: this.boundPort, address }, () => {
        socket.off('error', onError);
        this.boundPort = socket.address().port;
        socket.on('error', (err) => this.log(`socket error: ${err.message}`));
        socket.setBroadcast(true);
        const size = this.opts.bufferBytes ?? DEFAULT_BUFFER_BYTES;
        try {
          socket.setRecvBufferSize(size);
          socket.setSendBufferSize(size);
        } catch {
          // The kernel's limit (net.core.rmem_max) stands; smaller buffers only drop under load.
        }
        resolve(socket);
      });
    });
  }

  /** `ifname` null: single mode, the interface is guessed per packet. */
  private listen(socket: Socket, ifname: string | null): void {
    socket.on('message', (data, rinfo) => {
      this.counters.received++;
      const iface = ifname !== null ? (this.perInterface.get(ifname)?.iface ?? null) : this.guessInterface(rinfo.address);
      for (const handler of this.handlers) {
        try {
          handler(data, rinfo, iface);
        } catch (err) {
          // A handler bug must not take the sockets down with it.
          this.log(`packet handler failed: ${(err as Error).message}`);
        }
      }
    });
  }

  private guessInterface(source: string): NetInterface | null {
    let guess = this.guesses.get(source);
    if (guess === undefined) {
      if (this.guesses.size >= MAX_CACHED) this.guesses.clear();
      guess = this.guessAfresh(source);
      this.guesses.set(source, guess);
    }
    return guess;
  }

  private guessAfresh(source: string): NetInterface | null {
    const served = this.served;
    if (this.bindAddress !== 0) {
      const owner = interfaceOwning(this.known, this.bindAddress);
      if (owner) return owner;
    }
    if (this.opts.iface !== undefined) return served[0] ?? null;
    const from = parseIpv4(source);
    return from === null || from === 0 ? null : interfaceServing(served, from);
  }

  private startRescan(): void {
    const every = this.opts.rescanIntervalMs ?? DEFAULT_RESCAN_MS;
    if (every <= 0 || this.closed) return;
    this.timer = setInterval(() => void this.rescan(), every);
    this.timer.unref();
  }

  /** Picks up interfaces that appeared or changed address, and drops those that vanished. */
  async rescan(): Promise<void> {
    if (this.rescanning || this.closed) return;
    this.rescanning = true;
    try {
      const list = listIpv4Interfaces(this.lister);
      this.known = list;
      if (this.mode !== 'per-interface') return;
      const wanted = this.wanted(list);
      for (const iface of wanted) {
        const bound = this.perInterface.get(iface.name);
        if (bound) {
          bound.iface = iface;
          continue;
        }
        try {
          await this.openInterface(iface);
        } catch (err) {
          this.log(`cannot open a socket on ${iface.name}: ${(err as Error).message}`);
        }
      }
      for (const [name, bound] of this.perInterface) {
        if (wanted.some((i) => i.name === name)) continue;
        this.perInterface.delete(name);
        this.log(`interface ${name} gone; closing its socket`);
        await closeSocket(bound.socket);
      }
    } finally {
      this.changed();
      this.rescanning = false;
    }
  }
}

/**
 * dgram passes every destination, even an address literal, through dns.lookup, which answers a
 * literal on the next tick; ours are always literals, so they are answered at once.
 */
function literalLookup(
  hostname: string,
  options: LookupOneOptions,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  if (isIPv4(hostname)) callback(null, hostname, 4);
  else dnsLookup(hostname, options, callback);
}

function closeSocket(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}
