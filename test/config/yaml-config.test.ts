import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '../../src/config/config-error.js';
import type { ServerConfig } from '../../src/config/model.js';
import { loadConfigFile, parseConfigText } from '../../src/config/yaml-config.js';
import { parseIpv4 } from '../../src/protocol/ipv4.js';

const ip = (s: string): number => parseIpv4(s)!;
const load = (...lines: string[]): ServerConfig => parseConfigText(lines.join('\n') + '\n', 'c.yaml');

/** The messages of the ConfigError that loading `lines` throws, one per issue. */
function errors(...lines: string[]): string[] {
  try {
    load(...lines);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    assert.equal(e.message.split('\n').length, e.issues.length);
    return e.message.split('\n');
  }
  assert.fail('expected the configuration to be refused');
}

/** Messages ordered by line, then column, as a reader would scan the file. */
function byLine(errs: string[]): string[] {
  const key = (e: string): number[] => (/^[^:]+:(\d+):(\d+)/.exec(e) ?? ['', '0', '0']).slice(1).map(Number);
  return [...errs].sort((a, b) => key(a)[0]! - key(b)[0]! || key(a)[1]! - key(b)[1]!);
}

/** Asserts that exactly one issue is reported and it matches `re`. */
function oneError(re: RegExp, ...lines: string[]): void {
  const errs = errors(...lines);
  assert.equal(errs.length, 1, errs.join('\n'));
  assert.match(errs[0]!, re);
}

test('a minimal config gets the documented defaults', () => {
  const c = load('subnets:', '  - subnet: 10.77.0.0/24', '    pools: [10.77.0.100-10.77.0.199]');
  assert.equal(c.source, 'c.yaml');
  assert.equal(c.authoritative, false);
  assert.equal(c.offerHoldSeconds, 30);
  assert.equal(c.declineProbationSeconds, 86400);
  const s = c.subnets[0]!;
  assert.equal(s.id, 1);
  assert.equal(s.name, '10.77.0.0/24');
  assert.equal(s.network, ip('10.77.0.0'));
  assert.equal(s.prefixLength, 24);
  assert.deepEqual(s.ranges, [{ start: ip('10.77.0.100'), end: ip('10.77.0.199') }]);
  assert.deepEqual(s.leaseTimes, { default: 3600, min: 60, max: 3600 });
  // subnet-mask is derived from the prefix and comes first.
  assert.deepEqual([...s.options.entries()], [[1, Uint8Array.from([255, 255, 255, 0])]]);
});

test('every pool form: a-b, "a - b", {start, end}, CIDR, single address', () => {
  const c = load(
    'subnets:',
    '  - subnet: 10.77.0.0/24',
    '    pools:',
    '      - 10.77.0.10-10.77.0.19',
    '      - "10.77.0.20 - 10.77.0.29"',
    '      - { start: 10.77.0.30, end: 10.77.0.39 }',
    '      - 10.77.0.64/26',
    '      - 10.77.0.50',
  );
  assert.deepEqual(c.subnets[0]!.ranges.map((r) => [r.start & 255, r.end & 255]), [[10, 19], [20, 29], [30, 39], [64, 127], [50, 50]]);
});

test('network and broadcast addresses are trimmed from ranges automatically', () => {
  const c = load('subnets:', '  - subnet: 10.77.0.0/24', '    pools: [10.77.0.0/24]');
  assert.deepEqual(c.subnets[0]!.ranges, [{ start: ip('10.77.0.1'), end: ip('10.77.0.254') }]);
  oneError(/^c\.yaml:3:13: subnets\[0\]\.pools\[0\]: range 10\.77\.0\.0-10\.77\.0\.0 holds only the network or broadcast address/,
    'subnets:', '  - subnet: 10.77.0.0/24', '    pools: [10.77.0.0]');
});

test('range end before start names file, line, column and field', () => {
  oneError(/^c\.yaml:5:9: subnets\[0\]\.pools\[1\]: range end 10\.77\.0\.5 is before start 10\.77\.0\.9$/,
    'subnets:',
    '  - subnet: 10.77.0.0/24',
    '    pools:',
    '      - 10.77.0.100-10.77.0.110',
    '      - 10.77.0.9-10.77.0.5');
});

test('a range outside its subnet is refused', () => {
  oneError(/^c\.yaml:3:13: subnets\[0\]\.pools\[0\]: range 10\.77\.1\.1-10\.77\.1\.9 is not inside subnet 10\.77\.0\.0\/24$/,
    'subnets:', '  - subnet: 10.77.0.0/24', '    pools: [10.77.1.1-10.77.1.9]');
});

test('overlapping ranges are refused, pointing at the earlier one', () => {
  oneError(/^c\.yaml:5:9: subnets\[0\]\.pools\[1\]: range 10\.77\.0\.140-10\.77\.0\.199 overlaps range 10\.77\.0\.100-10\.77\.0\.150 \(c\.yaml:4 subnets\[0\]\.pools\[0\]\)$/,
    'subnets:',
    '  - subnet: 10.77.0.0/24',
    '    pools:',
    '      - 10.77.0.100-10.77.0.150',
    '      - 10.77.0.140-10.77.0.199');
});

test('overlapping subnets are refused', () => {
  const errs = errors(
    'subnets:',
    '  - subnet: 10.77.0.0/16',
    '  - subnet: 10.77.1.0/24');
  assert.deepEqual(errs, ['c.yaml:3:13: subnets[1].subnet: subnet 10.77.1.0/24 overlaps subnet 10.77.0.0/16 (c.yaml:2 subnets[0].subnet)']);
});

test('a subnet with host bits set, or not a network at all, is refused', () => {
  oneError(/^c\.yaml:2:13: subnets\[0\]\.subnet: 10\.77\.0\.5\/24 has host bits set; the network is 10\.77\.0\.0\/24$/,
    'subnets:', '  - subnet: 10.77.0.5/24');
  oneError(/^c\.yaml:2:13: subnets\[0\]\.subnet: "10\.77\.0\.0" is not a network in address\/prefix form/,
    'subnets:', '  - subnet: 10.77.0.0');
  oneError(/^c\.yaml:2:5: subnets\[0\]: missing `subnet`/, 'subnets:', '  - pools: [10.77.0.1-10.77.0.9]');
});

test('unknown keys are errors naming the key, at every level', () => {
  const errs = byLine(errors(
    'authoritive: true',
    'subnets:',
    '  - subnet: 10.77.0.0/24',
    '    pool: [10.77.0.1-10.77.0.9]',
    '    lease-time: { default: 600, maximum: 900 }',
    '    reservations:',
    '      - { hw-address: "02:00:00:00:00:01", ip-address: 10.77.0.5, host: x }'));
  assert.equal(errs.length, 4, errs.join('\n'));
  assert.match(errs[0]!, /^c\.yaml:1:1: authoritive: unknown key "authoritive" \(expected one of: authoritative,/);
  assert.match(errs[1]!, /^c\.yaml:4:5: subnets\[0\]\.pool: unknown key "pool"/);
  assert.match(errs[2]!, /^c\.yaml:5:33: subnets\[0\]\.lease-time\.maximum: unknown key "maximum" \(expected one of: default, min, max\)/);
  assert.match(errs[3]!, /^c\.yaml:7:67: subnets\[0\]\.reservations\[0\]\.host: unknown key "host"/);
});

test('wrong value types name the field', () => {
  const errs = errors(
    'authoritative: yes-please',
    'offer-hold: "30"',
    'decline-probation: -5',
    'subnets: { subnet: 10.77.0.0/24 }');
  assert.deepEqual(errs, [
    'c.yaml:1:16: authoritative: expected true or false, got "yes-please"',
    'c.yaml:2:13: offer-hold: expected an integer, got "30"',
    'c.yaml:3:20: decline-probation: -5 is outside 1-4294967295',
    'c.yaml:4:10: subnets: expected a list, got a mapping',
  ]);
});

test('ids default to the position, may be set, and must be unique', () => {
  const c = load('subnets:', '  - subnet: 10.77.0.0/24', '  - { id: 7, name: b, subnet: 10.77.1.0/24 }');
  assert.deepEqual(c.subnets.map((s) => [s.id, s.name]), [[1, '10.77.0.0/24'], [7, 'b']]);
  oneError(/^c\.yaml:3:11: subnets\[1\]\.id: subnet id 1 is already used by subnet 10\.77\.0\.0\/24/,
    'subnets:', '  - subnet: 10.77.0.0/24', '  - { id: 1, subnet: 10.77.1.0/24 }');
});

test('reservations by hw-address and client-id, inside the subnet but outside the ranges', () => {
  const c = load(
    'subnets:',
    '  - subnet: 10.77.0.0/24',
    '    pools: [10.77.0.100-10.77.0.199]',
    '    reservations:',
    '      - { hw-address: "02:AC:77:00:0e:01", ip-address: 10.77.0.6, hostname: printer }',
    '      - { client-id: "01-02-ac-77-00-0e-01", ip-address: 10.77.0.7 }');
  assert.deepEqual(c.subnets[0]!.reservations, [
    { hwAddress: Uint8Array.from([2, 0xac, 0x77, 0, 0x0e, 1]), address: ip('10.77.0.6'), hostname: 'printer' },
    { clientId: Uint8Array.from([1, 2, 0xac, 0x77, 0, 0x0e, 1]), address: ip('10.77.0.7') },
  ]);
});

test('reservation errors: outside the subnet, the broadcast address, duplicates, identifiers', () => {
  const errs = errors(
    'subnets:',
    '  - subnet: 10.77.0.0/24',
    '    reservations:',
    '      - { hw-address: "02:00:00:00:00:01", ip-address: 10.77.1.6 }',
    '      - { hw-address: "02:00:00:00:00:02", ip-address: 10.77.0.255 }',
    '      - { hw-address: "02:00:00:00:00:03", ip-address: 10.77.0.8 }',
    '      - { hw-address: "02:00:00:00:00:04", ip-address: 10.77.0.8 }',
    '      - { hw-address: "02:00:00:00:00:03", ip-address: 10.77.0.9 }',
    '      - { hw-address: "02:00:00:00:00:05", client-id: "01:02", ip-address: 10.77.0.10 }',
    '      - { ip-address: 10.77.0.11 }',
    '      - { client-id: "01", ip-address: 10.77.0.12 }',
    '      - { hw-address: "zz:00", ip-address: 10.77.0.13 }');
  assert.deepEqual(byLine(errs), [
    'c.yaml:4:56: subnets[0].reservations[0].ip-address: reserved address 10.77.1.6 is not inside subnet 10.77.0.0/24',
    'c.yaml:5:56: subnets[0].reservations[1].ip-address: reserved address 10.77.0.255 is the broadcast address of 10.77.0.0/24',
    'c.yaml:7:56: subnets[0].reservations[3].ip-address: address 10.77.0.8 is already reserved (c.yaml:6 subnets[0].reservations[2].ip-address)',
    'c.yaml:8:23: subnets[0].reservations[4].hw-address: hw-address 02:00:00:00:00:03 is already reserved in this subnet (c.yaml:6 subnets[0].reservations[2].hw-address)',
    'c.yaml:9:9: subnets[0].reservations[5]: a reservation names the client by `hw-address` or by `client-id`, not both',
    'c.yaml:10:9: subnets[0].reservations[6]: a reservation needs `hw-address` or `client-id`',
    'c.yaml:11:22: subnets[0].reservations[7].client-id: client-id must be at least 2 bytes (type byte and identifier)',
    'c.yaml:12:23: subnets[0].reservations[8].hw-address: "zz:00" is not hex bytes (e.g. 02:ac:77:00:0e:01)',
  ]);
});

test('one client may hold reservations in two subnets', () => {
  const c = load(
    'subnets:',
    '  - { subnet: 10.77.0.0/24, reservations: [{ hw-address: "02:00:00:00:00:01", ip-address: 10.77.0.5 }] }',
    '  - { subnet: 10.77.1.0/24, reservations: [{ hw-address: "02:00:00:00:00:01", ip-address: 10.77.1.5 }] }');
  assert.equal(c.subnets.length, 2);
});

test('exclusions: single addresses and short ranges, inside the ranges only', () => {
  const c = load('subnets:', '  - subnet: 10.77.0.0/24', '    pools: [10.77.0.100-10.77.0.199]',
    '    exclude: [10.77.0.150, 10.77.0.160-10.77.0.162, 10.77.0.150]');
  assert.deepEqual(c.subnets[0]!.exclusions.map((a) => a & 255), [150, 160, 161, 162]);
  const errs = errors('subnets:', '  - subnet: 10.77.0.0/24', '    pools: [10.77.0.100-10.77.0.199]',
    '    exclude: [10.77.1.1, 10.77.0.5, bogus, 10.77.0.9-10.77.0.5, 10.77.0.0/8]');
  assert.deepEqual(byLine(errs), [
    'c.yaml:4:15: subnets[0].exclude[0]: excluded 10.77.1.1 is not inside subnet 10.77.0.0/24',
    'c.yaml:4:26: subnets[0].exclude[1]: excluded 10.77.0.5 is not inside any range of this subnet',
    'c.yaml:4:37: subnets[0].exclude[2]: "bogus" is not an IPv4 address',
    'c.yaml:4:44: subnets[0].exclude[3]: excluded range end 10.77.0.5 is before start 10.77.0.9',
    'c.yaml:4:65: subnets[0].exclude[4]: 10.77.0.0/8 has host bits set; the network is 10.0.0.0/8',
  ]);
});

test('lease times: plain number, object form, inheritance and overrides', () => {
  const c = load(
    'lease-time: { default: 3600, min: 300, max: 86400 }',
    'renewal-time: 1800',
    'rebinding-time: 3000',
    'subnets:',
    '  - subnet: 10.77.0.0/24',
    '  - subnet: 10.77.1.0/24',
    '    lease-time: 7200',
    '    renewal-time: 3600',
    '    rebinding-time: 6000');
  assert.deepEqual(c.subnets[0]!.leaseTimes, { default: 3600, min: 300, max: 86400, renewal: 1800, rebinding: 3000 });
  assert.deepEqual(c.subnets[1]!.leaseTimes, { default: 7200, min: 300, max: 86400, renewal: 3600, rebinding: 6000 });
  const short = load('lease-time: 30', 'subnets: [{ subnet: 10.77.0.0/24 }]');
  assert.deepEqual(short.subnets[0]!.leaseTimes, { default: 30, min: 30, max: 30 });
});

test('lease time errors: min > default, default > max, T1 >= T2, T2 >= lease', () => {
  assert.deepEqual(errors(
    'lease-time: { default: 600, min: 900 }',
    'subnets: [{ subnet: 10.77.0.0/24 }]'),
  ['c.yaml:1:34: lease-time.min: minimum lease time 900 is greater than the default 600']);
  assert.deepEqual(errors(
    'subnets:',
    '  - subnet: 10.77.0.0/24',
    '    lease-time: { default: 600, max: 300 }'),
  ['c.yaml:3:38: subnets[0].lease-time.max: maximum lease time 300 is less than the default 600']);
  assert.deepEqual(errors(
    'renewal-time: 3000',
    'rebinding-time: 2000',
    'subnets: [{ subnet: 10.77.0.0/24 }]'),
  ['c.yaml:1:15: renewal-time: renewal time (T1) 3000 must be less than the rebinding time (T2) 2000']);
  assert.deepEqual(errors(
    'subnets:',
    '  - subnet: 10.77.0.0/24',
    '    lease-time: 3600',
    '    renewal-time: 3600',
    '    rebinding-time: 4000'),
  [
    'c.yaml:4:19: subnets[0].renewal-time: renewal time (T1) 3600 must be less than the lease time 3600',
    'c.yaml:5:21: subnets[0].rebinding-time: rebinding time (T2) 4000 must be less than the lease time 3600',
  ]);
});

test('options: global ones are inherited, a subnet overrides by code, codes work', () => {
  const c = load(
    'options:',
    '  domain-name-servers: [10.77.0.1]',
    '  domain-name: global.example',
    'subnets:',
    '  - subnet: 10.77.0.0/24',
    '    options: { routers: 10.77.0.1, "15": lab.example, 252: "0x01" }',
    '  - subnet: 10.77.1.0/24');
  const [a, b] = c.subnets;
  assert.deepEqual(a!.options.get(6), Uint8Array.from([10, 77, 0, 1]));
  assert.deepEqual(a!.options.get(3), Uint8Array.from([10, 77, 0, 1]));
  assert.deepEqual(Buffer.from(a!.options.get(15)!).toString(), 'lab.example');
  assert.deepEqual(a!.options.get(252), Uint8Array.from([1]));
  assert.deepEqual([...a!.options.keys()], [1, 6, 15, 3, 252]);
  assert.deepEqual(Buffer.from(b!.options.get(15)!).toString(), 'global.example');
  assert.equal(b!.options.has(3), false);
});

test('option errors: unknown names, bad values, server-set options, duplicates', () => {
  const errs = errors(
    'options:',
    '  dns-servers: [10.77.0.1]',
    '  routers: [not-an-address]',
    '  dhcp-lease-time: 600',
    'subnets:',
    '  - subnet: 10.77.0.0/24',
    '    options:',
    '      routers: [10.77.0.1]',
    '      "3": [10.77.0.2]');
  assert.equal(errs.length, 4, errs.join('\n'));
  assert.match(errs[0]!, /^c\.yaml:2:3: options\.dns-servers: unknown option "dns-servers"/);
  assert.match(errs[1]!, /^c\.yaml:3:12: options\.routers: .+/);
  assert.match(errs[2]!, /^c\.yaml:4:3: options\.dhcp-lease-time: option dhcp-lease-time cannot be configured: set lease-time instead$/);
  assert.match(errs[3]!, /^c\.yaml:9:7: subnets\[0\]\.options\.3: option 3 is already set at line 8/);
});

test('subnet-mask: derived from the prefix, and a configured one must match it', () => {
  const c = load('subnets:', '  - { subnet: 10.77.0.0/23, options: { subnet-mask: 255.255.254.0 } }');
  assert.deepEqual(c.subnets[0]!.options.get(1), Uint8Array.from([255, 255, 254, 0]));
  oneError(/^c\.yaml:2:53: subnets\[0\]\.options\.subnet-mask: subnet-mask 255\.255\.255\.0 does not match the prefix of 10\.77\.0\.0\/23 \(255\.255\.254\.0\)$/,
    'subnets:', '  - { subnet: 10.77.0.0/23, options: { subnet-mask: 255.255.255.0 } }');
});

test('all problems are reported at once, one per line', () => {
  const errs = errors(
    'offer-hold: soon',
    'subnets:',
    '  - subnet: 10.77.0.0/24',
    '    pools: [10.77.0.9-10.77.0.5, 10.78.0.1-10.78.0.5]',
    '  - subnet: 10.77.0.0/25');
  assert.equal(errs.length, 4, errs.join('\n'));
  assert.ok(errs.every((e) => /^c\.yaml:\d+:\d+: \S+: /.test(e)), errs.join('\n'));
});

test('YAML syntax errors and duplicate keys name the line', () => {
  const errs = errors('subnets:', '  - subnet: 10.77.0.0/24', '    pools: [10.77.0.1', 'authoritative: true');
  assert.match(errs[0]!, /^c\.yaml:\d+:\d+: /);
  oneError(/^c\.yaml:3:1: .*[Mm]ap keys must be unique/, 'authoritative: true', 'subnets: [{ subnet: 10.77.0.0/24 }]', 'authoritative: false');
});

test('an empty file, a file without subnets, an empty subnet list', () => {
  assert.throws(() => parseConfigText('', 'e.yaml'), /^ConfigError: e\.yaml: the file is empty/);
  oneError(/^c\.yaml: subnets: no subnets configured/, 'authoritative: true');
  oneError(/^c\.yaml:1:10: subnets: the subnets list is empty/, 'subnets: []');
});

test('JSON files load through the same path and errors name the .json file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hydra-cfg-'));
  try {
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify({ authoritative: true, subnets: [{ subnet: '10.77.0.0/24', pools: ['10.77.0.10-10.77.0.20'] }] }, null, 2));
    const c = loadConfigFile(good);
    assert.equal(c.source, good);
    assert.equal(c.authoritative, true);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{\n  "subnets": [\n    { "subnet": "10.77.0.0/24", "pools": ["10.77.0.30-10.77.0.20"] }\n  ]\n}\n');
    assert.throws(() => loadConfigFile(bad), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.message, `${bad}:3:43: subnets[0].pools[0]: range end 10.77.0.20 is before start 10.77.0.30`);
      return true;
    });
    assert.throws(() => loadConfigFile(join(dir, 'missing.yaml')), /missing\.yaml: cannot read the file: ENOENT/);
    assert.throws(() => loadConfigFile(join(dir, 'x.conf')), /x\.conf: unsupported file type "\.conf"/);
  } finally {
    rmSync(dir, { recursive: true });
  }
});
