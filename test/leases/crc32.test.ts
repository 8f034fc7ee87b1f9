import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 as zlibCrc32 } from 'node:zlib';
import fc from 'fast-check';
import { crc32 } from '../../src/leases/crc32.js';

test('crc32: equals zlib on any byte range, short (JavaScript loop) or long (zlib)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 1500 }), fc.nat(), fc.nat(), (bytes, a, b) => {
      const start = bytes.length ? a % (bytes.length + 1) : 0;
      const end = start + (b % (bytes.length - start + 1));
      assert.equal(crc32(bytes, start, end), zlibCrc32(bytes.subarray(start, end)) >>> 0);
    }),
    { numRuns: 500 },
  );
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926); // the standard check value
  assert.equal(crc32(new Uint8Array(0)), 0);
});
