// Keeps the perfdhcp benchmark harness alive in CI: runs `main.js --smoke` for real (namespaces,
// Hydra, perfdhcp; Kea too when kea-dhcp4 is installed) and checks its verdict and its JSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { skipUnlessRoot } from '../support/netns.js';

const MAIN = fileURLToPath(new URL('../../bench/perf/main.js', import.meta.url));

test('bench smoke: Hydra completes low-rate DORA exchanges under perfdhcp with few losses', { skip: skipUnlessRoot(['perfdhcp']), timeout: 120_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hydra-bench-smoke-'));
  try {
    const out = join(dir, 'smoke.json');
    const started = Date.now();
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [MAIN, '--smoke', '--phases', 'fixed,pool8', '--out', out], { timeout: 110_000, killSignal: 'SIGTERM', maxBuffer: 16 << 20 }, (err, so, se) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout: String(so), stderr: String(se) }),
      );
    });
    const elapsed = Date.now() - started;
    assert.equal(code, 0, `smoke failed (exit ${code}):\n${stderr}\n${stdout}`);
    assert.ok(elapsed < 60_000, `smoke took ${elapsed} ms, the limit is 60 s`);
    assert.match(stdout, /\| hydra +\|/);
    const results = JSON.parse(await readFile(out, 'utf8')) as {
      complete: boolean;
      problems: string[];
      trials: { server: string; phase: string; result?: { acksReceived: number; lossPct: number; rate: number; latency?: { requestAckP99Ms: number } } }[];
    };
    assert.equal(results.complete, true);
    assert.deepEqual(results.problems, []);
    const fixed = results.trials.find((t) => t.server === 'hydra' && t.phase === 'fixed')?.result;
    assert.ok(fixed, 'a Hydra fixed-rate trial');
    // 500/s for 3 s: about 1,500 exchanges; the verdict allows 5 % loss.
    assert.ok(fixed.acksReceived > 1000, `only ${fixed.acksReceived} ACKs`);
    assert.ok(fixed.lossPct <= 5, `lost ${fixed.lossPct} %`);
    assert.ok(Number.isFinite(fixed.latency?.requestAckP99Ms), 'latency percentiles from -x t');
    const pool8 = results.trials.find((t) => t.server === 'hydra' && t.phase === 'pool8')?.result;
    assert.ok(pool8 && pool8.acksReceived > 0, 'Hydra served from the /8 pool');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
