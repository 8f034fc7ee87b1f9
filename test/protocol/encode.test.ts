import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessage } from '../../src/protocol/decode.js';
import { encodeMessage, encodeMessageDetailed } from '../../src/protocol/encode.js';
import { dhclientDiscover, emptyMessage, mainOptionCodes } from './sample-packets.js';

const fill = (n: number, v = 7) => new Uint8Array(n).fill(v);

test('decode → encode reproduces the dhclient DISCOVER byte for byte', () => {
  const pkt = dhclientDiscover();
  assert.deepEqual(encodeMessage(decodeMessage(pkt)), pkt);
});

test('fixed fields and options survive a round trip; the packet is padded to 300 bytes', () => {
  const m = emptyMessage(new Map([[53, Uint8Array.of(2)], [1, Uint8Array.of(255, 255, 255, 0)], [250, Uint8Array.of()]]));
  m.hops = 3; m.secs = 0xabcd; m.giaddr = 0x0a4d0001; m.siaddr = 0xc0a80001; m.ciaddr = 0x01020304;
  m.sname.set(Buffer.from('boot-server'));
  m.file.set(Buffer.from('pxelinux.0'));
  const bytes = encodeMessage(m);
  assert.equal(bytes.length, 300);
  assert.deepEqual(decodeMessage(bytes), m);
});

test('an option longer than 255 bytes is split into consecutive instances and joined back', () => {
  const long = Uint8Array.from({ length: 600 }, (_, i) => i & 255);
  const bytes = encodeMessage(emptyMessage(new Map([[53, Uint8Array.of(2)], [43, long]])), 1500);
  assert.deepEqual(mainOptionCodes(bytes), [53, 43, 43, 43]);
  assert.equal(bytes[243 + 1], 255);
  assert.deepEqual(decodeMessage(bytes).options.get(43), long);
});

test('option 82 goes last in the options field whatever its place in the map', () => {
  const opts = new Map([[82, Uint8Array.of(1, 2, 0x61, 0x62)], [53, Uint8Array.of(5)], [54, Uint8Array.of(10, 77, 0, 1)]]);
  assert.deepEqual(mainOptionCodes(encodeMessage(emptyMessage(opts))), [53, 54, 82]);
});

test('options that do not fit 576 continue in file then sname (option 52)', () => {
  const opts = new Map<number, Uint8Array>([[53, Uint8Array.of(5)], [54, Uint8Array.of(10, 77, 0, 1)]]);
  opts.set(43, fill(250, 1)); // fits the options field
  opts.set(224, fill(100, 2)); // no room left there: goes to file
  opts.set(225, fill(40, 3)); // file is full now: goes to sname
  opts.set(82, fill(20, 4));
  const { bytes, dropped } = encodeMessageDetailed(emptyMessage(opts), 576);
  assert.deepEqual(dropped, []);
  assert.ok(bytes.length <= 548, `length ${bytes.length}`);
  assert.deepEqual(mainOptionCodes(bytes), [52, 53, 54, 43, 82]);
  assert.equal(bytes[242], 3, 'overload: file and sname');
  assert.equal(bytes[108], 224, 'file starts with the overflow option');
  assert.equal(bytes[44], 225, 'sname holds the last one');
  const back = decodeMessage(bytes);
  assert.deepEqual(back.options, opts);
});

test('a larger client maximum (option 57) avoids overload', () => {
  const opts = new Map<number, Uint8Array>([[53, Uint8Array.of(5)], [43, fill(250)], [224, fill(200)]]);
  const bytes = encodeMessage(emptyMessage(opts), 1500);
  assert.deepEqual(mainOptionCodes(bytes), [53, 43, 224]);
});

test('file and sname that carry a boot file or server name are never overloaded', () => {
  const m = emptyMessage(new Map<number, Uint8Array>([[53, Uint8Array.of(5)], [54, Uint8Array.of(10, 77, 0, 1)], [43, fill(250)], [224, fill(100)]]));
  m.file.set(Buffer.from('pxelinux.0'));
  m.sname.set(Buffer.from('tftp'));
  const { bytes, dropped } = encodeMessageDetailed(m, 576);
  assert.deepEqual(dropped, [224]);
  assert.deepEqual(mainOptionCodes(bytes), [53, 54, 43]);
  const back = decodeMessage(bytes);
  assert.equal(Buffer.from(back.file.subarray(0, 10)).toString(), 'pxelinux.0');
});

test('when nothing else helps, trailing non-essential options are dropped, never 53/54/51/1/82', () => {
  const opts = new Map<number, Uint8Array>([
    [53, Uint8Array.of(5)], [54, Uint8Array.of(10, 77, 0, 1)], [51, Uint8Array.of(0, 0, 14, 16)], [1, Uint8Array.of(255, 255, 255, 0)],
    [3, Uint8Array.of(10, 77, 0, 1)], [43, fill(255)], [224, fill(255)], [225, fill(255)], [226, fill(120)], [82, fill(30)],
  ]);
  const { bytes, dropped } = encodeMessageDetailed(emptyMessage(opts), 576);
  assert.ok(bytes.length <= 548);
  assert.ok(dropped.length > 0);
  for (const code of [53, 54, 51, 1, 82]) assert.ok(!dropped.includes(code));
  const back = decodeMessage(bytes);
  for (const [code, v] of opts) {
    if (dropped.includes(code)) assert.equal(back.options.has(code), false);
    else assert.deepEqual(back.options.get(code), v, `option ${code}`);
  }
  assert.equal(mainOptionCodes(bytes).at(-1), 82);
});

test('a BOOTP message (no cookie) is 300 bytes with an empty vendor area', () => {
  const m = emptyMessage(new Map([[53, Uint8Array.of(2)]]));
  m.hasMagicCookie = false;
  const bytes = encodeMessage(m);
  assert.equal(bytes.length, 300);
  assert.deepEqual(bytes.subarray(236), new Uint8Array(64));
});
