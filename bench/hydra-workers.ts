// Per-worker CPU per exchange in Hydra mode, on loopback (no namespaces needed): starts
// `hydra -P N --bind 127.0.0.1`, runs DORA for many distinct clients through the fake relay of
// the tests at a bounded concurrency, and prints for each worker its exchanges (by shardOf of the
// client MAC), its CPU time (/proc/<pid>/stat, user+system) and CPU µs per exchange. Prints only;
// asserts nothing (the machine is shared and noisy). The load generator runs on the same cores.
//
//   node dist/bench/hydra-workers.js [--workers 2] [--clients 20000] [--concurrency 64]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shardOf } from '../src/runtime/shard-of-client.js';
import { freePort, HydraProcess } from '../test/durability/hydra-server.js';
import { macFor, messageTypeOf, MSG, RelayClient, serverIdOf } from '../test/support/relay-client.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

const WORKERS = arg('workers', 2);
const CLIENTS = arg('clients', 20_000);
const CONCURRENCY = arg('concurrency', 64);
const TICKS = 100; // USER_HZ on Linux

function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / TICKS) * 1e6;
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'hydra-workers-'));
  const config = join(work, 'hydra.yaml');
  writeFileSync(config, `lease-time: 3600\nsubnets:\n  - id: 1\n    subnet: 10.77.0.0/16\n    pools: [10.77.0.10-10.77.255.250]\n`);
  const port = await freePort();
  const server = await HydraProcess.start(port, ['-c', config, '--data-dir', join(work, 'data'), '-P', String(WORKERS)], { timeoutMs: 60_000 });
  const relay = await RelayClient.open({ port, timeoutMs: 1000, attempts: 3 });
  try {
    const serving = /"pids":"([\d,]+)"/.exec(server.stderr);
    const pids = WORKERS > 1 ? serving![1]!.split(',').map(Number) : [server.child.pid!];
    const before = pids.map(cpuMicros);
    const done = new Array<number>(WORKERS).fill(0);
    let next = 0;
    let failed = 0;
    const t0 = Date.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < CLIENTS) {
          const mac = macFor(next++);
          const offer = await relay.transact(relay.message(MSG.DISCOVER, mac));
          if (messageTypeOf(offer.reply) !== MSG.OFFER) {
            failed++;
            continue;
          }
          const ack = await relay.transact(relay.message(MSG.REQUEST, mac, { requested: offer.reply!.yiaddr, serverId: serverIdOf(offer.reply!) ?? undefined }));
          if (messageTypeOf(ack.reply) === MSG.ACK) done[shardOf(mac, WORKERS)]!++;
          else failed++;
        }
      }),
    );
    const seconds = (Date.now() - t0) / 1000;
    const total = done.reduce((a, b) => a + b, 0);
    console.log(`hydra -P ${WORKERS}: ${total} DORA exchanges in ${seconds.toFixed(1)} s (${(total / seconds).toFixed(0)}/s, ${failed} failed), concurrency ${CONCURRENCY}, loopback`);
    pids.forEach((pid, k) => {
      const cpu = cpuMicros(pid) - before[k]!;
      console.log(`  worker ${k} (pid ${pid}): ${done[k]} exchanges, CPU ${(cpu / 1e6).toFixed(2)} s, ${(cpu / Math.max(1, done[k]!)).toFixed(1)} µs/exchange`);
    });
  } finally {
    relay.close();
    await server.kill('SIGTERM');
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
