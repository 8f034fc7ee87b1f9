// The real `hydra` process on loopback: flags, exit codes, bad files, and a relayed DORA exchange.
// Traffic stays on 127.0.0.0/8: the server binds 127.0.0.1, a fake relay agent binds 127.0.0.2
// on the same port (replies go to giaddr on the server's port, RFC 2131 §4.1).
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodeMessage } from '../../src/protocol/decode.js';
import { encodeMessage } from '../../src/protocol/encode.js';
import { ipv4Bytes, parseIpv4 } from '../../src/protocol/ipv4.js';
import type { DhcpMessage } from '../../src/protocol/message.js';
import { findRecord } from '../support/log-records.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const PORT = 20000 + (process.pid % 20000);
const RELAY = '127.0.0.2';
const work = mkdtempSync(join(tmpdir(), 'hydra-cli-'));

function run(args: string[]) {
  return spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 15_000, cwd: work });
}

function request(type: number, mac: number, extra: [number, Uint8Array][] = []): DhcpMessage {
  const chaddr = new Uint8Array(16);
  chaddr.set([0x02, 0xac, 0x77, 0, 0, mac]);
  return {
    op: 1, htype: 1, hlen: 6, hops: 1, xid: 0x1000 + mac, secs: 0, flags: 0,
    ciaddr: 0, yiaddr: 0, siaddr: 0, giaddr: parseIpv4(RELAY)!, chaddr,
    sname: new Uint8Array(64), file: new Uint8Array(128), hasMagicCookie: true,
    // Option 118 names the client's subnet, since giaddr is a loopback address here.
    options: new Map<number, Uint8Array>([[53, Uint8Array.of(type)], [118, ipv4Bytes(parseIpv4('10.77.0.0')!)], ...extra]),
  };
}

describe('hydra command line', () => {
  it('prints usage with every seed flag for -? and --help', () => {
    for (const flag of ['-?', '-h', '--help']) {
      const r = run([flag]);
      assert.equal(r.status, 0);
      for (const f of ['--pooldir', '--cores', '--version', '--verbose', '--debug', '--middleman', '--udp', '--timeout', '--iface', '--config', '--data-dir', '--server-id']) {
        assert.match(r.stdout, new RegExp(f), `${flag} mentions ${f}`);
      }
    }
  });

  it('prints the package version for -V', () => {
    const r = run(['-V']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^hydra \d+\.\d+\.\d+\n$/);
  });

  it('refuses bad flags with one line and exit status 2', () => {
    for (const [args, text] of [
      [['-x'], /Unknown option '-x'/],
      [['-U', 'abc'], /-U\/--udp: expected a whole number/],
      [['-M', '3'], /-M\/--middleman: expected 1, 2 or 4/],
      [['--server-id', '300.1.1.1'], /--server-id: expected an IPv4 address/],
      [['-D', 'x', '--config', 'y'], /alternatives/],
      [['stray'], /unexpected argument 'stray'/],
    ] as const) {
      const r = run([...args]);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, text);
      assert.equal(r.stderr.trim().split('\n').length, 1, 'one line, no stack');
    }
  });

  it('refuses a bad configuration file naming file and line, exit status 1', () => {
    const bad = join(work, 'bad.yaml');
    writeFileSync(bad, 'subnets:\n  - subnet: 10.77.0.0/24\n    pools: ["10.77.0.9-10.77.0.5"]\n');
    const r = run(['--config', bad, '--bind', '127.0.0.1', '-U', String(PORT)]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /bad\.yaml:3:/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });

  it('refuses a missing pool directory, exit status 1', () => {
    const r = run(['-D', join(work, 'nope'), '--bind', '127.0.0.1', '-U', String(PORT)]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /nope/);
  });

  it('loads the seed pools and stops by itself after -T seconds with status 0', () => {
    const pools = fileURLToPath(new URL('../../../examples/pools', import.meta.url));
    const r = run(['-D', pools, '--bind', '127.0.0.1', '-U', String(PORT), '-T', '1', '--data-dir', join(work, 'd1')]);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(findRecord(r.stderr, 'serving', { level: 'info', subnets: 2 }), r.stderr);
    assert.ok(findRecord(r.stderr, 'stopped', { reason: 'timeout 1s' }), r.stderr);
  });
});

describe('hydra serving a relayed client on loopback', () => {
  let server: ChildProcess;
  let relay: dgram.Socket;
  let stderr = '';
  const inbox: DhcpMessage[] = [];
  const waiters: (() => void)[] = [];

  before(async () => {
    server = spawn(process.execPath, [MAIN, '--bind', '127.0.0.1', '-U', String(PORT), '-v', '--data-dir', join(work, 'd2')], { cwd: work });
    server.stderr!.on('data', (b: Buffer) => { stderr += b.toString(); });
    const deadline = Date.now() + 10_000;
    while (!stderr.includes('serving')) {
      if (Date.now() > deadline || server.exitCode !== null) throw new Error(`server did not start:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    relay = dgram.createSocket('udp4');
    relay.on('message', (b) => { inbox.push(decodeMessage(b)); waiters.shift()?.(); });
    await new Promise<void>((r) => relay.bind(PORT, RELAY, r));
  });

  after(() => {
    relay?.close();
    server?.kill('SIGTERM');
  });

  async function exchange(msg: DhcpMessage): Promise<DhcpMessage> {
    const got = new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no reply within 3 s; server log:\n${stderr}`)), 3000);
      waiters.push(() => { clearTimeout(t); resolve(); });
    });
    relay.send(encodeMessage(msg), PORT, '127.0.0.1');
    await got;
    return inbox.shift()!;
  }

  it('warms up over loopback before serving, silently even with -v', () => {
    const beforeServing = stderr.slice(0, stderr.indexOf('serving'));
    assert.ok(!beforeServing.includes('"decision"'), beforeServing);
    const serving = stderr.split('\n').find((l) => l.includes('"msg":"serving"'));
    assert.match(serving ?? '', /"warmUp":"[1-9]\d* exchanges loopback"/);
  });

  it('completes DISCOVER/OFFER/REQUEST/ACK with the configured options', async () => {
    const offer = await exchange(request(1, 1, [[55, Uint8Array.of(1, 3, 6, 15)]]));
    assert.equal(offer.options.get(53)?.[0], 2);
    assert.ok(offer.yiaddr >= parseIpv4('10.77.0.100')! && offer.yiaddr <= parseIpv4('10.77.0.199')!);
    assert.deepEqual([...offer.options.get(54)!], [127, 0, 0, 1], 'server id is the address we were reached at');
    const ack = await exchange(request(3, 1, [[50, ipv4Bytes(offer.yiaddr)], [54, offer.options.get(54)!]]));
    assert.equal(ack.options.get(53)?.[0], 5);
    assert.equal(ack.yiaddr, offer.yiaddr);
    assert.deepEqual([...ack.options.get(3)!], [10, 77, 0, 1]);
    assert.equal(Buffer.from(ack.options.get(15)!).toString(), 'hydra.test');
    assert.ok(findRecord(stderr, 'decision', { level: 'verbose', message: 'REQUEST', reason: 'ack', subnet: 1 }), stderr);
  });

  it('counts and drops malformed packets and keeps serving', async () => {
    const junk = dgram.createSocket('udp4');
    await new Promise<void>((r) => junk.bind(0, '127.0.0.3', r));
    for (const bytes of [Buffer.alloc(10), Buffer.alloc(300, 0xff), Buffer.from('not dhcp at all')]) {
      junk.send(bytes, PORT, '127.0.0.1');
    }
    await new Promise((r) => setTimeout(r, 200));
    junk.close();
    assert.equal(server.exitCode, null, 'still running');
    assert.match(stderr, /dropped malformed packet/);
    const offer = await exchange(request(1, 2));
    assert.equal(offer.options.get(53)?.[0], 2);
  });

  it('stops cleanly on SIGTERM with status 0', async () => {
    const exited = new Promise<number | null>((r) => server.once('exit', (code) => r(code)));
    server.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.ok(findRecord(stderr, 'stopped', { reason: 'SIGTERM', 'pkt4-parse-failed': 3 }), stderr);
  });
});
