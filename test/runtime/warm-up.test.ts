// The start-up warm-up really serves exchanges on the real configuration's subnet (every DORA
// ends in an ACK, even in a 100-address pool, because each lease is released again), stays inside
// its count and time bounds, copes with a configuration without dynamic ranges, and the CLI
// option is validated.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCommandLine } from '../../src/cli/args.js';
import { defaultConfigPath, loadConfig } from '../../src/config/load-config.js';
import { warmUp } from '../../src/runtime/warm-up.js';

const config = loadConfig({ configFile: defaultConfigPath() });

test('warmUp serves the asked number of exchanges on the real subnet, more than its pool holds', async () => {
  assert.equal(config.subnets[0]!.ranges.length, 1);
  assert.deepEqual(await warmUp(config, { exchanges: 1200, maxMs: 10_000 }), { acks: 1200, path: 'loopback' });
});

test('warmUp without loopback hands the packets over in process, with the same result', async () => {
  assert.deepEqual(await warmUp(config, { exchanges: 500, maxMs: 10_000, loopback: false }), { acks: 500, path: 'in-process' });
});

test('warmUp without a dynamic range uses a stand-in subnet', async () => {
  const noRanges = { ...config, subnets: config.subnets.map((s) => ({ ...s, ranges: [] })) };
  assert.deepEqual(await warmUp(noRanges, { exchanges: 300, maxMs: 10_000 }), { acks: 300, path: 'loopback' });
});

test('warmUp stops at its time bound and at zero exchanges', async () => {
  assert.deepEqual(await warmUp(config, { exchanges: 0 }), { acks: 0, path: 'off' });
  const started = performance.now();
  const { acks } = await warmUp(config, { exchanges: 1_000_000, maxMs: 30 });
  const took = performance.now() - started;
  assert.ok(acks > 0 && acks < 1_000_000, `ACKs ${acks}`);
  // The deadline is checked per exchange; only the last exchange and one yield can overrun it.
  assert.ok(took < 1000, `took ${took} ms`);
});

test('--warm-up takes a whole number, 0 included, and names itself when wrong', () => {
  const off = parseCommandLine(['--warm-up', '0']);
  assert.equal(off.kind === 'serve' && off.options.warmUpExchanges, 0);
  const dflt = parseCommandLine([]);
  assert.equal(dflt.kind === 'serve' && dflt.options.warmUpExchanges, undefined);
  assert.throws(() => parseCommandLine(['--warm-up', 'lots']), /--warm-up/);
});
