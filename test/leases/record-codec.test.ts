import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { clientKeyOf } from '../../src/engine/client-identity.js';
import type { Lease, LeaseState } from '../../src/engine/types.js';
import { StoreError } from '../../src/leases/lease-store.js';
import {
  crc32,
  decodeUpsert,
  encodeDelete,
  encodeUpsert,
  FRAME_HEADER,
  payloadType,
  RECORD_DELETE,
  RECORD_UPSERT,
  recordAddress,
} from '../../src/leases/record-codec.js';
import { lease } from './store-fixtures.js';

const roundTrip = (l: Lease): Lease => {
  const frame = encodeUpsert(l);
  assert.equal(frame.readUInt32LE(0), frame.length - FRAME_HEADER);
  assert.equal(frame.readUInt32LE(4), crc32(frame.subarray(FRAME_HEADER)));
  assert.equal(payloadType(frame.subarray(FRAME_HEADER)), RECORD_UPSERT);
  return decodeUpsert(frame, FRAME_HEADER);
};

test('every field of a lease round-trips, including fractional times and every stored state', () => {
  for (const state of ['offered', 'bound', 'released', 'expired', 'declined'] as LeaseState[]) {
    const l = lease(0xc0a80a05, {
      state,
      subnetId: 4_000_000_000,
      hwType: 6,
      hwAddress: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16),
      clientId: Uint8Array.of(255, 1, 2, 3, 0, 0, 0, 9),
      hostname: 'kitchen-ÿ-☕',
      issuedAt: 1_790_000_000.123456,
      expiresAt: 1_790_086_399.987654321,
    });
    l.clientKey = clientKeyOf(l.clientId, l.hwType, l.hwAddress);
    assert.deepEqual(roundTrip(l), l);
  }
});

test('a clientKey that is not the derived one is stored explicitly; the derived one is not stored', () => {
  const derived = lease(1);
  const custom = { ...lease(1), clientKey: 'imported:kea:42' };
  assert.deepEqual(roundTrip(custom), custom);
  assert.ok(encodeUpsert(custom).length > encodeUpsert(derived).length);
  const noHw = lease(2, { hwAddress: new Uint8Array(0), hostname: '' });
  assert.deepEqual(roundTrip(noHw), noHw);
});

test('property: any representable lease round-trips exactly', () => {
  const bytes = (max: number) => fc.uint8Array({ maxLength: max });
  fc.assert(
    fc.property(
      fc.record({
        address: fc.integer({ min: 0, max: 0xffffffff }),
        subnetId: fc.integer({ min: 0, max: 0xffffffff }),
        hwType: fc.integer({ min: 0, max: 255 }),
        hwAddress: bytes(20),
        clientId: fc.option(bytes(40)),
        hostname: fc.option(fc.string({ maxLength: 60 })),
        state: fc.constantFrom<LeaseState>('bound', 'released', 'expired', 'declined'),
        issuedAt: fc.double({ noNaN: true }),
        expiresAt: fc.double({ noNaN: true }),
        customKey: fc.option(fc.string({ maxLength: 30 })),
      }),
      (r) => {
        const { customKey, ...rest } = r;
        const l: Lease = {
          ...rest,
          hostname: rest.hostname === null ? null : rest.hostname.replace(/[\ud800-\udfff]/g, '?'),
          clientKey: customKey ?? clientKeyOf(rest.clientId, rest.hwType, rest.hwAddress),
        };
        assert.deepEqual(roundTrip(l), l);
      },
    ),
  );
});

test('delete frames carry the address', () => {
  const f = encodeDelete(0xfffffffe);
  assert.equal(payloadType(f.subarray(FRAME_HEADER)), RECORD_DELETE);
  assert.equal(recordAddress(f, FRAME_HEADER), 0xfffffffe);
});

test('payloads whose own lengths do not add up are rejected', () => {
  const p = Buffer.from(encodeUpsert(lease(7, { hostname: 'abc' })).subarray(FRAME_HEADER));
  assert.equal(payloadType(p), RECORD_UPSERT);
  assert.equal(payloadType(p.subarray(0, p.length - 1)), null);
  assert.equal(payloadType(Buffer.concat([p, Buffer.of(0)])), null);
  const badType = Buffer.from(p);
  badType[0] = 9;
  assert.equal(payloadType(badType), null);
  const badFlags = Buffer.from(p);
  badFlags[2] |= 0x80;
  assert.equal(payloadType(badFlags), null);
});

test('a lease the format cannot hold is refused with StoreError naming the address and field', () => {
  assert.throws(() => encodeUpsert(lease(9, { hwType: 300 })), (e: unknown) => e instanceof StoreError && /lease 9: hardware type 300/.test(e.message));
  assert.throws(() => encodeUpsert(lease(9, { hwAddress: new Uint8Array(256) })), /hardware address length 256/);
});
