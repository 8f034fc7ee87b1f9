// "No ACK leaves before its lease is durable", checked at the system-call level. SIGKILL (the crash
// test) cannot tell a synced write from an unsynced one: the kernel's page cache outlives the
// process, so only a power cut would show the difference. Here the server runs under strace and
// for every ACK sent we find the latest write of that client's record that began before the
// send, and require an fdatasync/fsync of the same file that started after that write returned
// and returned before the send. Also a check that group commit happens: fewer syncs than ACKs.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { formatIpv4 } from '../../src/protocol/ipv4.js';
import { macFor, RelayClient } from '../support/relay-client.js';
import { runLoad } from './client-load.js';
import { freePort, HYDRA_MAIN } from './hydra-server.js';
import { LeaseLedger } from './lease-ledger.js';
import { leaseLogEvents, parseStrace } from './strace-log.js';

const hasStrace = spawnSync('strace', ['-V']).status === 0;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('every ACK is sent after its lease record was synced', () => {
  const work = mkdtempSync(join(tmpdir(), 'hydra-sync-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  it('holds for DORA, INIT-REBOOT, REBINDING and cached renewals under concurrent load', { skip: hasStrace ? false : 'strace is not installed', timeout: 60_000 }, async () => {
    const config = join(work, 'hydra.yaml');
    writeFileSync(config, 'lease-time: 3600\nsubnets:\n  - id: 1\n    subnet: 10.77.0.0/24\n    pools: [10.77.0.20-10.77.0.219]\n');
    const trace = join(work, 'trace.txt');
    const port = await freePort();
    const child = spawn('strace', [
      '-f', '-ttt', '-T', '-yy', '-xx', '-s', '1000000', '-o', trace,
      '-e', 'trace=write,pwrite64,writev,pwritev,pwritev2,fdatasync,fsync,sendmsg',
      process.execPath, HYDRA_MAIN, '--bind', '127.0.0.1', '-U', String(port), '--config', config, '--data-dir', join(work, 'data'),
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const deadline = Date.now() + 20_000;
    while (!/\bserving\b/.test(stderr)) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`hydra under strace did not start:\n${stderr}`);
      }
      await sleep(50);
    }
    const relay = await RelayClient.open({ port, timeoutMs: 1000, attempts: 3 });
    const ledger = new LeaseLedger(80, macFor);
    let stats;
    try {
      stats = await runLoad(relay, ledger, { concurrency: 25, maxOperations: 400, maxMs: 20_000, stopped: () => false, random: Math.random });
    } finally {
      relay.close();
      // SIGTERM to hydra itself (strace's child), so it stops cleanly and strace exits with it.
      const pid = Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/)[0]);
      if (pid > 0) process.kill(pid, 'SIGTERM');
      else child.kill('SIGKILL');
    }
    assert.equal(await exited, 0, stderr);
    assert.deepEqual(ledger.violations, []);

    const { writes, syncs, sent } = leaseLogEvents(parseStrace(readFileSync(trace, 'utf8')));
    const acks = sent.filter((s) => s.message.options.get(53)?.[0] === 5);
    assert.ok(acks.length >= 100, `enough ACKs to mean something: ${acks.length} (${JSON.stringify(stats)})`);
    const problems: string[] = [];
    for (const ack of acks) {
      const address = ack.message.yiaddr;
      const hw = Buffer.from(ack.message.chaddr.subarray(0, 6)).toString('hex');
      const write = writes.filter((w) => w.start < ack.start && w.records.some((r) => r.address === address && r.hw === hw && r.state === 1)).at(-1);
      const what = `ACK of ${formatIpv4(address)} to ${hw} sent at ${ack.start.toFixed(6)}`;
      if (!write) {
        problems.push(`${what}: no write of its bound record before it`);
        continue;
      }
      const synced = syncs.some((s) => s.fd === write.fd && s.start >= write.end && s.end <= ack.start);
      if (!synced) problems.push(`${what}: record written ${write.start.toFixed(6)}–${write.end.toFixed(6)}, no sync of that file completed between the write and the send`);
    }
    console.log(`ack-after-sync: ${acks.length} ACKs, ${writes.length} log writes, ${syncs.length} syncs`);
    assert.deepEqual(problems.slice(0, 30), [], `${problems.length} of ${acks.length} ACKs left before their lease was synced`);
    assert.ok(syncs.length < acks.length, `group commit: ${syncs.length} syncs for ${acks.length} ACKs`);
  });
});
