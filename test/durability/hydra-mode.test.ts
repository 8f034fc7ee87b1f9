// Hydra mode's promises with several workers, through the real process on loopback: 250 simulated
// clients behind the fake relay run DORA / INIT-REBOOT / REBINDING / RELEASE concurrently against
// `hydra -P 2` while one worker is SIGKILLed mid-load (the supervisor restarts it on its shard);
// then the same data dir is served with -P 3 (a re-shard: leases move to their clients' new
// workers, some addresses are carried) and with -P 1 (folded back into one store). Checked:
//   - never an OFFER or ACK of an address another client holds, never a NAK for a held address
//     (across the kill, the restart and both re-shards);
//   - every holder's INIT-REBOOT is ACKed after the kill and after each re-shard (clients keep
//     their leases);
//   - offline, every held lease is bound in exactly one shard store, the shard of its client
//     (shardOf), and no address is bound to two clients across the shard stores.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openEmbeddedStore } from '../../src/leases/embedded-store.js';
import type { Lease } from '../../src/engine/types.js';
import { loadSteeringNet } from '../../src/net/native.js';
import { shardOf } from '../../src/runtime/shard-of-client.js';
import { formatIpv4 } from '../../src/protocol/ipv4.js';
import { macFor, RelayClient } from '../support/relay-client.js';
import { runLoad, verifyAll, type LoadStats } from './client-load.js';
import { freePort, HYDRA_MAIN, HydraProcess } from './hydra-server.js';
import { LeaseLedger } from './lease-ledger.js';
import { loadRig } from './load-rig.js';
import { seeded, sleep } from './seeded.js';

const steering = loadSteeringNet();
const skip = steering.ok ? false : `Hydra mode unavailable: ${steering.ok ? '' : steering.reason}`;

const POPULATION = 250;
const CONCURRENCY = 50;
const CONFIG = `# hydra mode test: a small pool so addresses change hands within each worker's block
lease-time: 3600
subnets:
  - id: 1
    subnet: 10.77.0.0/24
    pools: [10.77.0.20-10.77.0.219]
    options: { routers: [10.77.0.1] }
`;

async function readDir(dir: string): Promise<Lease[]> {
  const store = await openEmbeddedStore({ dataDir: dir });
  try {
    return (await store.load()).leases;
  } finally {
    await store.close();
  }
}

/** Every shard store of an n-worker data dir (the data dir itself for one worker). */
async function readShards(dataDir: string, n: number): Promise<Lease[][]> {
  if (n === 1) return [await readDir(dataDir)];
  const out: Lease[][] = [];
  for (let k = 0; k < n; k++) out.push(await readDir(join(dataDir, `shard-${k}-of-${n}`)));
  return out;
}

/** Each lease in its client's shard; no address bound (unexpired) in two shards; the ledger's checks on the union. */
function checkShards(ledger: LeaseLedger, shards: Lease[][]): string[] {
  const n = shards.length;
  const now = Date.now() / 1000;
  const problems: string[] = [];
  const boundIn = new Map<number, number[]>();
  shards.forEach((leases, k) => {
    for (const l of leases) {
      if (n > 1 && shardOf(l.hwAddress, n) !== k) problems.push(`${formatIpv4(l.address)} for ${l.clientKey} is in shard ${k}, its client's shard is ${shardOf(l.hwAddress, n)}`);
      if (l.state === 'bound' && l.expiresAt > now) boundIn.set(l.address, [...(boundIn.get(l.address) ?? []), k]);
    }
  });
  for (const [a, ks] of boundIn) if (ks.length > 1) problems.push(`${formatIpv4(a)} is bound in shards ${ks.join(', ')}`);
  return [...problems, ...ledger.checkStore(shards.flat(), now)];
}

function pidsOf(server: HydraProcess): number[] {
  const m = /"pids":"([\d,]+)"/.exec(server.stderr) ?? /pids=([\d,]+)/.exec(server.stderr);
  assert.ok(m, `no worker pids in the serving record:\n${server.stderr.slice(-2000)}`);
  return m[1]!.split(',').map(Number);
}

function statsText(s: LoadStats): string {
  return `ops=${s.operations} offers=${s.offers} acks=${s.acks} naks=${s.naks} releases=${s.releases} timeouts=${s.timeouts}`;
}

it('-P 2 without client steering is refused at start with a one-line reason', { timeout: 20_000 }, async () => {
  const work = mkdtempSync(join(tmpdir(), 'hydra-mode-refused-'));
  try {
    writeFileSync(join(work, 'hydra.yaml'), CONFIG);
    const port = await freePort();
    const child = spawn(process.execPath, [HYDRA_MAIN, '--bind', '127.0.0.1', '-U', String(port), '-c', join(work, 'hydra.yaml'), '--data-dir', join(work, 'data'), '-P', '2'], {
      env: { ...process.env, HYDRA_NO_STEERING: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    assert.equal(code, 1);
    assert.equal(err, 'hydra: Hydra mode (-P 2) needs the hydra_net addon\'s client steering: client steering disabled (HYDRA_NO_STEERING=1)\n');
    assert.ok(!existsSync(join(work, 'data')), 'nothing was written');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

describe('Hydra mode: several workers keep every promise', { skip }, () => {
  // SIGKILL of the supervisor leaves its workers to notice the IPC channel close; give them a moment.
  const rig = loadRig({ prefix: 'hydra-mode-', config: CONFIG, keepEnv: 'HYDRA_MODE_KEEP', settleMs: 200 });

  it('-P 2 under load with a worker SIGKILLed, then re-sharded to -P 3 and back to -P 1', { timeout: 90_000 }, async () => {
    const seed = Number(process.env.HYDRA_MODE_SEED ?? Math.floor(Math.random() * 2 ** 31));
    const random = seeded(seed);
    const port = await freePort();
    rig.relay = await RelayClient.open({ port, timeoutMs: 400, attempts: 4 });
    const ledger = new LeaseLedger(POPULATION, macFor);
    const args = (n: number): string[] => ['--config', rig.configFile, '--data-dir', rig.dataDir, '-P', String(n)];
    console.log(`hydra mode test: seed ${seed}, data dir ${rig.dataDir}`);

    // Phase 1: -P 2, load, SIGKILL worker 1 mid-load, load goes on through the restart.
    ledger.round = 1;
    rig.server = await HydraProcess.start(port, args(2));
    const [, victim] = pidsOf(rig.server);
    let stopLoad = false;
    const load = runLoad(rig.relay, ledger, { concurrency: CONCURRENCY, maxOperations: 50_000, maxMs: 4_000, stopped: () => stopLoad, random });
    await sleep(800 + Math.round(random() * 600));
    process.kill(victim!, 'SIGKILL');
    const deadline = Date.now() + 15_000;
    while (!/worker restarted/.test(rig.server.stderr) && Date.now() < deadline) await sleep(20);
    assert.match(rig.server.stderr, /worker restarted/, `the supervisor restarted the killed worker:\n${rig.server.stderr.slice(-3000)}`);
    assert.ok(rig.server.running, 'the supervisor is still serving');
    const stats = await load;
    stopLoad = true;
    console.log(`-P 2 with worker 1 (pid ${victim}) killed: ${statsText(stats)}; holders ${ledger.holds().length}`);
    assert.deepEqual(ledger.violations, [], `invariants broken under load:\n${ledger.violations.slice(0, 30).join('\n')}\n${rig.server.stderr.slice(-3000)}`);
    assert.ok(stats.acks > 100, `the load was served (${statsText(stats)})`);

    ledger.round = 2;
    const holders2 = ledger.holds().length;
    const verify2 = await verifyAll(rig.relay, ledger, CONCURRENCY);
    console.log(`-P 2 after the restart: ${holders2} holders, ${statsText(verify2)}`);
    assert.deepEqual(ledger.violations, [], ledger.violations.slice(0, 30).join('\n'));
    assert.ok(verify2.acks >= holders2, `every holder kept its lease (${verify2.acks} ACKs for ${holders2} holders)`);
    let exit = await rig.server.kill('SIGTERM');
    assert.equal(exit.code, 0, rig.server.stderr.slice(-3000));
    assert.deepEqual(checkShards(ledger, await readShards(rig.dataDir, 2)), []);

    // Phase 2 and 3: re-shard to 3 workers, then back to one; holders keep their addresses.
    for (const [round, n] of [[3, 3], [4, 1]] as const) {
      ledger.round = round;
      rig.server = await HydraProcess.start(port, args(n));
      const before = ledger.holds().length;
      const more = await runLoad(rig.relay, ledger, { concurrency: CONCURRENCY, maxOperations: 600, maxMs: 3_000, stopped: () => false, random });
      const verify = await verifyAll(rig.relay, ledger, CONCURRENCY);
      console.log(`-P ${n} after re-shard: ${before} holders before, load ${statsText(more)}, verify ${statsText(verify)}`);
      assert.deepEqual(ledger.violations, [], `-P ${n}:\n${ledger.violations.slice(0, 30).join('\n')}\n${rig.server.stderr.slice(-3000)}`);
      assert.ok(verify.acks >= ledger.holds().length, `every holder was ACKed after the re-shard to ${n}`);
      exit = await rig.server.kill('SIGTERM');
      assert.equal(exit.code, 0, rig.server.stderr.slice(-3000));
      assert.deepEqual(checkShards(ledger, await readShards(rig.dataDir, n)), []);
      const left = readdirSync(rig.dataDir).filter((f) => /^shard-|reshard/.test(f));
      assert.deepEqual(left, n === 1 ? [] : Array.from({ length: n }, (_, k) => `shard-${k}-of-${n}`).sort(), 'only the current layout is on disk');
    }
    assert.ok(existsSync(join(rig.dataDir, 'leases.log')), 'one worker serves from the data dir itself again');
  });

  it('-P 2 -I lo: device-bound workers keep the steering (every lease in its client\'s shard)', { timeout: 60_000 }, async () => {
    const dir = join(rig.work, 'data-iface');
    const port = await freePort();
    const r = await RelayClient.open({ port, timeoutMs: 400, attempts: 4 });
    const ledger = new LeaseLedger(200, macFor);
    const s = await HydraProcess.start(port, ['--config', rig.configFile, '--data-dir', dir, '-P', '2', '-I', 'lo']);
    try {
      const stats = await verifyAll(r, ledger, 20);
      assert.ok(stats.acks >= 150, `served (${statsText(stats)})`);
      assert.equal((await s.kill('SIGTERM')).code, 0, s.stderr.slice(-3000));
      const shards = await readShards(dir, 2);
      assert.ok(shards.every((l) => l.length > 50), `both workers served (${shards.map((l) => l.length).join(', ')} leases)`);
      assert.deepEqual(checkShards(ledger, shards), []);
    } finally {
      r.close();
      await s.kill('SIGKILL');
    }
  });
});
