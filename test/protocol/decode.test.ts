import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessage } from '../../src/protocol/decode.js';
import { DecodeError } from '../../src/protocol/decode-error.js';
import { parseIpv4 } from '../../src/protocol/ipv4.js';
import { messageType, requestedAddress, hostName, parameterRequestList, hardwareAddress } from '../../src/protocol/accessors.js';
import { DHCLIENT_MAC, DHCLIENT_PRL, DHCLIENT_XID, dhclientDiscover, packetWithOptions } from './sample-packets.js';

const bytes = (s: string) => Uint8Array.from(Buffer.from(s));

test('dhclient DISCOVER decodes field by field', () => {
  const m = decodeMessage(dhclientDiscover());
  assert.equal(m.op, 1);
  assert.equal(m.htype, 1);
  assert.equal(m.hlen, 6);
  assert.equal(m.hops, 0);
  assert.equal(m.xid, DHCLIENT_XID);
  assert.equal(m.secs, 3);
  assert.equal(m.flags, 0);
  assert.equal(m.ciaddr, 0);
  assert.equal(m.yiaddr, 0);
  assert.equal(m.siaddr, 0);
  assert.equal(m.giaddr, 0);
  assert.equal(m.chaddr.length, 16);
  assert.deepEqual([...hardwareAddress(m)], DHCLIENT_MAC);
  assert.deepEqual(m.sname, new Uint8Array(64));
  assert.deepEqual(m.file, new Uint8Array(128));
  assert.equal(m.hasMagicCookie, true);
  assert.deepEqual([...m.options.keys()], [53, 50, 12, 55]);
  assert.equal(messageType(m), 1);
  assert.equal(requestedAddress(m), parseIpv4('10.77.0.10'));
  assert.equal(hostName(m), 'client1');
  assert.deepEqual([...parameterRequestList(m)], DHCLIENT_PRL);
});

test('the decoded message owns its bytes: changing the input afterwards changes nothing', () => {
  const pkt = dhclientDiscover();
  const m = decodeMessage(pkt);
  pkt.fill(0xee);
  assert.equal(hostName(m), 'client1');
  assert.equal(m.chaddr[0], 0x00);
});

test('without the magic cookie the message is BOOTP with no options', () => {
  const pkt = dhclientDiscover();
  pkt[236] = 0;
  const m = decodeMessage(pkt);
  assert.equal(m.hasMagicCookie, false);
  assert.equal(m.options.size, 0);
  assert.equal(decodeMessage(pkt.subarray(0, 236)).hasMagicCookie, false, 'a bare 236-byte header is BOOTP');
});

test('short packets and oversized hlen are DecodeErrors naming the field', () => {
  assert.throws(() => decodeMessage(new Uint8Array(235)), (e: unknown) => e instanceof DecodeError && e.field === 'packet' && /235/.test(e.message));
  const pkt = dhclientDiscover();
  pkt[2] = 17;
  assert.throws(() => decodeMessage(pkt), (e: unknown) => e instanceof DecodeError && e.field === 'hlen');
});

test('an option running past the end names the option, offset and length', () => {
  const pkt = packetWithOptions([53, 1, 1, 55, 12, 1, 3]);
  assert.throws(() => decodeMessage(pkt), (e: unknown) =>
    e instanceof DecodeError && e.message === 'option 55 at offset 243: length 12 runs past end of packet');
  assert.throws(() => decodeMessage(packetWithOptions([53, 1, 1, 61])), (e: unknown) =>
    e instanceof DecodeError && e.field === 'option 61' && /length byte missing/.test(e.message));
});

test('pad is skipped, end stops parsing, a missing end is tolerated', () => {
  const m = decodeMessage(packetWithOptions([0, 0, 53, 1, 3, 0, 255, 61, 99, 1]));
  assert.deepEqual([...m.options.entries()], [[53, Uint8Array.of(3)]]);
  const n = decodeMessage(packetWithOptions([53, 1, 3, 12, 2, 0x61, 0x62]));
  assert.equal(hostName(n), 'ab');
});

test('RFC 3396: repeated options are joined in order across options, file and sname', () => {
  const file = [12, 2, ...bytes('cd'), 255];
  const sname = [12, 2, ...bytes('ef'), 255];
  const m = decodeMessage(packetWithOptions([52, 1, 3, 12, 2, ...bytes('ab'), 53, 1, 1, 255], { file, sname }));
  assert.equal(hostName(m), 'abcdef');
  assert.equal(m.options.has(52), false, 'overload is the codec’s business, not an option the engine sees');
  assert.deepEqual(m.file, new Uint8Array(128), 'overloaded fields are zero-filled');
  assert.deepEqual(m.sname, new Uint8Array(64));
});

test('overload 1 reads only file; sname keeps its text', () => {
  const sname = [...bytes('server')];
  const m = decodeMessage(packetWithOptions([52, 1, 1, 255], { file: [53, 1, 5, 255], sname }));
  assert.equal(messageType(m), 5);
  assert.equal(Buffer.from(m.sname.subarray(0, 6)).toString(), 'server');
});

test('overload with a bad value or length is a DecodeError', () => {
  assert.throws(() => decodeMessage(packetWithOptions([52, 1, 4, 255])), (e: unknown) => e instanceof DecodeError && e.field === 'option 52');
  assert.throws(() => decodeMessage(packetWithOptions([52, 2, 1, 1, 255])), DecodeError);
  assert.throws(() => decodeMessage(packetWithOptions([52, 1, 1], { file: [12, 200] })), (e: unknown) =>
    e instanceof DecodeError && /file field/.test(e.message));
});
