import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ConfigError } from '../../src/config/config-error.js';
import { packageRoot } from '../../src/config/load-config.js';
import { loadPoolDir } from '../../src/config/pool-dir.js';
import { parseIpv4 } from '../../src/protocol/ipv4.js';

const ip = (s: string): number => parseIpv4(s)!;
const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
const text = (b: Uint8Array | undefined): string => Buffer.from(b ?? []).toString();

const scratch = mkdtempSync(join(tmpdir(), 'hydra-pools-'));
after(() => rmSync(scratch, { recursive: true }));
let dirCount = 0;

/** A fresh pool directory holding `files` (name → content). */
function poolDir(files: Record<string, string>): string {
  const dir = join(scratch, `d${dirCount++}`);
  mkdirSync(dir);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

function errors(files: Record<string, string>): { dir: string; errs: string[] } {
  const dir = poolDir(files);
  try {
    loadPoolDir(dir);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    // Paths relative to the pool directory keep the expectations short.
    return { dir, errs: e.message.split('\n').map((m) => m.replaceAll(dir + '/', '')).sort() };
  }
  assert.fail('expected the pool directory to be refused');
}

/** A pool file with the given extra pool-list elements and options. */
function pool(opts: { name?: string; range?: string; options?: string; extra?: string } = {}): string {
  return [
    '{pooldata, {simplepool, [',
    `  {name, "${opts.name ?? 'lab'}"},`,
    `  {range, ${opts.range ?? '{10,77,0,100}, {10,77,0,199}'}},`,
    `  {options, [${opts.options ?? '{subnet_mask, {255,255,255,0}}'}]}${opts.extra ? ',' : ''}`,
    ...(opts.extra ? [`  ${opts.extra}`] : []),
    ']}}.',
    '',
  ].join('\n');
}

test("the seed's own example pools load unchanged", () => {
  const dir = join(packageRoot(), 'examples', 'pools');
  const c = loadPoolDir(dir);
  assert.equal(c.source, dir);
  assert.equal(c.subnets.length, 2);
  const [u1, u2] = c.subnets;

  assert.equal(u1!.id, 1);
  assert.equal(u1!.name, 'Universidad');
  assert.equal(u1!.network, ip('192.168.1.0'));
  assert.equal(u1!.prefixLength, 24);
  assert.deepEqual(u1!.ranges, [{ start: ip('192.168.1.2'), end: ip('192.168.1.253') }]);
  assert.deepEqual(u1!.leaseTimes, { default: 3600, min: 60, max: 3600, renewal: 1800, rebinding: 3000 });
  assert.deepEqual(u1!.options.get(1), bytes(255, 255, 255, 0));
  assert.deepEqual(u1!.options.get(28), bytes(192, 168, 1, 255));
  assert.deepEqual(u1!.options.get(6), bytes(192, 168, 1, 1));
  assert.equal(text(u1!.options.get(15)), 'uah.es');
  assert.deepEqual(u1!.options.get(3), bytes(192, 168, 1, 254));

  assert.equal(u2!.id, 2);
  assert.equal(u2!.name, 'Universidad2');
  assert.equal(u2!.network, ip('10.10.0.0'));
  assert.equal(u2!.prefixLength, 23);
  assert.deepEqual(u2!.ranges, [{ start: ip('10.10.0.2'), end: ip('10.10.1.253') }]);
  assert.deepEqual(u2!.options.get(3), bytes(10, 10, 1, 254));
  assert.equal(u2!.options.has(28), false);
});

test('files are read in name order; dotfiles, editor backups and directories are skipped', () => {
  const dir = poolDir({
    'b.dat': pool({ name: 'second', range: '{10,77,1,10}, {10,77,1,20}' }),
    'a.dat': pool({ name: 'first' }),
    '.hidden': 'not erlang at all',
    'a.dat~': 'not erlang either',
  });
  mkdirSync(join(dir, 'sub'));
  assert.deepEqual(loadPoolDir(dir).subnets.map((s) => [s.id, s.name]), [[1, 'first'], [2, 'second']]);
});

test('a list of addresses is allowed wherever one address is; snake_case table names work', () => {
  const dir = poolDir({
    'p.dat': pool({
      options: '{subnet_mask, [{255,255,255,0}]}, {dns_server, [{10,77,0,1}, {10,77,0,2}]}, ' +
        '{router, {10,77,0,1}}, {ntp_servers, {10,77,0,3}}, {domain_search, ["a.example"]}, {252, "0x01"}',
    }),
  });
  const s = loadPoolDir(dir).subnets[0]!;
  assert.deepEqual(s.options.get(6), bytes(10, 77, 0, 1, 10, 77, 0, 2));
  assert.deepEqual(s.options.get(3), bytes(10, 77, 0, 1));
  assert.deepEqual(s.options.get(42), bytes(10, 77, 0, 3));
  assert.ok(s.options.get(119)!.length > 0);
  assert.deepEqual(s.options.get(252), bytes(1));
  // Without lease_time the defaults apply.
  assert.deepEqual(s.leaseTimes, { default: 3600, min: 60, max: 3600 });
});

test('reservation and exclude extensions', () => {
  const dir = poolDir({
    'p.dat': pool({
      extra: '{reservations, [{hw, "02:ac:77:00:0e:01", {10,77,0,6}}, {client_id, "01:02:ac:77:00:0e:01", {10,77,0,7}, "printer"}]},\n' +
        '  {exclude, [{10,77,0,150}, {10,77,0,151}]}',
    }),
  });
  const s = loadPoolDir(dir).subnets[0]!;
  assert.deepEqual(s.reservations, [
    { hwAddress: bytes(2, 0xac, 0x77, 0, 0x0e, 1), address: ip('10.77.0.6') },
    { clientId: bytes(1, 2, 0xac, 0x77, 0, 0x0e, 1), address: ip('10.77.0.7'), hostname: 'printer' },
  ]);
  assert.deepEqual(s.exclusions, [ip('10.77.0.150'), ip('10.77.0.151')]);
});

test('subnet_mask is required, and the message says why', () => {
  const { errs } = errors({ 'p.dat': pool({ options: '{router, {10,77,0,1}}' }) });
  assert.deepEqual(errs, [`p.dat:4:3: options: subnet_mask is required: the pool's network is its range under {subnet_mask, {a,b,c,d}}`]);
});

test('an unknown option names file:line:col and the option', () => {
  const { errs } = errors({ 'p.dat': pool({ options: '{subnet_mask, {255,255,255,0}},\n   {dns_servr, {10,77,0,1}}' }) });
  assert.equal(errs.length, 1, errs.join('\n'));
  assert.match(errs[0]!, new RegExp(`^p\\.dat:5:5: options\\.dns_servr: unknown option dns_servr \\(seed names: subnet_mask, router, dns_server,`));
});

test('bad values name the field: addresses, times, hardware addresses', () => {
  const { errs } = errors({
    'p.dat': pool({
      range: '{10,77,0,100}, {10,77,0,300}',
      options: '{subnet_mask, {255,255,255,0}}, {lease_time, "long"}, {router, {10,77,0}}',
      extra: '{reservations, [{hw, "xx", {10,77,0,6}}, {mac, "02:00:00:00:00:01", {10,77,0,7}}]}',
    }),
  });
  assert.equal(errs.length, 5, errs.join('\n'));
  assert.equal(errs[0], 'p.dat:3:26: range: expected an address like {192,168,1,1}, got {10,77,0,300}');
  assert.equal(errs[1], 'p.dat:4:59: options.lease_time: expected a number of seconds, got "long"');
  assert.match(errs[2]!, /^p\.dat:4:77: options\.router: expected an IPv4 address/);
  assert.equal(errs[3], 'p.dat:5:24: reservations[0]: "xx" is not hex bytes (e.g. 02:ac:77:00:0e:01)');
  assert.equal(errs[4], 'p.dat:5:44: reservations[1]: expected {hw, "02:ac:77:00:0e:01", {a,b,c,d}} or {client_id, "01:02:...", {a,b,c,d}} (optionally a hostname string last), got {mac,"02:00:00:00:00:01",{10,77,0,7}}');
});

test('a range spanning networks, a wrong broadcast address, a reservation outside the network', () => {
  const { errs } = errors({
    'p.dat': pool({
      range: '{10,77,0,100}, {10,77,1,10}',
      options: '{subnet_mask, {255,255,255,0}}',
    }),
    'q.dat': pool({
      name: 'q',
      range: '{10,77,2,10}, {10,77,2,20}',
      options: '{subnet_mask, {255,255,255,0}}, {broadcast_address, {10,77,2,254}}',
      extra: '{reservations, [{hw, "02:00:00:00:00:01", {10,77,3,6}}]}',
    }),
  });
  assert.deepEqual(errs, [
    'p.dat:3:3: range: range 10.77.0.100-10.77.1.10 spans more than one network under subnet mask 255.255.255.0',
    'q.dat:4:66: options.broadcast_address: broadcast address 10.77.2.254 is not the broadcast address of 10.77.2.0/24 (10.77.2.255)',
    'q.dat:5:45: reservations[0]: reserved address 10.77.3.6 is not inside subnet 10.77.2.0/24',
  ]);
});

test('two pools with overlapping networks, or the same name, are refused', () => {
  const { errs } = errors({
    'a.dat': pool({ name: 'a', range: '{10,77,0,10}, {10,77,0,20}', options: '{subnet_mask, {255,255,0,0}}' }),
    'b.dat': pool({ name: 'a', range: '{10,77,1,10}, {10,77,1,20}' }),
  });
  assert.deepEqual(errs, [
    'b.dat:1:1: name: pool name "a" is already used in a.dat:1',
    'b.dat:3:3: range: subnet 10.77.1.0/24 overlaps subnet 10.77.0.0/16 (a.dat:3 range)',
  ]);
});

test('lease_time, renewal_time and rebinding_time are checked like the YAML ones', () => {
  const { errs } = errors({
    'p.dat': pool({ options: '{subnet_mask, {255,255,255,0}}, {lease_time, 600}, {renewal_time, 700}' }),
  });
  assert.equal(errs.length, 1, errs.join('\n'));
  assert.match(errs[0]!, /^p\.dat:4:80: options\.renewal_time: renewal time \(T1\) 700 must be less than the lease time 600$/);
});

test('syntax errors, wrong shapes and unknown settings, with all files reported', () => {
  const { errs } = errors({
    'a.dat': '{pooldata, {simplepool, [{name, "x"}\n',
    'b.dat': '{pooldata, {fancypool, []}}.\n',
    'c.dat': '{pool, []}.\n',
    'd.dat': pool({ extra: '{colour, blue}' }),
    'e.dat': '% only a comment\n',
  });
  assert.deepEqual(errs, [
    "a.dat:1:37: expected ',' or ']' in the list opened at line 1 column 25, found end of file",
    'b.dat:1:13: unsupported pool type fancypool (only simplepool is known)',
    'c.dat:1:1: expected {pooldata, {simplepool, [...]}}, got {pool,[]}',
    'd.dat:5:3: unknown pool setting {colour,blue} (expected one of: name, range, options, reservations, exclude)',
    'e.dat: the file holds no pool term',
  ]);
});

test('a missing or empty directory is a one-line error', () => {
  assert.throws(() => loadPoolDir(join(scratch, 'nope')), /nope: cannot read the pool directory: ENOENT$/);
  assert.throws(() => loadPoolDir(poolDir({ '.only-hidden': '' })), /: no pool files in the directory$/);
});
