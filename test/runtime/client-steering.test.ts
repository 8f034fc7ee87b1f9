// Hydra mode's kernel steering agrees with shardOf: N reuseport sockets on loopback with the
// client-steering BPF program attached, packets for many MACs sent from 127.0.0.2, and each
// packet must arrive at socket shardOf(chaddr, N) — the socket that joined the group N-th.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { test } from 'node:test';
import { loadSteeringNet, type SteeringNet } from '../../src/net/native.js';
import { shardOf } from '../../src/runtime/shard-of-client.js';

const load = loadSteeringNet();
const skip = load.ok ? false : `steering unavailable: ${load.ok ? '' : load.reason}`;

/** A BOOTREQUEST-shaped payload (240 bytes) carrying `mac` at chaddr (offset 28) and `seq` in xid. */
function packet(mac: Uint8Array, seq: number): Buffer {
  const b = Buffer.alloc(240);
  b[0] = 1;
  b[1] = 1;
  b[2] = 6;
  b.writeUInt32BE(seq, 4);
  b.set(mac, 28);
  b.writeUInt32BE(0x63825363, 236);
  return b;
}

/** Deterministic pseudo-random MACs (xorshift), with every byte varying. */
function macs(count: number): Uint8Array[] {
  let x = 0x9e3779b9;
  const next = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  return Array.from({ length: count }, () => {
    const a = next();
    const b = next();
    return Uint8Array.of((b >>> 8) & 0xfe, b & 0xff, a >>> 24, (a >>> 16) & 0xff, (a >>> 8) & 0xff, a & 0xff);
  });
}

async function group(net: SteeringNet, n: number): Promise<{ sockets: dgram.Socket[]; port: number }> {
  const fds: number[] = [];
  for (let i = 0; i < n; i++) fds.push(net.openReusePortUdp('127.0.0.1', i === 0 ? 0 : net.boundPort(fds[0]!), null));
  net.attachClientSteering(fds[0]!, n);
  const port = net.boundPort(fds[0]!);
  const sockets = await Promise.all(
    fds.map(
      (fd) =>
        new Promise<dgram.Socket>((resolve, reject) => {
          const s = dgram.createSocket('udp4');
          s.once('error', reject);
          s.bind({ fd }, () => resolve(s));
        }),
    ),
  );
  return { sockets, port };
}

for (const n of [2, 3, 4]) {
  test(`every packet of a client reaches socket shardOf(chaddr, ${n})`, { skip, timeout: 20_000 }, async () => {
    assert.ok(load.ok);
    const { sockets, port } = await group(load.addon, n);
    const sender = dgram.createSocket('udp4');
    await new Promise<void>((r) => sender.bind(0, '127.0.0.2', r));
    const all = macs(600);
    const got = new Map<number, number>(); // seq → socket index
    sockets.forEach((s, i) => s.on('message', (m) => got.set(m.readUInt32BE(4), i)));
    try {
      // Paced in small batches so no receive buffer overflows; each MAC sent twice.
      for (let round = 0; round < 2; round++) {
        for (let i = 0; i < all.length; i++) {
          sender.send(packet(all[i]!, round * all.length + i), port, '127.0.0.1');
          if (i % 50 === 49) await new Promise((r) => setTimeout(r, 5));
        }
      }
      const deadline = Date.now() + 5000;
      while (got.size < 2 * all.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(got.size, 2 * all.length, 'every packet arrived');
      const wrong: string[] = [];
      const perSocket = new Array<number>(n).fill(0);
      for (const [seq, i] of got) {
        const mac = all[seq % all.length]!;
        perSocket[i]!++;
        if (i !== shardOf(mac, n)) wrong.push(`${Buffer.from(mac).toString('hex')} → socket ${i}, shardOf says ${shardOf(mac, n)}`);
      }
      assert.deepEqual(wrong.slice(0, 10), []);
      // Not a timing assert: with 600 random MACs every socket gets a fair share.
      for (const c of perSocket) assert.ok(c > (2 * all.length) / n / 2, `uneven spread: ${perSocket.join(',')}`);
    } finally {
      sender.close();
      for (const s of sockets) s.close();
    }
  });
}

test('a packet too short to hold chaddr goes to socket 0', { skip, timeout: 10_000 }, async () => {
  assert.ok(load.ok);
  const { sockets, port } = await group(load.addon, 3);
  const sender = dgram.createSocket('udp4');
  await new Promise<void>((r) => sender.bind(0, '127.0.0.2', r));
  const got: number[] = [];
  sockets.forEach((s, i) => s.on('message', () => got.push(i)));
  try {
    for (let k = 0; k < 5; k++) sender.send(Buffer.alloc(20, 0xff), port, '127.0.0.1');
    const deadline = Date.now() + 3000;
    while (got.length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(got, [0, 0, 0, 0, 0]);
  } finally {
    sender.close();
    for (const s of sockets) s.close();
  }
});

test('shardOf reads chaddr bytes 2..5 big-endian', () => {
  assert.equal(shardOf(Uint8Array.of(0xff, 0xff, 0, 0, 0, 7), 4), 3);
  assert.equal(shardOf(Uint8Array.of(0, 0, 0x80, 0, 0, 0), 3), 0x80000000 % 3);
  assert.equal(shardOf(Uint8Array.of(1, 2), 5), 0);
});
