// The reason the native addon exists, shown in real network namespaces with NO default route:
// a device-bound socket broadcasts out of its interface, a plain dgram socket gets ENETUNREACH,
// a request's interface is known on a multi-homed server, and a reply reaches a client that
// has no address yet through a neighbour entry. All traffic stays inside the namespaces made here.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const pid = process.pid;
const SERVER_NS = `hy-net-s-${pid}`;
const CLIENT_NS = `hy-net-c-${pid}`;
const VETH_S = `hyns${pid}`;
const VETH_C = `hync${pid}`;
const SECOND_S = `hynx${pid}`;
const SECOND_C = `hyny${pid}`;
const SERVER_PORT = 6767;
const CLIENT_PORT = 6768;
const AGENT = fileURLToPath(new URL('./ns-agent.js', import.meta.url));

function canUseNetns(): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  return spawnSync('ip', ['netns', 'list'], { stdio: 'ignore' }).status === 0;
}
const skip = canUseNetns() ? false : 'needs root and ip netns';

function ip(...args: string[]): string {
  const r = spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr || r.error?.message}`);
  return r.stdout;
}

const children = new Set<ChildProcess>();

interface Agent {
  /** Resolves with the first JSON line whose event is `event`; rejects after `ms`. */
  waitFor(event: string, ms?: number): Promise<Record<string, any>>;
}

/** Runs a command in a namespace; `ready` is a line on stdout or stderr that says it listens. */
function spawnIn(ns: string, argv: string[]): { child: ChildProcess; waitForText(re: RegExp, ms?: number): Promise<string> } {
  const child = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let text = '';
  const waiters: Array<() => void> = [];
  const onData = (chunk: Buffer): void => {
    text += chunk.toString();
    for (const w of [...waiters]) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  child.on('exit', () => { for (const w of [...waiters]) w(); });
  return {
    child,
    waitForText(re, ms = 8000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const m = text.match(re);
          if (m) {
            cleanup();
            resolve(m[0]);
          } else if (child.exitCode !== null) {
            cleanup();
            reject(new Error(`${argv.join(' ')} exited (${child.exitCode}) without ${re}: ${text}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`${argv.join(' ')}: no ${re} within ${ms} ms; output: ${text}`));
        }, ms);
        const cleanup = (): void => {
          clearTimeout(timer);
          waiters.splice(waiters.indexOf(check), 1);
        };
        waiters.push(check);
        check();
      });
    },
  };
}

function agent(ns: string, cmd: string, args: Record<string, unknown>): Agent {
  const p = spawnIn(ns, [process.execPath, AGENT, cmd, JSON.stringify(args)]);
  return {
    async waitFor(event, ms) {
      const line = await p.waitForText(new RegExp(`^\\{"event":"${event}".*$`, 'm'), ms);
      return JSON.parse(line) as Record<string, any>;
    },
  };
}

describe('transport in network namespaces without a default route', { skip }, () => {
  let clientMac = '';

  before(() => {
    ip('netns', 'add', SERVER_NS);
    ip('netns', 'add', CLIENT_NS);
    ip('link', 'add', VETH_S, 'type', 'veth', 'peer', 'name', VETH_C);
    ip('link', 'set', VETH_S, 'netns', SERVER_NS);
    ip('link', 'set', VETH_C, 'netns', CLIENT_NS);
    ip('-n', SERVER_NS, 'addr', 'add', '10.78.0.1/24', 'dev', VETH_S);
    ip('-n', CLIENT_NS, 'addr', 'add', '10.78.0.2/24', 'dev', VETH_C);
    // A second link makes the server multi-homed, so "which interface" is a real question.
    ip('link', 'add', SECOND_S, 'type', 'veth', 'peer', 'name', SECOND_C);
    ip('link', 'set', SECOND_S, 'netns', SERVER_NS);
    ip('link', 'set', SECOND_C, 'netns', CLIENT_NS);
    ip('-n', SERVER_NS, 'addr', 'add', '10.78.1.1/24', 'dev', SECOND_S);
    for (const [ns, dev] of [[SERVER_NS, VETH_S], [SERVER_NS, SECOND_S], [SERVER_NS, 'lo'], [CLIENT_NS, VETH_C], [CLIENT_NS, SECOND_C], [CLIENT_NS, 'lo']] as const) {
      ip('-n', ns, 'link', 'set', dev, 'up');
    }
    assert.doesNotMatch(ip('-n', SERVER_NS, 'route', 'show'), /default/, 'the server namespace has no default route');
    clientMac = JSON.parse(ip('-n', CLIENT_NS, '-j', 'link', 'show', VETH_C))[0].address;
  });

  after(() => {
    for (const child of children) child.kill('SIGKILL');
    // Deleting a namespace deletes the veth pairs with it.
    for (const ns of [SERVER_NS, CLIENT_NS]) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  });

  test('a plain dgram socket cannot broadcast there: ENETUNREACH', async () => {
    const plain = agent(SERVER_NS, 'plain-broadcast', { clientPort: CLIENT_PORT });
    const done = await plain.waitFor('done');
    assert.equal(done.error, 'ENETUNREACH');
  });

  test('the transport knows the request came in on the veth and broadcasts the reply out of it', async () => {
    const listener = agent(CLIENT_NS, 'listen', { port: CLIENT_PORT });
    await listener.waitFor('ready');
    const server = agent(SERVER_NS, 'serve', { port: SERVER_PORT, clientPort: CLIENT_PORT, route: 'broadcast' });
    const ready = await server.waitFor('ready');
    assert.equal(ready.mode, 'per-interface', `device binding must work as root: ${ready.unavailableReason}`);
    assert.deepEqual([...ready.interfaces].sort(), [SECOND_S, VETH_S, 'lo'].sort());

    const sent = await agent(CLIENT_NS, 'send-plain', { to: '10.78.0.255', port: SERVER_PORT, text: 'DISCOVER' }).waitFor('done');
    assert.equal(sent.error, null);

    const packet = await server.waitFor('packet');
    assert.equal(packet.data, 'DISCOVER');
    assert.deepEqual(packet.iface, { name: VETH_S, address: '10.78.0.1', prefixLength: 24 });

    const reply = await listener.waitFor('packet');
    assert.equal(reply.data, 'reply to DISCOVER');
    assert.deepEqual(reply.from, { address: '10.78.0.1', port: SERVER_PORT });
    const done = await server.waitFor('done');
    assert.equal(done.counters.sendErrors, 0);
  });

  test('a unicast request (a renewal from ciaddr) is answered by unicast through the device-bound socket', async () => {
    const listener = agent(CLIENT_NS, 'listen', { port: CLIENT_PORT });
    await listener.waitFor('ready');
    const server = agent(SERVER_NS, 'serve', { port: SERVER_PORT, clientPort: CLIENT_PORT, route: 'unicast' });
    await server.waitFor('ready');
    await agent(CLIENT_NS, 'send-plain', { to: '10.78.0.1', port: SERVER_PORT, text: 'RENEW' }).waitFor('done');
    const packet = await server.waitFor('packet');
    assert.equal(packet.from.address, '10.78.0.2');
    assert.equal(packet.iface.name, VETH_S);
    const reply = await listener.waitFor('packet');
    assert.equal(reply.data, 'reply to RENEW');
    assert.deepEqual(reply.from, { address: '10.78.0.1', port: SERVER_PORT });
  });

  test('link-unicast: a neighbour entry lets the reply reach yiaddr at chaddr before the client has that address', async () => {
    const yiaddr = '10.78.0.50'; // not configured anywhere: only the neighbour entry can deliver it
    const capture = spawnIn(CLIENT_NS, ['tcpdump', '-n', '-e', '-l', '-i', VETH_C, '-c', '1', `udp and dst port ${CLIENT_PORT}`]);
    await capture.waitForText(/listening on/);
    const sender = agent(SERVER_NS, 'send', {
      port: SERVER_PORT, clientPort: CLIENT_PORT, iface: VETH_S, route: 'link-unicast', yiaddr, mac: clientMac, text: 'OFFER',
    });
    const done = await sender.waitFor('done');
    assert.equal(done.mode, 'per-interface');
    assert.equal(done.counters.arpFailures, 0);
    assert.equal(done.counters.linkUnicastAsBroadcast, 0);
    assert.equal(done.counters.sent, 1);

    const line = await capture.waitForText(/^.*UDP.*$/m);
    assert.match(line, new RegExp(`> ${clientMac},`), 'sent to the client hardware address');
    assert.match(line, new RegExp(`10\\.78\\.0\\.1\\.${SERVER_PORT} > ${yiaddr.replace(/\./g, '\\.')}\\.${CLIENT_PORT}:`));
    assert.match(ip('-n', SERVER_NS, 'neigh', 'show', yiaddr, 'dev', VETH_S), new RegExp(`lladdr ${clientMac}`));
  });

  test('without the addon the same link-unicast reply falls back to a broadcast, which fails here without a route', async () => {
    // Documented cost of the fallback: only a subnet-directed broadcast (SendOptions.subnetBroadcast)
    // would get out. The agent runs the fallback by hiding the addon.
    const sender = agent(SERVER_NS, 'send', {
      port: SERVER_PORT, clientPort: CLIENT_PORT, iface: VETH_S, route: 'link-unicast', yiaddr: '10.78.0.51', mac: clientMac, disableNative: true,
    });
    const done = await sender.waitFor('done');
    assert.equal(done.mode, 'single');
    assert.equal(done.counters.linkUnicastAsBroadcast, 1);
    assert.equal(done.counters.sendErrors, 1);
  });
});

