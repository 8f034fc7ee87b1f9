import type { ServerConfig, SubnetConfig } from '../config/model.js';
import { DhcpEngine, LeaseTable } from '../engine/engine.js';
import type { LeaseChange } from '../engine/types.js';
import type { LeaseStore } from '../leases/lease-store.js';
import { encodeUpsert } from '../leases/record-codec.js';
import type { NetInterface } from '../net/interfaces.js';
import type { DhcpTransport } from '../net/transport.js';
import { Counters } from './counters.js';
import { DurableCommits } from './durable-commits.js';
import { createLogger } from './logger.js';
import { servePacket, type PipelineDeps } from './packet-pipeline.js';

// Why: a fresh process runs its first few thousand packets in V8's interpreter and baseline code
// (80-90 µs of CPU per exchange instead of ~25 warm), so a server (re)started into 10,000
// exchanges/s saturates its core for its first 0.2-0.5 s and every client then waits tens of ms.
// Serving synthetic exchanges on a scratch engine before the socket opens moves that cost to
// start-up, where nobody waits for it. The scratch engine gets the real configuration's subnet
// objects: code optimised for hand-made look-alikes would be thrown away at the first real packet.

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

/** A relayed DISCOVER (1), REQUEST (3) or RELEASE (7) as a relay agent forwards it. */
function request(client: number, type: 1 | 3 | 7, relay: number, address: number): Buffer {
  const opts = [53, 1, type];
  if (type === 3) opts.push(50, 4, ...u32(address));
  if (type !== 1) opts.push(54, 4, ...u32(SERVER));
  opts.push(55, 7, 1, 28, 2, 3, 15, 6, 12, 255);
  const b = Buffer.alloc(240 + opts.length);
  b[0] = 1; // BOOTREQUEST
  b[1] = 1; // Ethernet
  b[2] = 6;
  b[3] = 1; // one relay hop
  b.writeUInt32BE((client * 4 + type) >>> 0, 4);
  if (type === 7) b.writeUInt32BE(address, 12); // ciaddr: the released lease
  b.writeUInt32BE(relay, 24);
  b[28] = 2; // chaddr 02:00:<client>: locally administered, never a real card
  b.writeUInt32BE(client, 30);
  b.writeUInt32BE(0x63825363, 236);
  b.set(opts, 240);
  return b;
}

const u32 = (n: number): number[] => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];

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

/**
 * Runs up to `exchanges` DORA exchanges, each followed by a RELEASE (so a small pool never runs
 * dry), through servePacket on a scratch engine: no socket, no disk, no state shared with the real
 * server. Bounded by `maxMs` and yielding to the event loop every 250 exchanges. About 3,000 take
 * 0.1-0.25 s on an idle 2-core VM. Returns the ACKs sent, so a caller can see the path really ran.
 */
export async function warmUp(real: ServerConfig, exchanges = DEFAULT_WARM_UP_EXCHANGES, maxMs = 250): Promise<number> {
  const deadline = performance.now() + maxMs;
  const { config, relay } = warmUpConfig(real);
  const engine = new DhcpEngine(config, new LeaseTable());
  let offered = 0;
  let acks = 0;
  const iface: NetInterface = { name: 'warm-up', address: SERVER, prefixLength: 24, addresses: [{ address: SERVER, prefixLength: 24 }], internal: false };
  const transport = {
    port: 67,
    interfaces: () => [iface],
    send: (bytes: Uint8Array) => {
      // Option 53 comes first in every reply: bytes 240-242 are 53, 1, type.
      if (bytes[242] === 2) offered = ((bytes[16]! << 24) | (bytes[17]! << 16) | (bytes[18]! << 8) | bytes[19]!) >>> 0;
      else if (bytes[242] === 5) acks++;
    },
  } as unknown as DhcpTransport;
  const deps: PipelineDeps = {
    engine,
    transport,
    counters: new Counters(),
    log: createLogger('warn', () => undefined),
    commits: new DurableCommits(encodingStore, engine.leases),
    onCommitFailure: () => undefined,
    serverId: SERVER,
    clock: () => Date.now() / 1000,
    replyLatency: () => undefined,
  };
  // Shaped as dgram's rinfo, which is what the real socket hands to servePacket.
  const from = { address: '10.86.255.2', family: 'IPv4', port: 67, size: 0 };
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
