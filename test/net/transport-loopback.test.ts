// The transport on loopback only: unicast and relay replies, and the guarantee that broadcasts
// never leave a loopback socket. No packet here leaves 127.0.0.0/8.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram, { type Socket } from 'node:dgram';
import { networkInterfaces } from 'node:os';
import { parseIpv4 } from '../../src/protocol/ipv4.js';
import { DhcpTransport, TransportError, type PacketSource } from '../../src/net/transport.js';
import type { NetInterface } from '../../src/net/interfaces.js';
import { loadNative } from '../../src/net/native.js';

const ip = (s: string): number => parseIpv4(s)!;

async function clientSocket(): Promise<Socket> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  return s;
}

function nextMessage(s: Socket, ms = 2000): Promise<{ data: Buffer; from: dgram.RemoteInfo }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no datagram within ${ms} ms`)), ms);
    s.once('message', (data, from) => {
      clearTimeout(timer);
      resolve({ data, from });
    });
  });
}

/** Resolves true if a datagram arrives within `ms`, false otherwise. */
function anyMessage(s: Socket, ms: number): Promise<boolean> {
  return nextMessage(s, ms).then(() => true, () => false);
}

type Received = { data: Buffer; from: PacketSource; iface: NetInterface | null };
function nextPacket(t: DhcpTransport, ms = 2000): Promise<Received> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`transport got nothing within ${ms} ms`)), ms);
    let done = false;
    t.onPacket((data, from, iface) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ data, from, iface });
    });
  });
}

async function sendTo(s: Socket, port: number, text: string): Promise<void> {
  await new Promise<void>((resolve, reject) => s.send(text, port, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
}

test('receives with interface info and replies unicast and to a relay, from its own port', async (t) => {
  const transport = await DhcpTransport.open({ port: 0, address: '127.0.0.1', rescanIntervalMs: 0 });
  const client = await clientSocket();
  t.after(async () => {
    client.close();
    await transport.close();
  });
  assert.equal(transport.mode, 'single');
  assert.ok(transport.port > 0);

  const got = nextPacket(transport);
  await sendTo(client, transport.port, 'DISCOVER');
  const { data, from, iface } = await got;
  assert.equal(data.toString(), 'DISCOVER');
  assert.equal(from.address, '127.0.0.1');
  assert.equal(from.port, client.address().port);
  assert.ok(iface, 'the interface owning 127.0.0.1 is known');
  assert.equal(iface.address, ip('127.0.0.1'));
  assert.equal(iface.prefixLength, 8);
  assert.equal(iface.internal, true);

  const unicast = nextMessage(client);
  transport.send(Buffer.from('ACK'), { kind: 'unicast', address: ip('127.0.0.1'), port: from.port }, iface);
  const u = await unicast;
  assert.equal(u.data.toString(), 'ACK');
  assert.equal(u.from.port, transport.port, 'replies come from the server port');

  const relayed = nextMessage(client);
  transport.send(Buffer.from('OFFER'), { kind: 'relay', address: ip('127.0.0.1'), port: from.port }, iface);
  assert.equal((await relayed).data.toString(), 'OFFER');
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(transport.counters.sent, 2);
  assert.equal(transport.counters.received, 1);
  assert.equal(transport.counters.sendErrors, 0);
});

test('never broadcasts from loopback: broadcast and link-unicast replies are suppressed and counted', async (t) => {
  const transport = await DhcpTransport.open({ port: 0, address: '127.0.0.1', rescanIntervalMs: 0 });
  const client = await clientSocket();
  t.after(async () => {
    client.close();
    await transport.close();
  });
  const lo = transport.interfaceFor(ip('127.0.0.1'));
  const port = client.address().port;
  const arrived = anyMessage(client, 300);
  transport.send(Buffer.from('NAK'), { kind: 'broadcast', port }, lo);
  transport.send(Buffer.from('OFFER'), { kind: 'link-unicast', address: ip('127.0.0.1'), port, hw: new Uint8Array(6) }, lo);
  transport.send(Buffer.from('OFFER'), { kind: 'broadcast', port }, null, { subnetBroadcast: ip('127.255.255.255') });
  assert.equal(await arrived, false);
  assert.equal(transport.counters.broadcastSuppressed, 3);
  assert.equal(transport.counters.linkUnicastAsBroadcast, 1);
  assert.equal(transport.counters.sent, 0);
});

test('a throwing packet handler neither crashes the server nor starves the next handler', async (t) => {
  const logs: string[] = [];
  const transport = await DhcpTransport.open({ port: 0, address: '127.0.0.1', rescanIntervalMs: 0, log: (m) => logs.push(m) });
  const client = await clientSocket();
  t.after(async () => {
    client.close();
    await transport.close();
  });
  transport.onPacket(() => {
    throw new Error('handler bug');
  });
  const got = nextPacket(transport);
  await sendTo(client, transport.port, 'x');
  assert.equal((await got).data.toString(), 'x');
  assert.ok(logs.some((l) => l.includes('handler bug')));
});

test('send after close is a no-op, not a crash', async () => {
  const transport = await DhcpTransport.open({ port: 0, address: '127.0.0.1', rescanIntervalMs: 0 });
  await transport.close();
  transport.send(Buffer.from('x'), { kind: 'unicast', address: ip('127.0.0.1'), port: 9 }, null);
  assert.equal(transport.counters.sent, 0);
});

test('fallback mode says why it is in use', async (t) => {
  const transport = await DhcpTransport.open({ port: 0, address: '127.0.0.1', rescanIntervalMs: 0, disableNative: true });
  t.after(() => transport.close());
  assert.equal(transport.mode, 'single');
  assert.match(transport.unavailableReason ?? '', /native addon disabled/);
});

test('bad options are refused with a message naming the culprit', async () => {
  await assert.rejects(DhcpTransport.open({ port: 0, iface: 'hy-no-such0' }), (e: unknown) => {
    assert.ok(e instanceof TransportError);
    assert.match(e.message, /interface "hy-no-such0" not found/);
    return true;
  });
  await assert.rejects(DhcpTransport.open({ port: 0, address: '10.0.0' }), /bind address "10.0.0" is not an IPv4 address/);
  await assert.rejects(DhcpTransport.open({ port: 70000, address: '127.0.0.1' }), /port 70000/);
});

const loName = Object.entries(networkInterfaces()).find(([, infos]) => infos?.some((i) => i.internal && i.family === 'IPv4'))?.[0];

test('-I lo without a bind address: a device-bound socket on lo when the addon is there', { skip: loName ? false : 'no loopback interface' }, async (t) => {
  const transport = await DhcpTransport.open({ port: 0, iface: loName!, rescanIntervalMs: 0 });
  const client = await clientSocket();
  t.after(async () => {
    client.close();
    await transport.close();
  });
  if (loadNative().ok && process.getuid?.() === 0) assert.equal(transport.mode, 'per-interface');
  if (transport.mode === 'single') assert.ok(transport.unavailableReason, 'single mode without a bind address says why');
  assert.deepEqual(transport.interfaces().map((i) => i.name), [loName]);
  const got = nextPacket(transport);
  await sendTo(client, transport.port, 'hello lo');
  const { iface } = await got;
  assert.equal(iface?.name, loName);
});

test('rescan closes sockets of vanished interfaces and opens them when they come back', { skip: loadNative().ok && process.getuid?.() === 0 ? false : 'needs the native addon and root' }, async (t) => {
  let present = true;
  const lister = () => {
    const all = networkInterfaces();
    return present ? { [loName!]: all[loName!] } : {};
  };
  const transport = await DhcpTransport.open({ port: 0, rescanIntervalMs: 0, listInterfaces: lister });
  const client = await clientSocket();
  t.after(async () => {
    client.close();
    await transport.close();
  });
  assert.equal(transport.mode, 'per-interface');
  assert.deepEqual(transport.interfaces().map((i) => i.name), [loName]);
  present = false;
  await transport.rescan();
  assert.deepEqual(transport.interfaces(), []);
  present = true;
  await transport.rescan();
  assert.deepEqual(transport.interfaces().map((i) => i.name), [loName]);
  const got = nextPacket(transport);
  await sendTo(client, transport.port, 'back');
  assert.equal((await got).iface?.name, loName);
});
