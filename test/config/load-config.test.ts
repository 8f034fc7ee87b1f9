import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '../../src/config/config-error.js';
import { defaultConfigPath, loadConfig, packageRoot } from '../../src/config/load-config.js';
import { loadConfigFile } from '../../src/config/yaml-config.js';
import { parseIpv4 } from '../../src/protocol/ipv4.js';

const ip = (s: string): number => parseIpv4(s)!;
const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
const examples = join(packageRoot(), 'examples');

test('the package root is the directory holding package.json and examples/', () => {
  assert.ok(existsSync(join(packageRoot(), 'package.json')));
  assert.equal(defaultConfigPath(), join(examples, 'default.yaml'));
});

test('with no source, the built-in default loads: one lab subnet on 10.77.0.0/24', () => {
  const c = loadConfig({});
  assert.equal(c.source, defaultConfigPath());
  assert.equal(c.subnets.length, 1);
  const s = c.subnets[0]!;
  assert.equal(s.network, ip('10.77.0.0'));
  assert.equal(s.prefixLength, 24);
  assert.deepEqual(s.ranges, [{ start: ip('10.77.0.100'), end: ip('10.77.0.199') }]);
  assert.deepEqual(s.options.get(1), bytes(255, 255, 255, 0));
  assert.deepEqual(s.options.get(3), bytes(10, 77, 0, 1));
  assert.deepEqual(s.options.get(6), bytes(10, 77, 0, 1));
  assert.equal(Buffer.from(s.options.get(15)!).toString(), 'hydra.test');
  assert.equal(s.leaseTimes.default, 3600);
});

test('--config and --pooldir choose their loader; both at once is an error', () => {
  assert.equal(loadConfig({ configFile: join(examples, 'full.yaml') }).subnets.length, 2);
  assert.equal(loadConfig({ poolDir: join(examples, 'pools') }).subnets[0]!.name, 'Universidad');
  assert.throws(() => loadConfig({ configFile: 'a.yaml', poolDir: 'pools' }),
    (e: unknown) => e instanceof ConfigError && e.message === 'a.yaml: give either --config or --pooldir, not both');
});

test('examples/full.yaml loads and shows every feature', () => {
  const c = loadConfigFile(join(examples, 'full.yaml'));
  assert.equal(c.authoritative, true);
  assert.equal(c.offerHoldSeconds, 30);
  assert.equal(c.declineProbationSeconds, 3600);
  const [lab, office] = c.subnets;
  assert.deepEqual([lab!.id, lab!.name, office!.id, office!.name], [1, 'lab', 2, 'office']);
  assert.equal(lab!.ranges.length, 3);
  assert.deepEqual(lab!.exclusions, [ip('10.77.0.120'), ip('10.77.0.130'), ip('10.77.0.131'), ip('10.77.0.132'), ip('10.77.0.133')]);
  assert.ok(lab!.reservations.some((r) => r.hwAddress && r.hostname === 'printer'));
  assert.ok(lab!.reservations.some((r) => r.clientId));
  assert.ok(lab!.options.has(121), 'classless static routes');
  assert.ok(lab!.options.has(119), 'domain search, inherited from the globals');
  assert.deepEqual(lab!.options.get(252), bytes(1));
  assert.deepEqual(lab!.leaseTimes, { default: 3600, min: 300, max: 86400, renewal: 1800, rebinding: 3150 });
  // The CIDR pool loses the subnet's broadcast address; the subnet's own DNS list wins.
  assert.deepEqual(office!.ranges, [{ start: ip('10.77.1.128'), end: ip('10.77.1.254') }]);
  assert.deepEqual(office!.options.get(6), bytes(10, 77, 1, 1));
  assert.deepEqual(office!.leaseTimes, { default: 7200, min: 300, max: 86400, renewal: 3600, rebinding: 6300 });
});
