import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError } from '../../src/protocol/decode-error.js';
import { parseIpv4 } from '../../src/protocol/ipv4.js';
import { OPTION_DEFS, optionByCode, optionByName } from '../../src/protocol/option-table.js';
import {
  decodeOption, encodeOption, optionFromJson, optionToJson, OptionValueError, type OptionValue,
} from '../../src/protocol/option-values.js';

const ip = (s: string) => parseIpv4(s)!;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** value → bytes → value, and JSON → bytes → JSON. */
function roundTrip(code: number, value: OptionValue, wireHex: string, json: unknown): void {
  const bytes = encodeOption(code, value);
  assert.equal(hex(bytes), wireHex, `wire form of option ${code}`);
  assert.deepEqual(decodeOption(code, bytes), value);
  assert.equal(hex(optionFromJson(code, json)), wireHex, `JSON ${JSON.stringify(json)}`);
  assert.deepEqual(optionToJson(code, bytes), json);
}

test('table: every RFC 2132 code 1-76 and the extra options are defined once, with Kea names', () => {
  for (let c = 1; c <= 76; c++) assert.ok(optionByCode(c), `code ${c}`);
  for (const c of [77, 81, 82, 118, 119, 121, 124, 125]) assert.ok(optionByCode(c), `code ${c}`);
  assert.equal(new Set(OPTION_DEFS.map((d) => d.code)).size, OPTION_DEFS.length);
  assert.equal(new Set(OPTION_DEFS.map((d) => d.name)).size, OPTION_DEFS.length);
  const names: Record<string, number> = {
    'subnet-mask': 1, routers: 3, 'domain-name-servers': 6, 'domain-name': 15, 'broadcast-address': 28,
    'dhcp-lease-time': 51, 'dhcp-renewal-time': 58, 'dhcp-rebinding-time': 59, 'host-name': 12, 'ntp-servers': 42,
    'classless-static-route': 121, 'domain-search': 119, fqdn: 81, 'dhcp-agent-options': 82, 'user-class': 77,
    'vendor-class-identifier': 60, 'vendor-encapsulated-options': 43, 'vivco-suboptions': 124,
    'vivso-suboptions': 125, 'subnet-selection': 118, 'dhcp-client-identifier': 61,
  };
  for (const [name, code] of Object.entries(names)) assert.equal(optionByName(name)?.code, code, name);
});

test('ipv4 and ipv4 lists', () => {
  roundTrip(1, ip('255.255.255.0'), 'ffffff00', '255.255.255.0');
  roundTrip(3, [ip('10.77.0.1'), ip('10.77.0.2')], '0a4d00010a4d0002', ['10.77.0.1', '10.77.0.2']);
  assert.equal(hex(optionFromJson('routers', '10.77.0.1')), '0a4d0001', 'a single address where a list is expected');
  roundTrip(68, [], '', []);
});

test('integers of each width, signed time offset', () => {
  roundTrip(23, 64, '40', 64);
  roundTrip(26, 1500, '05dc', 1500);
  roundTrip(51, 86400, '00015180', 86400);
  roundTrip(2, -3600, 'fffff1f0', -3600);
  roundTrip(25, [68, 296], '00440128', [68, 296]);
  roundTrip(55, [1, 3, 6], '010306', [1, 3, 6]);
});

test('booleans', () => {
  roundTrip(19, true, '01', true);
  roundTrip(19, false, '00', false);
  assert.throws(() => decodeOption(19, Uint8Array.of(2)), DecodeError);
});

test('strings drop trailing NULs on decode', () => {
  roundTrip(15, 'example.org', hex(Buffer.from('example.org')), 'example.org');
  assert.equal(decodeOption(12, Uint8Array.from(Buffer.from('host\0'))), 'host');
  assert.throws(() => decodeOption(12, new Uint8Array(0)), DecodeError);
});

test('binary accepts colon hex, 0x hex and plain hex', () => {
  roundTrip(61, Uint8Array.of(1, 2, 10), '01020a', '01:02:0a');
  assert.equal(hex(optionFromJson('dhcp-client-identifier', '0x01020a')), '01020a');
  assert.equal(hex(optionFromJson(61, '01020a')), '01020a');
  assert.equal(hex(optionFromJson('252', '0x0102')), '0102', 'a code with no definition takes binary');
  assert.deepEqual(decodeOption(252, Uint8Array.of(9, 9)), { raw: Uint8Array.of(9, 9) });
  assert.equal(hex(encodeOption(252, { raw: Uint8Array.of(9) })), '09');
});

test('ipv4 pairs: static routes and policy filters', () => {
  roundTrip(33, [[ip('10.1.0.0'), ip('10.77.0.1')]], '0a0100000a4d0001', ['10.1.0.0 10.77.0.1']);
  roundTrip(21, [[ip('10.0.0.0'), ip('255.0.0.0')]], '0a000000ff000000', ['10.0.0.0 255.0.0.0']);
});

test('domain search (119) compresses repeated suffixes and follows pointers on decode', () => {
  roundTrip(119, ['a.example', 'b.example', 'example'], '0161076578616d706c65000162c002c002', ['a.example', 'b.example', 'example']);
  assert.throws(() => decodeOption(119, Uint8Array.of(0xc0, 0x00)), (e: unknown) => e instanceof DecodeError && /domain-search/.test(e.message));
  assert.throws(() => decodeOption(119, Uint8Array.of(1, 0x61, 0xc0, 0x00)), DecodeError, 'a self-referencing loop');
  assert.throws(() => decodeOption(119, Uint8Array.of(5, 0x61)), DecodeError);
});

test('classless static routes (RFC 3442) carry only significant destination octets', () => {
  const routes = [
    { destination: ip('10.0.0.0'), prefix: 8, router: ip('10.77.0.1') },
    { destination: ip('0.0.0.0'), prefix: 0, router: ip('10.77.0.1') },
    { destination: ip('192.168.1.128'), prefix: 25, router: 0 },
  ];
  roundTrip(121, routes, '080a0a4d0001000a4d000119c0a8018000000000', ['10.0.0.0/8 10.77.0.1', '0.0.0.0/0 10.77.0.1', '192.168.1.128/25 0.0.0.0']);
  assert.equal(hex(optionFromJson('classless-static-route', ['10.0.0.0/8 - 10.77.0.1'])), '080a0a4d0001', "Kea's ' - ' form");
  assert.throws(() => decodeOption(121, Uint8Array.of(33, 1, 2, 3, 4, 5, 6, 7, 8)), (e: unknown) => e instanceof DecodeError && /prefix length 33/.test(e.message));
});

test('client FQDN (RFC 4702) in wire and ASCII forms', () => {
  roundTrip(81, { flags: 5, rcode1: 0, rcode2: 0, name: 'host.example.' }, '050000' + '04686f7374076578616d706c6500', { flags: 5, rcode1: 0, rcode2: 0, name: 'host.example.' });
  roundTrip(81, { flags: 4, rcode1: 255, rcode2: 255, name: 'host' }, '04ffff04686f7374', { flags: 4, rcode1: 255, rcode2: 255, name: 'host' });
  roundTrip(81, { flags: 0, rcode1: 0, rcode2: 0, name: 'host.example' }, '000000' + hex(Buffer.from('host.example')), { flags: 0, rcode1: 0, rcode2: 0, name: 'host.example' });
  assert.equal(hex(optionFromJson('fqdn', 'pc.example.')), '04000002706307' + hex(Buffer.from('example')) + '00');
});

test('relay agent information (82) with typed and raw sub-options', () => {
  const value = [
    { code: 1, data: Uint8Array.from(Buffer.from('eth0')) },
    { code: 2, data: Uint8Array.of(0, 0x11, 0x22, 0x33, 0x44, 0x55) },
    { code: 5, address: ip('10.78.0.0') },
    { code: 11, address: ip('10.77.0.1') },
    { code: 151, data: Uint8Array.of(1) },
  ];
  const json = [
    { code: 1, value: 'eth0' }, { code: 2, value: '0x001122334455' }, { code: 5, value: '10.78.0.0' },
    { code: 11, value: '10.77.0.1' }, { code: 151, value: '0x01' },
  ];
  roundTrip(82, value, '010465746830' + '0206001122334455' + '05040a4e0000' + '0b040a4d0001' + '970101', json);
  assert.deepEqual(optionToJson(82, encodeOption(82, value.slice(0, 4))),
    { 'circuit-id': 'eth0', 'remote-id': '0x001122334455', 'link-selection': '10.78.0.0', 'server-id-override': '10.77.0.1' });
  assert.equal(hex(optionFromJson('dhcp-agent-options', { 'circuit-id': 'eth0', 'remote-id': '00:11:22:33:44:55' })), '0104657468300206001122334455');
  assert.throws(() => decodeOption(82, Uint8Array.of(5, 3, 1, 2, 3)), (e: unknown) => e instanceof DecodeError && /link-selection length 3/.test(e.message));
});

test('user class (RFC 3004) and vendor-identifying options (RFC 3925)', () => {
  roundTrip(77, [Uint8Array.from(Buffer.from('iPXE')), Uint8Array.of(1, 2)], '0469505845020102', ['iPXE', '0x0102']);
  roundTrip(124, [{ enterprise: 4491, data: [Uint8Array.from(Buffer.from('docsis3.0'))] }],
    '0000118b0a09' + hex(Buffer.from('docsis3.0')), [{ enterprise: 4491, data: ['docsis3.0'] }]);
  roundTrip(125, [{ enterprise: 3561, options: [{ code: 1, data: Uint8Array.from(Buffer.from('abc')) }] }],
    '00000de905010361626' + '3', [{ enterprise: 3561, options: [{ code: 1, data: 'abc' }] }]);
  assert.equal(hex(optionFromJson('vivso-suboptions', { enterprise: 3561, options: { 1: 'abc' } })), '00000de9050103616263');
  assert.throws(() => decodeOption(125, Uint8Array.of(0, 0, 0, 1, 9, 1)), DecodeError);
});

test('JSON errors say what was expected and name the option', () => {
  const fails = (key: string | number, json: unknown, message: string) =>
    assert.throws(() => optionFromJson(key, json), (e: unknown) => e instanceof OptionValueError && e.message === message);
  fails('routers', 'x', "routers: expected an IPv4 address or a list of them, got 'x'");
  fails('subnet-mask', 24, 'subnet-mask: expected an IPv4 address, got 24');
  fails('dhcp-lease-time', '1h', "dhcp-lease-time: expected an integer 0..4294967295, got '1h'");
  fails('ip-forwarding', 'yes', "ip-forwarding: expected true or false, got 'yes'");
  fails('dhcp-client-identifier', 'zz', "dhcp-client-identifier: expected hex bytes like '01:02:0a' or '0x01020a', got 'zz'");
  fails('no-such-option', 1, "option 'no-such-option': unknown option name (use its code for options without a definition)");
  fails(300, '01', 'option 300: option codes are 1-254');
  fails('classless-static-route', ['10.0.0.0/33 10.77.0.1'], "classless-static-route: expected routes like ['10.0.0.0/8 10.77.0.1', '0.0.0.0/0 10.77.0.1'], got '10.0.0.0/33 10.77.0.1'");
  fails('domain-search', ['a..example'], "domain-search: empty label in 'a..example'");
});

test('optionToJson never throws: undecodable bytes are shown as hex', () => {
  assert.equal(optionToJson(3, Uint8Array.of(1, 2, 3)), '01:02:03');
  assert.equal(optionToJson(252, Uint8Array.of(0xab)), 'ab');
});

test('encodeOption refuses values of the wrong shape with OptionValueError', () => {
  assert.throws(() => encodeOption(3, 'x' as unknown as OptionValue), OptionValueError);
  assert.throws(() => encodeOption(23, 300), OptionValueError);
  assert.throws(() => encodeOption(121, [{ destination: 0, prefix: 40, router: 0 }]), OptionValueError);
  assert.throws(() => encodeOption(252, 5 as unknown as OptionValue), OptionValueError);
});
