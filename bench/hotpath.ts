// In-process microbenchmark of the single-worker packet path: wire DISCOVER → OFFER and
// REQUEST → ACK for many relayed clients, as perfdhcp sends them, through
//   decode → engine.handle → encode → routeReply   (per stage), and
//   servePacket, the runtime's whole per-packet function, with a recording transport and
//   commits that resolve at once (the CPU side of the path; the disk is left out).
// Stage times are wall-clock (a timer around each call); `cpu` and the pipeline figure are CPU
// time, which other processes on a shared machine disturb less. Run after a build:
//   node dist/bench/hotpath.js [--clients 50000] [--exchanges 200000] [--rounds 3] [--stage|--pipeline] [--store]
// --store: the pipeline commits through the real DurableCommits and embedded store (group commit,
// fdatasync) in a temporary directory, so its figure includes the commit path's CPU.
import type { ServerConfig } from '../src/config/model.js';
import { DhcpEngine } from '../src/engine/engine.js';
import type { LeaseChange } from '../src/engine/types.js';
import { encodeUpsert } from '../src/leases/record-codec.js';
import type { NetInterface } from '../src/net/interfaces.js';
import { routeReply } from '../src/net/reply-routing.js';
import type { DhcpTransport } from '../src/net/transport.js';
import { maxMessageSize, messageType } from '../src/protocol/accessors.js';
import { decodeMessage } from '../src/protocol/decode.js';
import { encodeMessageDetailed } from '../src/protocol/encode.js';
import { parseIpv4 } from '../src/protocol/ipv4.js';
import { Counters } from '../src/runtime/counters.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedStore, type EmbeddedStore } from '../src/leases/embedded-store.js';
import { DurableCommits } from '../src/runtime/durable-commits.js';
import { createLogger } from '../src/runtime/logger.js';
import { servePacket, type PipelineDeps } from '../src/runtime/packet-pipeline.js';
import { flag } from './flags.js';


const ip = (s: string): number => parseIpv4(s)!;
const SERVER = ip('10.86.0.1');
const RELAY = ip('10.86.0.2');
const PORT = 67;

/** The test network of the end-to-end run: a /16 whose pool is 10.86.1.0–10.86.255.254. */
function config(): ServerConfig {
  return {
    subnets: [
      {
        id: 1,
        name: 'bench',
        network: ip('10.86.0.0'),
        prefixLength: 16,
        ranges: [{ start: ip('10.86.1.0'), end: ip('10.86.255.254') }],
        exclusions: [],
        reservations: [],
        options: new Map([
          [3, Uint8Array.of(10, 86, 0, 1)],
          [6, Uint8Array.of(10, 86, 0, 1, 10, 86, 0, 2)],
          [15, new TextEncoder().encode('bench.hydra.test')],
        ]),
        leaseTimes: { default: 3600, min: 60, max: 86400 },
      } as ServerConfig['subnets'][number],
    ],
    authoritative: true,
    offerHoldSeconds: 60,
    declineProbationSeconds: 3600,
    leaseCachePercent: 25,
    source: 'bench/hotpath',
  };
}

/** A relayed request as perfdhcp builds it: giaddr set, chaddr = the client's MAC, PRL 1,28,2,3,15,6,12. */
function wireRequest(client: number, xid: number, type: 1 | 3, requested = 0, serverId = 0): Buffer {
  const options: number[] = [53, 1, type];
  if (type === 3) {
    options.push(50, 4, ...be32(requested), 54, 4, ...be32(serverId));
  }
  options.push(55, 7, 1, 28, 2, 3, 15, 6, 12, 255);
  const b = Buffer.alloc(240 + options.length);
  b[0] = 1; // BOOTREQUEST
  b[1] = 1; // Ethernet
  b[2] = 6;
  b[3] = 1; // one relay hop
  b.writeUInt32BE(xid >>> 0, 4);
  b.writeUInt32BE(RELAY, 24);
  b.set([0x00, 0x0c, (client >>> 24) & 255, (client >>> 16) & 255, (client >>> 8) & 255, client & 255], 28);
  b.writeUInt32BE(0x63825363, 236);
  b.set(options, 240);
  return b;
}

function be32(n: number): number[] {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
}

const from = { address: '10.86.0.2', port: PORT };
const iface: NetInterface = {
  name: 'bench0',
  address: SERVER,
  prefixLength: 24,
  addresses: [{ address: SERVER, prefixLength: 24 }],
  internal: false,
};

interface StageTimes {
  decode: number;
  engine: number;
  encode: number;
  route: number;
  record: number;
  /** CPU time of the whole round, packet building subtracted: what others' load disturbs least. */
  cpu: number;
}

/** One DORA per step, each stage timed on its own (the timer itself costs ~0.05 µs a call). */
function runStages(engine: DhcpEngine, clients: number, exchanges: number, start: number, now: number): StageTimes {
  const t: StageTimes = { decode: 0, engine: 0, encode: 0, route: 0, record: 0, cpu: 0 };
  const ctx = { now, serverId: SERVER, iface: null };
  let sink = 0;
  for (let n = 0; n < exchanges; n++) {
    const client = ((start + n) % clients) + 1;
    const discover = wireRequest(client, n * 2, 1);
    let a = performance.now();
    const d = decodeMessage(discover);
    let b = performance.now();
    t.decode += b - a;
    const offerDecision = engine.handle(d, ctx);
    a = performance.now();
    t.engine += a - b;
    const offer = offerDecision.reply;
    if (!offer) throw new Error(`no OFFER for client ${client}: ${offerDecision.reason}`);
    const offerBytes = encodeMessageDetailed(offer, maxMessageSize(d)).bytes;
    b = performance.now();
    t.encode += b - a;
    sink += routeReply(d, offer, messageType(offer)!, PORT).kind.length;
    a = performance.now();
    t.route += a - b;
    sink += offerBytes.length;

    const request = wireRequest(client, n * 2 + 1, 3, offer.yiaddr, SERVER);
    b = performance.now();
    const r = decodeMessage(request);
    a = performance.now();
    t.decode += a - b;
    const ackDecision = engine.handle(r, ctx);
    b = performance.now();
    t.engine += b - a;
    const ack = ackDecision.reply;
    if (!ack || messageType(ack) !== 5) throw new Error(`no ACK for client ${client}: ${ackDecision.reason}`);
    const ackBytes = encodeMessageDetailed(ack, maxMessageSize(r)).bytes;
    a = performance.now();
    t.encode += a - b;
    sink += routeReply(r, ack, 5, PORT).kind.length;
    b = performance.now();
    t.route += b - a;
    sink += ackBytes.length + recordBytes(offerDecision.changes) + recordBytes(ackDecision.changes);
    a = performance.now();
    t.record += a - b;
  }
  if (sink === 0) throw new Error('nothing was encoded');
  return t;
}

/** The CPU side of a commit: the store's record frames for what must be durable. */
function recordBytes(changes: readonly LeaseChange[]): number {
  let n = 0;
  for (const c of changes) if (c.kind === 'upsert' && c.lease.state !== 'offered') n += encodeUpsert(c.lease).length;
  return n;
}

/** The runtime's whole per-packet function, with sends recorded and commits resolved at once. */
function pipelineDeps(
  engine: DhcpEngine,
  now: () => number,
  sent: { bytes: Uint8Array | null; acks: number },
  store: EmbeddedStore | null,
): PipelineDeps {
  const transport = {
    port: PORT,
    interfaces: () => [iface],
    send: (bytes: Uint8Array) => {
      sent.bytes = bytes;
      if (bytes[242] === 5) sent.acks++; // option 53 comes first: 240 = 53, 241 = 1, 242 = type
    },
  } as unknown as DhcpTransport;
  const resolved = Promise.resolve();
  const commits = store ? new DurableCommits(store, engine.leases) : ({ commit: () => resolved } as unknown as DurableCommits);
  return {
    engine,
    transport,
    counters: new Counters(),
    log: createLogger('info', () => undefined),
    commits,
    onCommitFailure: (e) => {
      throw e;
    },
    serverId: undefined,
    clock: now,
  };
}

async function runPipeline(
  engine: DhcpEngine,
  clients: number,
  exchanges: number,
  start: number,
  now: number,
  store: EmbeddedStore | null,
): Promise<number> {
  const sent = { bytes: null as Uint8Array | null, acks: 0 };
  const deps = pipelineDeps(engine, () => now, sent, store);
  const t0 = cpuMs();
  for (let n = 0; n < exchanges; n++) {
    const client = ((start + n) % clients) + 1;
    sent.bytes = null;
    servePacket(deps, wireRequest(client, n * 2, 1), from, iface);
    const offer = sent.bytes as Uint8Array | null;
    if (!offer) throw new Error(`no OFFER for client ${client}`);
    const yiaddr = ((offer[16]! << 24) | (offer[17]! << 16) | (offer[18]! << 8) | offer[19]!) >>> 0;
    servePacket(deps, wireRequest(client, n * 2 + 1, 3, yiaddr, SERVER), from, iface);
    // Let the ACK's send (after its commit promise) run, as the event loop would, every 256.
    if ((n & 255) === 255) await (store ? new Promise((r) => setImmediate(r)) : Promise.resolve());
  }
  for (let waited = 0; sent.acks < exchanges && waited < 10_000; waited++) await new Promise((r) => setTimeout(r, 1));
  if (sent.acks < exchanges) throw new Error(`only ${sent.acks} of ${exchanges} ACKs were sent`);
  return cpuMs() - t0;
}

/** Milliseconds of CPU this process has used (user + system). */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Building the wire packets is the load generator's work: measured alone (CPU ms), to subtract. */
function packetBuildMs(clients: number, exchanges: number): number {
  const t0 = cpuMs();
  let sink = 0;
  for (let n = 0; n < exchanges; n++) {
    const client = (n % clients) + 1;
    sink += wireRequest(client, n * 2, 1).length + wireRequest(client, n * 2 + 1, 3, 0x0a560100 + n, SERVER).length;
  }
  if (sink === 0) throw new Error('unreachable');
  return cpuMs() - t0;
}

const us = (ms: number, n: number): string => ((ms * 1000) / n).toFixed(2).padStart(7);

async function main(): Promise<void> {
  const clients = flag('clients', 50_000);
  const exchanges = flag('exchanges', 200_000);
  const rounds = flag('rounds', 3);
  const withStore = process.argv.includes('--store');
  const only = process.argv.includes('--stage') ? 'stage' : process.argv.includes('--pipeline') ? 'pipeline' : 'both';
  const now = 1_790_000_000;
  console.log(`hotpath: ${clients} clients in a /16, ${exchanges} DORA exchanges per round, ${rounds} rounds, node ${process.version}`);
  console.log('µs per exchange (2 requests in, 2 replies out); first round includes warm-up and fresh allocations');
  let bestStages: StageTimes | null = null;
  let bestPipeline = Infinity;
  for (let round = 1; round <= rounds; round++) {
    const build = packetBuildMs(clients, exchanges);
    if (only !== 'pipeline') {
      // Each round starts from an empty table, so the first `clients` exchanges allocate.
      const engine = new DhcpEngine(config());
      const c0 = cpuMs();
      const t = runStages(engine, clients, exchanges, 0, now);
      t.cpu = cpuMs() - c0 - build;
      const total = t.decode + t.engine + t.encode + t.route + t.record;
      if (round > 1 && (!bestStages || t.cpu < bestStages.cpu)) bestStages = t;
      console.log(
        `round ${round}  stages: decode ${us(t.decode, exchanges)}  engine ${us(t.engine, exchanges)}  encode ${us(t.encode, exchanges)}` +
          `  route ${us(t.route, exchanges)}  record ${us(t.record, exchanges)}  sum ${us(total, exchanges)}  cpu ${us(t.cpu, exchanges)}`,
      );
    }
    if (only !== 'stage') {
      const dir = withStore ? await mkdtemp(join(tmpdir(), 'hydra-hotpath-')) : null;
      const store = dir ? await openEmbeddedStore({ dataDir: dir }) : null;
      await store?.load();
      const ms = await runPipeline(new DhcpEngine(config()), clients, exchanges, 0, now, store);
      if (store) console.log(`         store: ${store.stats.syncs} syncs, ${store.stats.records} records, largest batch ${store.stats.largestBatch}`);
      await store?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
      if (round > 1) bestPipeline = Math.min(bestPipeline, ms - build);
      console.log(
        `round ${round}  pipeline${withStore ? '+store' : ''} (servePacket ×2, CPU, packet building subtracted): ${us(ms - build, exchanges)}` +
          `   [packet building ${us(build, exchanges).trim()}]`,
      );
    }
  }
  // The machine is shared: the best warm round is the figure least disturbed by others.
  if (bestStages) {
    const t = bestStages;
    console.log(
      `best     stages: decode ${us(t.decode, exchanges)}  engine ${us(t.engine, exchanges)}  encode ${us(t.encode, exchanges)}` +
        `  route ${us(t.route, exchanges)}  record ${us(t.record, exchanges)}  sum ${us(sum(t), exchanges)}  cpu ${us(t.cpu, exchanges)}`,
    );
  }
  if (bestPipeline < Infinity) console.log(`best     pipeline: ${us(bestPipeline, exchanges)}`);
}

const sum = (t: StageTimes): number => t.decode + t.engine + t.encode + t.route + t.record;

await main();
