import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDhcpdLeases } from '../../src/leases/formats/dhcpd-leases.js';
import { tokenizeDhcpd } from '../../src/leases/formats/dhcpd-tokens.js';
import { formatIpv4 } from '../../src/protocol/ipv4.js';

const at = (y: number, mo: number, d: number, h: number, mi: number, s: number): number => Date.UTC(y, mo - 1, d, h, mi, s) / 1000;

// Written the way isc-dhcp-server 4.4 writes it, with the failover, host and header records
// the importer must pass over, and some damage.
const DHCPD = `# The format of this file is documented in the dhcpd.leases(5) manual page.
# This lease file was written by isc-dhcp-4.4.3-P1

# authoring-byte-order entry is generated, DO NOT DELETE
authoring-byte-order little-endian;

server-duid "\\000\\001\\000\\001)\\223\\3045\\002\\000\\000\\000\\000\\001";

failover peer "dhcp-failover" state {
  my state normal at 3 2026/11/25 09:00:00;
  partner state normal at 3 2026/11/25 09:00:00;
  mclt 3600;
}

lease 10.77.0.100 {
  starts 3 2026/11/25 10:00:00;
  ends 3 2026/11/25 11:00:00;
  cltt 3 2026/11/25 10:00:00;
  binding state active;
  next binding state free;
  rewind binding state free;
  hardware ethernet 02:00:00:00:00:01;
  uid "\\001\\002\\000\\000\\000\\000\\001";
  set vendor-class-identifier = "MSFT 5.0";
  client-hostname "laptop";
}
lease 10.77.0.101 {
  starts 3 2026/11/25 10:05:00;
  ends never;
  tstp 3 2026/11/25 10:05:00;
  binding state active;
  hardware ethernet 02:00:00:00:00:02;
  uid 01:02:00:00:00:00:02;
  client-hostname "printer \\"lobby\\""; # a quote inside the name
  on expiry {
    set ddns-fwd-name = "printer.example.com";
  }
}
host fixed-pc {
  dynamic;
  hardware ethernet 02:00:00:00:00:99;
  fixed-address 10.77.0.50;
}
lease 10.77.0.100 {
  starts 3 2026/11/25 10:30:00;
  ends 3 2026/11/25 11:30:00;
  cltt 3 2026/11/25 10:30:00;
  binding state active;
  next binding state free;
  hardware ethernet 02:00:00:00:00:01;
  uid "\\001\\002\\000\\000\\000\\000\\001";
  client-hostname "laptop";
}
lease 10.77.0.102 {
  starts epoch 1795000000; # 2026/11/18 11:06:40
  ends epoch 1795003600;
  binding state released;
  hardware ethernet 02:00:00:00:00:03;
}
lease 10.77.0.103 {
  starts 3 2026/11/25 08:00:00;
  ends 3 2026/11/25 09:00:00;
  binding state abandoned;
  hardware ethernet 02:00:00:00:00:04;
}
lease 10.77.0.104 {
  starts 3 2026/11/25 08:00:00;
  ends 3 2026/11/25 09:00:00;
  binding state active;
  hardware ethernet 02:00:00:00:00:05;
}
lease 10.77.0.104 {
  starts 3 2026/11/25 09:00:00;
  ends 3 2026/11/25 09:00:00;
  tstp 3 2026/11/25 09:00:00;
  binding state free;
}
lease 10.77.0.105 {
  starts 3 2026/13/45 10:00:00;
  ends 3 2026/11/25 11:00:00;
  binding state active;
  hardware ethernet 02:00:00:00:00:06;
}
lease 10.77.0.106 {
  starts 3 2026/11/25 10:00:00;
  ends 3 2026/11/25 11:00:00;
  binding state backup;
}
lease 10.77.0.107 {
  starts 2 2026/11/24 10:00:00;
  ends 2 2026/11/24 11:00:00;
  binding state expired;
  next binding state free;
  hardware token-ring 02:00:00:00:00:07;
}
lease 10.77.0.108 {
  starts 3 2026/11/25 10:00:00;
  ends 3 2026/11/25 11:00:00;
  binding state active;
  hardware ethernet 02:00:00:00:00:08;
  client-hostname "unterminated;
}
lease 10.77.0.999 {
  binding state active;
}
`;

test('dhcpd.leases: later blocks win; active/released/expired kept; abandoned and backup noted; header blocks ignored', () => {
  const r = parseDhcpdLeases(DHCPD);
  const got = new Map(r.leases.map((l, i) => [formatIpv4(l.address), { l, line: r.lines[i] }]));
  assert.deepEqual([...got.keys()].sort(), ['10.77.0.100', '10.77.0.101', '10.77.0.102', '10.77.0.107', '10.77.0.108']);

  const a = got.get('10.77.0.100')!;
  assert.equal(a.line, 44, 'the second block for .100 replaced the first');
  assert.equal(a.l.state, 'bound');
  assert.equal(a.l.issuedAt, at(2026, 11, 25, 10, 30, 0));
  assert.equal(a.l.expiresAt, at(2026, 11, 25, 11, 30, 0));
  assert.deepEqual(a.l.clientId, Uint8Array.of(1, 2, 0, 0, 0, 0, 1));
  assert.equal(a.l.clientKey, 'id:01020000000001', 'the uid is the client identifier the engine keys on');
  assert.equal(a.l.hostname, 'laptop');

  const b = got.get('10.77.0.101')!.l;
  assert.deepEqual(b.clientId, Uint8Array.of(1, 2, 0, 0, 0, 0, 2), 'uid in colon-hex form');
  assert.equal(b.hostname, 'printer "lobby"');
  assert.equal(b.expiresAt, at(2026, 11, 25, 10, 5, 0) + 0xffffffff, "'ends never' is an infinite lease");

  const c = got.get('10.77.0.102')!.l;
  assert.deepEqual([c.state, c.issuedAt, c.expiresAt, c.clientId, c.clientKey], ['released', 1795000000, 1795003600, null, 'hw:1:020000000003']);

  const e = got.get('10.77.0.107')!.l;
  assert.deepEqual([e.state, e.hwType], ['expired', 6]);
  assert.equal(got.get('10.77.0.108')!.l.hostname, null, 'the broken hostname is dropped, reported below');
  for (const l of r.leases) assert.equal(l.subnetId, 0);

  const byLine = r.problems.map((p) => [p.line, p.message]);
  assert.deepEqual(byLine.map(([l]) => l), [60, 79, 84, 101, 101, 103]);
  assert.match(String(byLine[0]![1]), /lease 10\.77\.0\.103: binding state abandoned is not imported/);
  assert.match(String(byLine[1]![1]), /lease 10\.77\.0\.105: starts: expected/);
  assert.match(String(byLine[2]![1]), /binding state backup is not imported/);
  assert.match(String(byLine[3]![1]), /quoted string is not closed/);
  assert.match(String(byLine[4]![1]), /'client-hostname' has no ';'/);
  assert.match(String(byLine[5]![1]), /expected 'lease <IPv4 address>/);
});

test('dhcpd.leases: an unclosed block and a stray brace are reported, what came before is kept', () => {
  const r = parseDhcpdLeases(`lease 10.77.0.1 {
  starts 3 2026/11/25 10:00:00; ends 3 2026/11/25 11:00:00;
  binding state active; hardware ethernet 02:00:00:00:00:01;
}
}
lease 10.77.0.2 {
  starts 3 2026/11/25 10:00:00;
  ends 3 2026/11/25 11:00:00
`);
  assert.deepEqual(r.leases.map((l) => formatIpv4(l.address)), ['10.77.0.1']);
  assert.deepEqual(r.problems.map((p) => p.line), [5, 6, 8]);
  assert.match(r.problems[0]!.message, /closes nothing/);
  assert.match(r.problems[1]!.message, /not closed before the end/);
  assert.match(r.problems[2]!.message, /cut off at the end of the file/);
});

test('dhcpd.leases: the tokenizer reads octal, hex and simple escapes and skips comments', () => {
  const { tokens, problems } = tokenizeDhcpd('uid "\\001A\\x41\\t\\\\" # comment "x\nhardware ethernet 0:1:2:3:4:5;');
  assert.deepEqual(problems, []);
  assert.equal(tokens.length, 6);
  assert.deepEqual(tokens[1], { kind: 'string', bytes: Uint8Array.of(1, 65, 65, 9, 92), line: 1 });
  assert.deepEqual(tokens.slice(2).map((t) => [t.kind, t.line]), [['word', 2], ['word', 2], ['word', 2], ['punct', 2]]);
});
