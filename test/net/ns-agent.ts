// Helper run inside a test's network namespace by namespace.test.ts (`ip netns exec NS node
// dist/test/net/ns-agent.js CMD JSON`). Prints one JSON line per event on stdout and exits by
// itself within a bounded time. Not a test file.
import dgram from 'node:dgram';
import { parseIpv4, formatIpv4 } from '../../src/protocol/ipv4.js';
import { DhcpTransport } from '../../src/net/transport.js';
import type { ReplyRoute } from '../../src/net/reply-routing.js';

const [cmd, json] = process.argv.slice(2);
const args = JSON.parse(json ?? '{}') as Record<string, unknown>;
const say = (o: unknown): void => void process.stdout.write(JSON.stringify(o) + '\n');
const deadline = setTimeout(() => {
  say({ event: 'timeout' });
  process.exit(2);
}, Number(args.timeoutMs ?? 5000));

function route(from?: { address: string }): ReplyRoute {
  const port = Number(args.clientPort);
  if (args.route === 'unicast' && from) return { kind: 'unicast', address: parseIpv4(from.address)!, port };
  if (args.route === 'link-unicast') {
    const hw = Uint8Array.from(String(args.mac).split(':').map((h) => parseInt(h, 16)));
    return { kind: 'link-unicast', address: parseIpv4(String(args.yiaddr))!, port, hw };
  }
  return { kind: 'broadcast', port };
}

async function finish(t: DhcpTransport): Promise<void> {
  await new Promise((r) => setTimeout(r, 300));
  say({ event: 'done', mode: t.mode, unavailableReason: t.unavailableReason, counters: t.counters });
  await t.close();
  clearTimeout(deadline);
}

switch (cmd) {
  // Open the transport on args.iface, wait for one packet, answer it along args.route.
  case 'serve': {
    const t = await DhcpTransport.open({ port: Number(args.port), iface: args.iface as string | undefined, rescanIntervalMs: 0 });
    t.onPacket((data, from, iface) => {
      say({ event: 'packet', data: data.toString(), from, iface: iface && { name: iface.name, address: formatIpv4(iface.address), prefixLength: iface.prefixLength } });
      t.send(Buffer.from(`reply to ${data.toString()}`), route(from), iface);
      void finish(t);
    });
    say({ event: 'ready', mode: t.mode, unavailableReason: t.unavailableReason, interfaces: t.interfaces().map((i) => i.name) });
    break;
  }
  // Open the transport and send one reply along args.route from args.iface, unprompted.
  case 'send': {
    const t = await DhcpTransport.open({
      port: Number(args.port), iface: args.iface as string | undefined, rescanIntervalMs: 0, disableNative: args.disableNative === true,
    });
    const iface = t.interfaces().find((i) => i.name === args.iface) ?? null;
    t.send(Buffer.from(String(args.text ?? 'hello')), route(), iface);
    await finish(t);
    break;
  }
  // What plain dgram does: send to 255.255.255.255 from an unbound-device socket.
  case 'plain-broadcast': {
    const s = dgram.createSocket('udp4');
    s.bind(0, () => {
      s.setBroadcast(true);
      s.send('plain', Number(args.clientPort), '255.255.255.255', (err) => {
        say({ event: 'done', error: err ? ((err as NodeJS.ErrnoException).code ?? err.message) : null });
        s.close();
        clearTimeout(deadline);
      });
    });
    break;
  }
  // Wait for one datagram on 0.0.0.0:args.port.
  case 'listen': {
    const s = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    s.on('message', (data, from) => {
      say({ event: 'packet', data: data.toString(), from: { address: from.address, port: from.port } });
      s.close();
      clearTimeout(deadline);
    });
    s.bind(Number(args.port), '0.0.0.0', () => say({ event: 'ready' }));
    break;
  }
  // Send one datagram to args.to:args.port (a subnet-directed broadcast is covered by the link route).
  case 'send-plain': {
    const s = dgram.createSocket('udp4');
    s.bind(0, () => {
      s.setBroadcast(true);
      s.send(String(args.text), Number(args.port), String(args.to), (err) => {
        say({ event: 'done', error: err ? err.message : null });
        s.close();
        clearTimeout(deadline);
      });
    });
    break;
  }
  default:
    say({ event: 'error', message: `unknown command ${cmd}` });
    process.exit(1);
}
