// Keeps phase million from rotting: a tiny real run (3 segments of 1,000 new clients at 1,000/s
// against one Hydra on the /8 pool), checking the JSON's segments and the exact lease count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MillionRun } from '../../bench/perf/million-report.js';
import { skipUnlessRoot } from '../support/netns.js';

const MAIN = fileURLToPath(new URL('../../bench/perf/main.js', import.meta.url));

test('bench million (small): the server stays up over segments of new clients; the stopped store holds every ACKed client', { skip: skipUnlessRoot(['perfdhcp']), timeout: 120_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hydra-bench-million-'));
  try {
    const out = join(dir, 'million.json');
    const args = [MAIN, '--phases', 'million', '--runs', '1', '--million-clients', '2500', '--million-rate', '1000', '--million-segment-seconds', '1', '--million-max-segments', '3', '--max-minutes', '1.5', '--out', out];
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, args, { timeout: 110_000, killSignal: 'SIGTERM', maxBuffer: 16 << 20 }, (err, so, se) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout: String(so), stderr: String(se) }),
      );
    });
    assert.equal(code, 0, `bench failed (exit ${code}):\n${stderr}\n${stdout}`);
    assert.match(stdout, /\| +segment \| cumulative ACKs \|/);
    assert.match(stdout, /hydra: [\d,]+ distinct bound clients after/);
    const results = JSON.parse(await readFile(out, 'utf8')) as { problems: string[]; million: MillionRun[] };
    assert.deepEqual(results.problems, []);
    const [run] = results.million;
    assert.ok(run && run.server === 'hydra');
    assert.equal(run.segments.length, 3, 'three segments of ~1,000 ACKs to reach 2,500');
    assert.ok(run.segments.every((s) => s.acksReceived > 900 && Number.isFinite(s.cpuPerExchangeUs) && s.rssMiB > 0), JSON.stringify(run.segments));
    assert.equal(new Set(run.segments.map((s) => s.macBase)).size, 3);
    const acks = run.segments[2]!.cumulativeAcks;
    // Every ACKed client is a new one (disjoint MAC bases, a range far above the exchanges) and
    // its lease is durable: the stopped server's store holds at least the ACKed clients (an ACK
    // perfdhcp missed may add one), never more than the clients that asked.
    const distinct = run.leases?.distinctClients ?? 0;
    const asked = run.segments.reduce((a, s) => a + s.discoverSent, 0);
    assert.ok(distinct >= acks && distinct <= asked, `${distinct} distinct bound clients, ${acks} ACKs, ${asked} DISCOVERs`);
    assert.equal(run.verdict?.distinctBoundClients, distinct);
    assert.equal(run.verdict?.reachedTarget, true);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
