// Damaged store files at start, through the real `hydra` process: damage in the middle of the log
// and a torn last record cost only the records they hit (a warning names the file and byte, the
// other leases are served); a header that is not ours stops the server before it touches
// anything, because starting empty over real data would hand out addresses that are in use.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Lease } from '../../src/engine/types.js';
import { openEmbeddedStore } from '../../src/leases/embedded-store.js';
import { formatIpv4, parseIpv4 } from '../../src/protocol/ipv4.js';
import { clientKeyForMac, leaseTimeOf, messageTypeOf, MSG, RelayClient } from '../support/relay-client.js';
import { freePort, HydraProcess } from './hydra-server.js';

const LEASES = 20;
const HEADER_SIZE = 32;
const FRAME_HEADER = 8;

const CONFIG = `lease-time: 3600
subnets:
  - id: 1
    subnet: 10.77.0.0/24
    pools: [10.77.0.20-10.77.0.219]
`;

const work = mkdtempSync(join(tmpdir(), 'hydra-corrupt-'));
const configFile = join(work, 'hydra.yaml');
writeFileSync(configFile, CONFIG);

const macOf = (i: number): Uint8Array => Uint8Array.of(0x02, 0xc0, 0, 0, 0, i);
const addressOf = (i: number): number => parseIpv4('10.77.0.100')! + i;

/** A data dir holding LEASES bound leases, one commit (one log record) each, in index order. */
async function writeStore(name: string, opts: { compact?: boolean } = {}): Promise<string> {
  const dataDir = join(work, name);
  const store = await openEmbeddedStore({ dataDir });
  await store.load();
  const now = Date.now() / 1000;
  for (let i = 0; i < LEASES; i++) {
    const mac = macOf(i);
    const lease: Lease = {
      address: addressOf(i), subnetId: 1, clientKey: clientKeyForMac(mac), hwType: 1, hwAddress: mac,
      clientId: null, hostname: `host-${i}`, state: 'bound', issuedAt: now, expiresAt: now + 3600,
    };
    await store.commit([{ kind: 'upsert', lease }]);
  }
  if (opts.compact) await store.compact();
  await store.close();
  return dataDir;
}

/** Byte offsets of the records (frames) of a store file, in order. */
function frames(bytes: Buffer): { offset: number; length: number }[] {
  const out: { offset: number; length: number }[] = [];
  for (let pos = HEADER_SIZE; pos + FRAME_HEADER <= bytes.length; ) {
    const length = FRAME_HEADER + bytes.readUInt32LE(pos);
    out.push({ offset: pos, length });
    pos += length;
  }
  return out;
}

async function offlineLoad(dataDir: string): Promise<{ leases: Lease[]; dropped: { place: string; reason: string }[] }> {
  const store = await openEmbeddedStore({ dataDir });
  try {
    return await store.load();
  } finally {
    await store.close();
  }
}

describe('hydra starting on a damaged lease store', () => {
  let port: number;
  let relay: RelayClient;
  const running: HydraProcess[] = [];

  before(async () => {
    port = await freePort();
    relay = await RelayClient.open({ port, timeoutMs: 500, attempts: 4 });
  });

  after(async () => {
    relay?.close();
    for (const p of running) await p.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  });

  /** INIT-REBOOT for lease `i`'s address: the reply type (ACK/NAK) or null for silence. */
  async function reboot(i: number): Promise<{ type: number | null; yiaddr: number; seconds: number | null }> {
    const r = await relay.transact(relay.message(MSG.REQUEST, macOf(i), { requested: addressOf(i) }));
    return { type: messageTypeOf(r.reply), yiaddr: r.reply?.yiaddr ?? 0, seconds: r.reply ? leaseTimeOf(r.reply) : null };
  }

  /**
   * Starts hydra on `dataDir` (-T 2: it stops by itself), checks the warning, that every lease but
   * `lost` is served (INIT-REBOOT → ACK for its own address) and, after the clean stop, is in the store.
   */
  async function servesSurvivors(dataDir: string, lost: number, damagedAt: number, tornTail: boolean): Promise<string> {
    const server = await HydraProcess.start(port, ['--config', configFile, '--data-dir', dataDir, '-T', '2']);
    running.push(server);
    const log = server.stderr;
    const logFile = join(dataDir, 'leases.log');
    assert.match(log, /warn/i, `a warning about the damage:\n${log}`);
    assert.ok(log.includes(`${logFile} at byte ${damagedAt}`), `the warning names ${logFile} at byte ${damagedAt}:\n${log}`);
    assert.match(log, /dropped/i, log);
    for (let i = 0; i < LEASES; i++) {
      if (i === lost) continue;
      const r = await reboot(i);
      assert.equal(r.type, MSG.ACK, `lease ${i} (${formatIpv4(addressOf(i))}) survived the damage and is ACKed:\n${server.stderr}`);
      assert.equal(r.yiaddr, addressOf(i));
      assert.ok(r.seconds !== null && r.seconds > 3000, `lease time ${r.seconds}`);
    }
    const exit = await server.exited;
    assert.equal(exit.code, 0, `clean stop after -T 2:\n${server.stderr}`);
    const { leases, dropped } = await offlineLoad(dataDir);
    // A torn tail is cut away at the restart; damage inside the log stays until a compaction
    // rewrites it, so a later load may report it again — but nothing else.
    for (const d of dropped) assert.equal(d.place, `${logFile} at byte ${damagedAt}`, `only the known damage: ${JSON.stringify(dropped)}`);
    if (tornTail) assert.deepEqual(dropped, [], 'the restart cut the torn tail away');
    const bound = new Set(leases.filter((l) => l.state === 'bound').map((l) => l.address));
    for (let i = 0; i < LEASES; i++) {
      if (i !== lost) assert.ok(bound.has(addressOf(i)), `lease ${i} is still in the store after the stop`);
    }
    return log;
  }

  it('drops a record damaged in the middle of leases.log, names it, serves the rest', async () => {
    const dataDir = await writeStore('middle');
    const path = join(dataDir, 'leases.log');
    const bytes = readFileSync(path);
    const f = frames(bytes);
    assert.equal(f.length, LEASES, 'one record per committed lease');
    const victim = 10;
    const { offset, length } = f[victim]!;
    // Flip payload bytes, not the length field: the checksum is what must catch it.
    for (let k = FRAME_HEADER + 4; k < Math.min(length, FRAME_HEADER + 12); k++) bytes[offset + k]! ^= 0xa5;
    writeFileSync(path, bytes);
    const log = await servesSurvivors(dataDir, victim, offset, false);
    assert.match(log, /checksum/i, 'says why the record was dropped');
  });

  it('drops a last record cut in half (torn tail), names it, serves the rest', async () => {
    const dataDir = await writeStore('tail');
    const path = join(dataDir, 'leases.log');
    const f = frames(readFileSync(path));
    const last = f[f.length - 1]!;
    truncateSync(path, last.offset + Math.floor(last.length / 2));
    const log = await servesSurvivors(dataDir, LEASES - 1, last.offset, true);
    assert.match(log, /torn|incomplete/i, 'says the tail was torn');
  });

  for (const file of ['leases.log', 'leases.snapshot'] as const) {
    it(`refuses to start over ${file} with a garbage header, and leaves it untouched`, async () => {
      const dataDir = await writeStore(`garbage-${file}`, { compact: file === 'leases.snapshot' });
      const path = join(dataDir, file);
      const bytes = readFileSync(path);
      assert.ok(bytes.length > HEADER_SIZE, `${file} holds records`);
      Buffer.from('this is not a Hydra lease file!!').copy(bytes, 0);
      writeFileSync(path, bytes);
      const server = await HydraProcess.start(port, ['--config', configFile, '--data-dir', dataDir, '-T', '2'], { waitServing: false });
      running.push(server);
      const exit = await server.exited;
      assert.notEqual(exit.code, 0, `hydra must not start over an unreadable store:\n${server.stderr}`);
      assert.equal(exit.signal, null);
      assert.ok(server.stderr.includes(path), `the message names ${path}:\n${server.stderr}`);
      assert.doesNotMatch(server.stderr, /\bserving\b/, 'it never served');
      assert.doesNotMatch(server.stderr, /\n\s+at /, `one message, no stack trace:\n${server.stderr}`);
      assert.ok(readFileSync(path).equals(bytes), `${file} is left byte for byte as it was`);
    });
  }
});
