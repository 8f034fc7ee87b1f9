import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseKeaMemfile, unescapeKea } from '../../src/leases/formats/kea-memfile.js';
import { formatIpv4 } from '../../src/protocol/ipv4.js';

// A Kea 2.4 memfile as the server appends it: renewals, a declined address (Kea blanks the
// client), a reclaimed one, a release (valid_lifetime 0), hostnames and user context with
// escaped commas, and three rows Kea itself would refuse.
const KEA_24 = [
  'address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context,pool_id',
  '10.77.0.100,02:00:00:00:00:01,01:02:00:00:00:00:01,3600,1795003600,1,0,0,laptop,0,,0',
  '10.77.0.101,02:00:00:00:00:02,,3600,1795003700,1,1,1,smith&#x2c john.example.com,0,{ "comment": "desk"&#x2c "floor": 2 },0',
  '10.77.0.100,02:00:00:00:00:01,01:02:00:00:00:00:01,3600,1795005400,1,0,0,laptop,0,,0',
  '10.77.0.102,,,86400,1795086400,1,0,0,,1,,0',
  '10.77.0.103,02:00:00:00:00:03,,3600,1794990000,1,0,0,old-pc,2,,0',
  '10.77.0.104,02:00:00:00:00:04,,3600,1795003600,1,0,0,gone,0,,0',
  '10.77.0.104,02:00:00:00:00:04,,0,1795001000,1,0,0,gone,0,,0',
  '10.77.0.105,zz:00:00:00:00:05,,3600,1795003600,1,0,0,,0,,0',
  '10.77.0.106,02:00:00:00:00:06,,3600,1795003600,1,0,0',
  '10.77.0.107,02:00:00:00:00:07,,3600,1795003600,1,0,0,caf&#xc3&#xa9,7,,0',
  '10.77.0.108,02:00:00:00:00:08,,3600,1795003600,1,0,0,caf&#xc3&#xa9,0,,0',
  '',
].join('\n');

test('kea memfile: last row wins, zero lifetime deletes, states and escapes are read', () => {
  const r = parseKeaMemfile(KEA_24);
  const got = Object.fromEntries(r.leases.map((l, i) => [formatIpv4(l.address), { state: l.state, host: l.hostname, line: r.lines[i], key: l.clientKey, from: l.issuedAt, to: l.expiresAt }]));
  assert.deepEqual(Object.keys(got).sort(), ['10.77.0.100', '10.77.0.101', '10.77.0.102', '10.77.0.103', '10.77.0.108']);
  assert.deepEqual(got['10.77.0.100'], { state: 'bound', host: 'laptop', line: 4, key: 'id:01020000000001', from: 1795001800, to: 1795005400 });
  assert.deepEqual(got['10.77.0.101'], { state: 'bound', host: 'smith, john.example.com', line: 3, key: 'hw:1:020000000002', from: 1795000100, to: 1795003700 });
  assert.equal(got['10.77.0.102']!.state, 'declined');
  assert.equal(got['10.77.0.102']!.host, null);
  assert.equal(got['10.77.0.103']!.state, 'expired');
  assert.equal(got['10.77.0.108']!.host, 'café');
  for (const l of r.leases) assert.equal(l.subnetId, 0, "Kea's subnet_id is not carried over");
  assert.deepEqual(r.problems.map((p) => p.line), [9, 10, 11]);
  assert.match(r.problems[0]!.message, /^hwaddr: .*zz:00/);
  assert.match(r.problems[1]!.message, /expected 12 fields as in the header, found 8/);
  assert.match(r.problems[2]!.message, /^state: .*got '7'/);
});

test('kea memfile: a Kea 1.0 header (no state, no user_context) and columns in another order', () => {
  const r = parseKeaMemfile([
    'hwaddr,address,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname',
    '02:00:00:00:00:01,10.77.0.100,,7200,1795007200,3,0,0,',
    '02:00:00:00:00:02,10.77.0.101,ab:cd,4294967295,6089967295,3,0,0,forever',
  ].join('\r\n'));
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.leases.map((l) => [formatIpv4(l.address), l.state, l.hostname, l.issuedAt, l.expiresAt]), [
    ['10.77.0.100', 'bound', null, 1795000000, 1795007200],
    ['10.77.0.101', 'bound', 'forever', 1795000000, 6089967295],
  ]);
  assert.deepEqual(r.leases[1]!.clientId, Uint8Array.of(0xab, 0xcd));
});

test('kea memfile: a lease that moves to another client while still valid is reported as a conflict', () => {
  const r = parseKeaMemfile([
    'address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context',
    '10.77.0.100,02:00:00:00:00:01,,3600,1795003600,1,0,0,,0,',
    '10.77.0.100,02:00:00:00:00:02,,3600,1795004600,1,0,0,,0,',
    '10.77.0.100,02:00:00:00:00:03,,3600,1795010000,1,0,0,,0,',
  ].join('\n'));
  assert.equal(r.leases.length, 1);
  assert.equal(r.leases[0]!.clientKey, 'hw:1:020000000003');
  // Line 3 overlaps line 2; line 4 begins after line 3 ended (1795006400 > 1795004600): no conflict.
  assert.deepEqual(r.problems.map((p) => p.line), [3]);
  assert.match(r.problems[0]!.message, /bound to two clients/);
});

test('kea memfile: not a memfile, and the escape rules', () => {
  assert.match(parseKeaMemfile('lease 10.0.0.1 {\n}\n').problems[0]!.message, /^not a Kea lease4 memfile: the header lacks/);
  assert.equal(unescapeKea('a&#x2cb&#x26c&#xzz'), 'a,b&c&#xzz');
  assert.deepEqual(parseKeaMemfile('').leases, []);
});
