import dgram from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerConfig, SubnetConfig } from '../config/model.js';
import { DhcpEngine, LeaseTable } from '../engine/engine.js';
import type { LeaseChange } from '../engine/types.js';
import { openEmbeddedStore } from '../leases/embedded-store.js';
import type { LeaseStore } from '../leases/lease-store.js';
import { encodeUpsert } from '../leases/record-codec.js';
import type { NetInterface } from '../net/interfaces.js';
import { DhcpTransport } from '../net/transport.js';
import { messageType } from '../protocol/accessors.js';
import { decodeMessage } from '../protocol/decode.js';
import { encodeMessage } from '../protocol/encode.js';
import { ipv4Bytes, readIpv4 } from '../protocol/ipv4.js';
import { MessageType } from '../protocol/message.js';
import { Counters } from './counters.js';
import { DurableCommits } from './durable-commits.js';
import { createLogger, type Logger } from './logger.js';
import { servePacket, type PipelineDeps } from './packet-pipeline.js';

// Why: a fresh process runs its first few thousand packets in V8's interpreter and baseline code
// (80-90 µs of CPU per exchange instead of ~25 warm), so a server (re)started into 10,000
// exchanges/s saturates its core for its first 0.2-0.5 s and every client then waits tens of ms.
// Serving synthetic exchanges on a scratch engine before the socket opens moves that cost to
// start-up, where nobody waits for it. What V8 optimises for must look like the real thing, or the
// first real packet throws the optimised code away ("wrong map" deopts of every hot function,
// seen with --trace-deopt): so the packets travel through a real DhcpTransport and real UDP
// sockets on loopback (a Buffer made by dgram's C++ side has another map than one made in JS), the
// scratch engine serves the configuration's own subnet objects, and commits go to a real embedded
// store in a scratch directory. The scratch transport sends every datagram to 127.0.0.1
// (loopbackOnly), so its replies come back to itself and nothing reaches a network.

const SCRATCH_NET = 0x0a560000; // 10.86.0.0/16: only ever in the scratch engine's memory
/** The scratch engine's own address (its server identifier); never on the wire. */
const SERVER = 0x0a56ff01;

export const DEFAULT_WARM_UP_EXCHANGES = 3000;

/** A stand-in subnet when the configuration has no dynamic range to warm up on. */
function scratchSubnet(): SubnetConfig {
  return {
    id: 1,
    name: 'warm-up',
    network: SCRATCH_NET,
    prefixLength: 16,
    ranges: [{ start: SCRATCH_NET + 256, end: SCRATCH_NET + 0xfeff }],
    exclusions: [],
    reservations: [],
    options: new Map([[3, Uint8Array.of(10, 86, 0, 1)]]),
    leaseTimes: { default: 3600, min: 60, max: 86400 },
  };
}

/** The real configuration restricted to its first subnet with a dynamic range (or a stand-in). */
function warmUpConfig(config: ServerConfig): { config: ServerConfig; relay: number } {
  const subnet = config.subnets.find((s) => s.ranges.length > 0) ?? scratchSubnet();
  // Any address of the subnet selects it as a relay's giaddr; the network address + 1 is one
  // even for a /31 or /32 (where it may equal the only address, which is still inside).
  const relay = subnet.prefixLength >= 31 ? subnet.network : subnet.network + 1;
  return { config: { ...config, subnets: [subnet], store: undefined }, relay };
}

/** PRL as perfdhcp-like relayed clients send it. */
const REQUESTED_OPTIONS = Uint8Array.of(1, 28, 2, 3, 15, 6, 12);

/** A relayed DISCOVER (1), REQUEST (3) or RELEASE (7) as a relay agent forwards it, encoded by the codec. */
function request(client: number, type: 1 | 3 | 7, relay: number, address: number): Buffer {
  const options = new Map<number, Uint8Array>([[53, Uint8Array.of(type)]]);
  if (type === 3) options.set(50, ipv4Bytes(address));
  if (type !== 1) options.set(54, ipv4Bytes(SERVER));
  options.set(55, REQUESTED_OPTIONS);
  const chaddr = new Uint8Array(16);
  chaddr[0] = 2; // 02:00:<client>: locally administered, never a real card
  chaddr.set(ipv4Bytes(client), 2);
  const bytes = encodeMessage({
    op: 1, htype: 1, hlen: 6, hops: 1, xid: (client * 4 + type) >>> 0, secs: 0, flags: 0,
    ciaddr: type === 7 ? address : 0, yiaddr: 0, siaddr: 0, giaddr: relay,
    chaddr, sname: new Uint8Array(64), file: new Uint8Array(128), hasMagicCookie: true, options,
  });
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** What the warm-up needs of a reply: its type, its address and which client it is for. */
function readReply(bytes: Uint8Array): { type: number | null; yiaddr: number; client: number } {
  const m = decodeMessage(bytes);
  return { type: messageType(m), yiaddr: m.yiaddr, client: readIpv4(m.chaddr, 2) };
}

/** Commits that only encode their records, as the embedded store would, and resolve at once. */
const encodingStore: LeaseStore = {
  load: () => Promise.resolve({ leases: [], dropped: [] }),
  commit(changes: readonly LeaseChange[]) {
    for (const c of changes) if (c.kind === 'upsert' && c.lease.state !== 'offered') encodeUpsert(c.lease);
    return Promise.resolve();
  },
  close: () => Promise.resolve(),
  stats: { syncs: 0, records: 0, largestBatch: 0, failures: 0 },
};

export interface WarmUpResult {
  /** ACKs the scratch server sent: the path really ran (tests check it). */
  acks: number;
  /** 'loopback': through real sockets; 'in-process': loopback was unusable, packets handed over directly; 'off': --warm-up 0. */
  path: 'loopback' | 'in-process' | 'off';
}

export interface WarmUpOptions {
  exchanges?: number;
  /** Time bound; default 250 ms per 3,000 exchanges (so --warm-up N also scales the bound). */
  maxMs?: number;
  /** false: skip the sockets (tests of the fallback). */
  loopback?: boolean;
}

/**
 * Runs up to `exchanges` DORA exchanges, each followed by a RELEASE (so a small pool never runs
 * dry), on a scratch engine: nothing shared with the real server, bounded by `maxMs`. Over
 * loopback with a scratch embedded store when it can (see the top of the file); where 127.0.0.1
 * cannot be bound (a namespace with `lo` down) the packets are handed over in process and the
 * commits only encoded. About 3,000 exchanges take 0.2-0.3 s on an idle 2-core VM.
 */
export async function warmUp(real: ServerConfig, opts: WarmUpOptions = {}): Promise<WarmUpResult> {
  const exchanges = opts.exchanges ?? DEFAULT_WARM_UP_EXCHANGES;
  const deadline = performance.now() + (opts.maxMs ?? exchanges / 12);
  // Silent: with -v the real log would list thousands of scratch decisions.
  const log = createLogger('warn', () => undefined);
  if (exchanges <= 0) return { acks: 0, path: 'off' };
  let sockets: { transport: DhcpTransport; client: dgram.Socket } | null = null;
  try {
    if (opts.loopback === false) throw new Error('loopback not wanted');
    sockets = await openLoopback();
  } catch {
    return { acks: await inProcess(real, exchanges, deadline, log), path: 'in-process' };
  }
  const embedded = real.store === undefined || real.store.kind === 'embedded';
  const dir = embedded ? await mkdtemp(join(tmpdir(), 'hydra-warm-up-')).catch(() => null) : null;
  try {
    const store = dir ? await openScratchStore(dir) : encodingStore;
    try {
      const acks = await overLoopback(real, exchanges, deadline, sockets.transport, sockets.client, store, log);
      return { acks, path: 'loopback' };
    } finally {
      await store.close();
    }
  } finally {
    sockets.client.close();
    await sockets.transport.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

/** A real embedded store in `dir`, or the encoding stub if that cannot be had (never fatal). */
async function openScratchStore(dir: string): Promise<LeaseStore> {
  try {
    const store = await openEmbeddedStore({ dataDir: dir });
    await store.load(); // an empty directory: nothing to read, but the log is opened here
    return store;
  } catch {
    return encodingStore;
  }
}

async function openLoopback(): Promise<{ transport: DhcpTransport; client: dgram.Socket }> {
  const transport = await DhcpTransport.open({ port: 0, address: '127.0.0.1', loopbackOnly: true, rescanIntervalMs: 0, bufferBytes: 1 << 20 });
  const client = dgram.createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('error', reject);
      client.bind(0, '127.0.0.1', () => {
        client.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    client.close();
    await transport.close();
    throw e;
  }
  return { transport, client };
}

function scratchDeps(config: ServerConfig, transport: DhcpTransport, store: LeaseStore, log: Logger): PipelineDeps {
  const engine = new DhcpEngine(config, new LeaseTable());
  return {
    engine,
    transport,
    counters: new Counters(),
    log,
    commits: new DurableCommits(store, engine.leases),
    onCommitFailure: () => undefined,
    serverId: SERVER,
    clock: () => Date.now() / 1000,
    replyLatency: () => undefined,
  };
}

/** Exchanges kept in flight at once: enough to fill event-loop turns as real load does. */
const WINDOW = 32;

function overLoopback(
  real: ServerConfig,
  exchanges: number,
  deadline: number,
  transport: DhcpTransport,
  client: dgram.Socket,
  store: LeaseStore,
  log: Logger,
): Promise<number> {
  const { config, relay } = warmUpConfig(real);
  const deps = scratchDeps(config, transport, store, log);
  const port = transport.port;
  let started = 0;
  let acks = 0;
  let inFlight = 0;
  return new Promise((resolve) => {
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(stuck);
      // Let the last RELEASEs and their commits land before the store closes.
      setTimeout(() => resolve(acks), 5);
    };
    // A datagram lost on loopback (full buffer) must not hold start-up: give up shortly after the deadline.
    const stuck = setTimeout(finish, Math.max(0, deadline - performance.now()) + 100);
    const send = (b: Buffer): void => client.send(b, port, '127.0.0.1');
    const startOne = (): void => {
      if (started >= exchanges || performance.now() >= deadline) {
        if (inFlight === 0) finish();
        return;
      }
      started++;
      inFlight++;
      send(request(started, 1, relay, 0));
    };
    transport.onPacket((data, from, iface) => {
      if (data[0] !== 2) {
        servePacket(deps, data, from, iface);
        return;
      }
      // Our own reply: routed to the relay, sent to 127.0.0.1 at our port.
      const reply = readReply(data);
      if (reply.type === MessageType.Offer) {
        send(request(reply.client, 3, relay, reply.yiaddr));
        return;
      }
      if (reply.type === MessageType.Ack) {
        acks++;
        send(request(reply.client, 7, relay, reply.yiaddr));
      }
      inFlight--; // ACK, or NAK: this exchange is over
      startOne();
    });
    for (let i = 0; i < WINDOW; i++) startOne();
  });
}

/** The fallback: the same exchanges handed to servePacket directly, replies caught in a stub transport. */
async function inProcess(real: ServerConfig, exchanges: number, deadline: number, log: Logger): Promise<number> {
  const { config, relay } = warmUpConfig(real);
  let offered = 0;
  let acks = 0;
  const iface: NetInterface = { name: 'warm-up', address: SERVER, prefixLength: 24, addresses: [{ address: SERVER, prefixLength: 24 }], internal: false };
  const transport = {
    port: 67,
    interfaces: () => [iface],
    send: (bytes: Uint8Array) => {
      const reply = readReply(bytes);
      if (reply.type === MessageType.Offer) offered = reply.yiaddr;
      else if (reply.type === MessageType.Ack) acks++;
    },
  } as unknown as DhcpTransport;
  const deps = scratchDeps(config, transport, encodingStore, log);
  const from = { address: '127.0.0.1', family: 'IPv4', port: 67, size: 0 };
  for (let n = 1; n <= exchanges && performance.now() < deadline; n++) {
    offered = 0;
    servePacket(deps, request(n, 1, relay, 0), from, iface);
    if (offered === 0) continue; // pool exhausted by a configuration without free addresses
    servePacket(deps, request(n, 3, relay, offered), from, iface);
    // The ACK leaves after its (instant) commit, a microtask later; the release follows it.
    await Promise.resolve();
    servePacket(deps, request(n, 7, relay, offered), from, iface);
    if (n % 250 === 0) await new Promise((r) => setImmediate(r));
  }
  await new Promise((r) => setImmediate(r));
  return acks;
}
