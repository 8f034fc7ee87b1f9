import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { clientKeyOf } from '../../src/engine/client-identity.js';
import type { Lease, LeaseState } from '../../src/engine/types.js';
import { exportHydraCsv, parseHydraCsv } from '../../src/leases/formats/hydra-csv.js';
import { exportHydraJson, parseHydraJson } from '../../src/leases/formats/hydra-json.js';
import { parseIpv4 } from '../../src/protocol/ipv4.js';

const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
const time = fc.double({ min: 0, max: 2 ** 33, noNaN: true, noDefaultInfinity: true });

/** Leases as the store holds them (no offers), one per address. */
const leasesArb = fc.uniqueArray(
  fc.record({
    address: fc.integer({ min: 0, max: 0xffffffff }),
    subnetId: fc.integer({ min: 0, max: 0xffffffff }),
    hwType: fc.integer({ min: 0, max: 255 }),
    hwAddress: bytes(0, 16),
    clientId: fc.option(bytes(1, 40), { nil: null }),
    hostname: fc.option(fc.string({ unit: 'binary', maxLength: 30 }), { nil: null }),
    state: fc.constantFrom<LeaseState>('bound', 'released', 'expired', 'declined'),
    issuedAt: time,
    expiresAt: time,
  }).map((r): Lease => ({ ...r, clientKey: clientKeyOf(r.clientId, r.hwType, r.hwAddress) })),
  { selector: (l) => l.address, maxLength: 25 },
);

test('hydra csv: export then import gives back exactly the same leases', () => {
  fc.assert(fc.property(leasesArb, (leases) => {
    const back = parseHydraCsv(exportHydraCsv(leases));
    assert.deepEqual(back.problems, []);
    assert.deepEqual(back.leases, leases);
  }), { numRuns: 300 });
});

test('hydra json: export then import gives back exactly the same leases', () => {
  fc.assert(fc.property(leasesArb, time, (leases, at) => {
    const back = parseHydraJson(exportHydraJson(leases, Math.floor(at)));
    assert.deepEqual(back.problems, []);
    assert.deepEqual(back.leases, leases);
  }), { numRuns: 300 });
});

const sample: Lease = {
  address: parseIpv4('10.77.0.100')!, subnetId: 1, clientKey: clientKeyOf(null, 1, Uint8Array.of(2, 0, 0, 0, 0, 1)),
  hwType: 1, hwAddress: Uint8Array.of(2, 0, 0, 0, 0, 1), clientId: null, hostname: 'smith, "john"',
  state: 'bound', issuedAt: 1795000000.25, expiresAt: 1795003600.25,
};

test('hydra csv: the documented layout, times in epoch seconds, hostname quoted, no hostname empty', () => {
  const text = exportHydraCsv([sample, { ...sample, address: sample.address + 1, hostname: null }, { ...sample, address: sample.address + 2, hostname: '' }]);
  assert.equal(text,
    'address,hw_type,hw_address,client_id,hostname,state,subnet_id,issued_at,expires_at\n' +
    '10.77.0.100,1,02:00:00:00:00:01,,"smith, ""john""",bound,1,1795000000.25,1795003600.25\n' +
    '10.77.0.101,1,02:00:00:00:00:01,,,bound,1,1795000000.25,1795003600.25\n' +
    '10.77.0.102,1,02:00:00:00:00:01,,"",bound,1,1795000000.25,1795003600.25\n');
});

test('hydra csv: columns in another order are read by name; bad rows are reported by line and skipped', () => {
  const text = [
    'state,address,hw_type,hw_address,client_id,hostname,subnet_id,issued_at,expires_at',
    'bound,10.77.0.100,1,02:00:00:00:00:01,01:02:00:00:00:00:01,pc,1,100,200',
    '',
    'bound,10.77.0.300,1,02:00:00:00:00:02,,,1,100,200',
    'offered,10.77.0.102,1,02:00:00:00:00:03,,,1,100,200',
    'bound,10.77.0.103,1,zz:00,,,1,100,200',
    'bound,10.77.0.104,1,02:00:00:00:00:05,,,1,yesterday,200',
    'bound,10.77.0.105,1,02:00:00:00:00:06,,,1,100',
    'expired,10.77.0.106,1,02:00:00:00:00:07,,"multi',
    'line",1,100,200',
    'bound,10.77.0.107,1,02:00:00:00:00:08,,"open',
  ].join('\n');
  const r = parseHydraCsv(text);
  assert.deepEqual(r.leases.map((l) => [l.address & 255, l.state, l.hostname, l.issuedAt]), [[100, 'bound', 'pc', 100], [106, 'expired', 'multi\nline', 100]]);
  assert.deepEqual(r.lines, [2, 9]);
  assert.equal(r.leases[0]!.clientKey, 'id:01020000000001');
  assert.deepEqual(r.problems.map((p) => p.line), [4, 5, 6, 7, 8, 11]);
  assert.match(r.problems[0]!.message, /^address: .*10\.77\.0\.300/);
  assert.match(r.problems[1]!.message, /^state: .*offered/);
  assert.match(r.problems[2]!.message, /^hw_address/);
  assert.match(r.problems[3]!.message, /^issued_at/);
  assert.match(r.problems[4]!.message, /expected 9 fields, found 8/);
  assert.match(r.problems[5]!.message, /quoted field is not closed/);
});

test('hydra csv: a file that is not ours says which columns are missing', () => {
  const r = parseHydraCsv('address,hwaddr,client_id\n10.0.0.1,02:00:00:00:00:01,\n');
  assert.deepEqual(r.leases, []);
  assert.equal(r.problems.length, 1);
  assert.match(r.problems[0]!.message, /^not a Hydra lease CSV: the header lacks hw_type, hw_address, hostname, state/);
  assert.equal(r.problems[0]!.line, 1);
});

test('hydra json: the envelope, one lease per line; bad elements reported at their line', () => {
  const text = exportHydraJson([sample, { ...sample, address: sample.address + 1 }], 1795000000);
  const lines = text.split('\n');
  assert.deepEqual(lines.slice(0, 4), ['{', '  "format": "hydra-leases",', '  "version": 1,', '  "exported_at": "2026-11-18T11:06:40.000Z",']);
  assert.match(lines[5]!, /^ {4}\{"address":"10\.77\.0\.100","hw_type":1,"hw_address":"02:00:00:00:00:01","client_id":null,"hostname":"smith, \\"john\\"","state":"bound","subnet_id":1,"issued_at":1795000000\.25,"expires_at":1795003600\.25\},$/);
  const broken = text.replace('"10.77.0.101","hw_type":1', '"10.77.0.101","hw_type":"ether"');
  const r = parseHydraJson(broken);
  assert.equal(r.leases.length, 1);
  assert.deepEqual(r.problems, [{ line: 7, message: 'leases[1].hw_type: expected a number from 0 to 255, got "ether"' }]);
});

test('hydra json: a bare array is read; wrong format, version and syntax errors are reported', () => {
  const arr = '[\n  {"address":"10.77.0.5","hw_type":1,"hw_address":"02:00:00:00:00:05","client_id":null,"hostname":null,"state":"released","subnet_id":1,"issued_at":1,"expires_at":2},\n  7\n]';
  const r = parseHydraJson(arr);
  assert.equal(r.leases.length, 1);
  assert.deepEqual(r.problems, [{ line: 3, message: 'leases[1]: expected a lease object' }]);
  assert.match(parseHydraJson('{"format":"kea","version":1,"leases":[]}').problems[0]!.message, /^format: expected "hydra-leases"/);
  assert.match(parseHydraJson('{"format":"hydra-leases","version":2,"leases":[]}').problems[0]!.message, /^version:/);
  const syntax = parseHydraJson('{\n"format": "hydra-leases",\n"leases": [1,\n');
  assert.equal(syntax.leases.length, 0);
  assert.match(syntax.problems[0]!.message, /^not valid JSON/);
});

test('hydra formats: two clients bound to one address at once — the later is kept and the conflict reported', () => {
  const other = { ...sample, hwAddress: Uint8Array.of(2, 0, 0, 0, 0, 9), clientKey: clientKeyOf(null, 1, Uint8Array.of(2, 0, 0, 0, 0, 9)), issuedAt: 1795001000 };
  const r = parseHydraCsv(exportHydraCsv([sample]) + exportHydraCsv([other]).split('\n')[1] + '\n');
  assert.equal(r.leases.length, 1);
  assert.equal(r.leases[0]!.clientKey, other.clientKey);
  assert.equal(r.problems.length, 1);
  assert.equal(r.problems[0]!.line, 3);
  assert.match(r.problems[0]!.message, /10\.77\.0\.100 is bound to two clients: hw:1:020000000001 \(line 2/);
  // The same address handed on after the first lease ended is no conflict.
  const later = { ...other, issuedAt: sample.expiresAt + 1, expiresAt: sample.expiresAt + 3601 };
  assert.deepEqual(parseHydraCsv(exportHydraCsv([sample]) + exportHydraCsv([later]).split('\n')[1] + '\n').problems, []);
});
