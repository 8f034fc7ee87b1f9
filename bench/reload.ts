// Lease store benchmark: reload time for N stored leases (default 1,000,000) and group-commit
// throughput. Run after a build: node dist/bench/reload.js [--leases N] [--commits N] [--committers N]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Lease } from '../src/engine/types.js';
import { openEmbeddedStore } from '../src/leases/embedded-store.js';
import { flag } from './flags.js';


const NOW = 1_790_000_000.25;

/** A mix like a real network: every other client sends a client id, most send a hostname. */
function leaseFor(i: number): Lease {
  const mac = Uint8Array.of(0x02, 0x42, (i >>> 24) & 255, (i >>> 16) & 255, (i >>> 8) & 255, i & 255);
  const clientId = i % 2 === 0 ? Uint8Array.of(1, ...mac) : null;
  const hex = Buffer.from(clientId ?? mac).toString('hex');
  return {
    // Inside the one /8 subnet of serverConfig below, skipping its network address.
    address: (0x0a000001 + i) >>> 0,
    subnetId: 1,
    clientKey: clientId ? `id:${hex}` : `hw:1:${hex}`,
    hwType: 1,
    hwAddress: mac,
    clientId,
    hostname: i % 4 === 3 ? null : `host-${i}`,
    state: 'bound',
    issuedAt: NOW + (i % 1000) / 1000,
    expiresAt: NOW + 3600 + (i % 1000) / 1000,
  };
}

/** Child mode: time open + load of an existing store, print one JSON line. */
async function childLoad(dir: string): Promise<void> {
  const t0 = performance.now();
  const store = await openEmbeddedStore({ dataDir: dir });
  const { leases, dropped } = await store.load();
  const seconds = (performance.now() - t0) / 1000;
  const rssMiB = process.resourceUsage().maxRSS / 1024;
  await store.close();
  process.stdout.write(JSON.stringify({ seconds, leases: leases.length, dropped: dropped.length, rssMiB }) + '\n');
}

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir)) if (name.startsWith('leases.')) total += (await stat(join(dir, name))).size;
  return total;
}

async function benchReload(n: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'hydra-bench-reload-'));
  try {
    const store = await openEmbeddedStore({ dataDir: dir });
    await store.load();
    const t0 = performance.now();
    const BATCH = 10_000;
    for (let start = 0; start < n; start += BATCH) {
      const changes = [];
      for (let i = start; i < Math.min(n, start + BATCH); i++) changes.push({ kind: 'upsert' as const, lease: leaseFor(i) });
      await store.commit(changes);
    }
    const writeSeconds = (performance.now() - t0) / 1000;
    await store.close();
    const bytes = await dirBytes(dir);
    console.log(`write:  ${n} leases in ${writeSeconds.toFixed(2)} s through commit() in batches of ${BATCH}`);
    const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child-load', dir], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    const r = JSON.parse(out.trim().split('\n').at(-1)!) as { seconds: number; leases: number; dropped: number; rssMiB: number };
    if (r.leases !== n || r.dropped !== 0) throw new Error(`reload found ${r.leases} leases, ${r.dropped} dropped; expected ${n}, 0`);
    console.log(
      `reload: ${r.leases} leases in ${r.seconds.toFixed(2)} s (${Math.round(r.leases / r.seconds)} leases/s), ` +
        `file ${(bytes / 1048576).toFixed(1)} MiB, peak RSS ${r.rssMiB.toFixed(0)} MiB`,
    );
    const start = await serverStart(dir);
    console.log(`server: hydra up and serving over ${n} stored leases in ${start.toFixed(2)} s (config, store load, engine rebuild, socket)`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Starts the real server on the store (a /8 subnet holding every lease) and times it until it serves. */
async function serverStart(dir: string): Promise<number> {
  const config = join(dir, '..', `${basename(dir)}.yaml`);
  await writeFile(config, 'subnets:\n  - subnet: 10.0.0.0/8\n    pools: [10.0.0.1-10.255.255.254]\n');
  const main = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
  const t0 = performance.now();
  // Loopback only, an unprivileged port, and -T so it stops by itself.
  const child = spawn(process.execPath, [main, '--config', config, '--data-dir', dir, '--bind', '127.0.0.1', '-U', '16767', '-T', '2'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  try {
    return await new Promise<number>((resolve, reject) => {
      child.stderr.on('data', (b: Buffer) => {
        err += b.toString();
        if (/\bserving\b/.test(err)) resolve((performance.now() - t0) / 1000);
      });
      child.on('exit', (code) => reject(new Error(`hydra exited (${code}) before serving:\n${err}`)));
    });
  } finally {
    child.kill('SIGTERM');
    await rm(config, { force: true });
  }
}

async function benchCommits(commits: number, committers: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'hydra-bench-commit-'));
  try {
    const store = await openEmbeddedStore({ dataDir: dir });
    await store.load();
    let next = 0;
    const t0 = performance.now();
    // Each committer is one client exchange: commit its bound lease, wait until durable, next.
    const committer = async (): Promise<void> => {
      while (next < commits) {
        const i = next++;
        await store.commit([{ kind: 'upsert', lease: leaseFor(i) }]);
      }
    };
    await Promise.all(Array.from({ length: committers }, committer));
    const seconds = (performance.now() - t0) / 1000;
    const { syncs, records, largestBatch } = store.stats;
    await store.close();
    console.log(
      `commit: ${records} records from ${committers} concurrent committers in ${seconds.toFixed(2)} s: ` +
        `${Math.round(records / seconds)} records/s, ${Math.round(syncs / seconds)} syncs/s, ` +
        `${(records / syncs).toFixed(1)} records per sync (largest ${largestBatch})`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const childDir = process.argv.indexOf('--child-load');
if (childDir >= 0) {
  await childLoad(process.argv[childDir + 1]);
} else {
  console.log(`node ${process.version}, temp dir under ${tmpdir()}`);
  await benchReload(flag('leases', 1_000_000));
  await benchCommits(flag('commits', 20_000), flag('committers', 64));
}
