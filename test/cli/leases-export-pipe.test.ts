// `hydra leases export` into a pipe that is read slowly gets every byte: the process waits for
// stdout to drain before it exits (it used to stop after the first 128 KiB of a large export).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Lease } from '../../src/engine/types.js';
import { openEmbeddedStore } from '../../src/leases/embedded-store.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const LEASES = 6000; // ≈ 400 KiB of CSV: several times a pipe's 64 KiB

function lease(i: number): Lease {
  const hw = Uint8Array.of(2, 0, 0, (i >> 16) & 255, (i >> 8) & 255, i & 255);
  return {
    address: 0x0a4d0000 + i, subnetId: 1, clientKey: `hw:${Buffer.from(hw).toString('hex')}`, hwType: 1, hwAddress: hw,
    clientId: null, hostname: `host-${i}`, state: 'bound', issuedAt: 1795000000, expiresAt: 1795003600,
  };
}

/** Runs hydra with stdout on a pipe and reads it only after a pause, so the pipe fills up first. */
function runPiped(args: string[]): Promise<{ code: number | null; out: Buffer }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    const chunks: Buffer[] = [];
    child.stdout.pause();
    setTimeout(() => child.stdout.resume(), 300);
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out: Buffer.concat(chunks) });
    });
  });
}

test('a large export through a slow pipe is complete and equals the --output file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hydra-export-pipe-'));
  try {
    const data = join(dir, 'data');
    const store = await openEmbeddedStore({ dataDir: data });
    await store.load();
    await store.commit(Array.from({ length: LEASES }, (_, i) => ({ kind: 'upsert' as const, lease: lease(i) })));
    await store.close();
    const piped = await runPiped(['leases', 'export', '--format', 'csv', '--data-dir', data]);
    assert.equal(piped.code, 0);
    const file = join(dir, 'out.csv');
    const written = await runPiped(['leases', 'export', '--format', 'csv', '--data-dir', data, '--output', file]);
    assert.equal(written.code, 0);
    const expected = await readFile(file);
    assert.ok(expected.length > 256 * 1024, `export is ${expected.length} bytes`);
    assert.equal(piped.out.length, expected.length);
    assert.ok(piped.out.equals(expected));
    assert.equal(piped.out.toString().trim().split('\n').length, LEASES + 1); // header + one row per lease
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
