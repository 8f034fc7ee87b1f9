import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AddressIndex } from '../../src/leases/address-index.js';
import { LiveSet } from '../../src/leases/live-set.js';
import { decodeUpsert, encodeUpsert, FRAME_HEADER } from '../../src/leases/record-codec.js';
import type { Lease } from '../../src/engine/types.js';

test('address index: matches a Map under sets, replacements, deletes and growth', () => {
  // Addresses in a few tight runs (long probe runs, wrap-around) and at the ends of the range.
  const address = fc.oneof(
    fc.integer({ min: 0, max: 3000 }),
    fc.integer({ min: 0xfffff000, max: 0xffffffff }),
    fc.constantFrom(0x80000000, 0x7fffffff),
  );
  const op = fc.record({ del: fc.boolean(), address, location: fc.integer({ min: 0, max: 0xfffffffe }) });
  fc.assert(
    fc.property(fc.array(op, { maxLength: 4000 }), (ops) => {
      const index = new AddressIndex();
      const model = new Map<number, number>();
      for (const o of ops) {
        const expected = model.get(o.address) ?? -1;
        if (o.del) {
          assert.equal(index.delete(o.address), expected);
          model.delete(o.address);
        } else {
          assert.equal(index.set(o.address, o.location), expected);
          model.set(o.address, o.location);
        }
      }
      assert.equal(index.size, model.size);
      for (const o of ops) assert.equal(index.get(o.address), model.get(o.address) ?? -1);
      assert.deepEqual([...index.addresses()], [...model.keys()].sort((a, b) => a - b));
    }),
    { numRuns: 100 },
  );
});

function lease(address: number, hostname: string): Lease {
  const hwAddress = Uint8Array.of(2, 0, 0, 0, (address >> 8) & 255, address & 255);
  return {
    address, subnetId: 1, clientKey: `hw:1:${Buffer.from(hwAddress).toString('hex')}`, hwType: 1, hwAddress,
    clientId: null, hostname, state: 'bound', issuedAt: 10, expiresAt: 20,
  };
}

const contents = (live: LiveSet): Map<number, string | null> => {
  const out = new Map<number, string | null>();
  live.forEach((buffer, start) => {
    const l = decodeUpsert(buffer, start + FRAME_HEADER);
    assert.ok(!out.has(l.address), `address ${l.address} visited twice`);
    out.set(l.address, l.hostname);
  });
  return out;
};

test('live set: forEach and a cursor see each live address once, with its latest frame, across slab evacuations', () => {
  const live = new LiveSet();
  const model = new Map<number, string | null>();
  // ~600 KiB frames per round, rewritten and deleted, so slabs fill, fall below half live and get emptied.
  const long = 'x'.repeat(500);
  for (let round = 0; round < 6; round++) {
    for (let a = 1; a <= 1200; a++) {
      if ((a + round) % 5 === 0) {
        live.delete(a);
        model.delete(a);
      } else if ((a * 7 + round) % 3 !== 0) {
        const name = `${long}-${round}-${a}`;
        live.set(a, encodeUpsert(lease(a, name)));
        model.set(a, name);
      }
    }
    assert.equal(live.size, model.size);
    assert.deepEqual(contents(live), model);
  }
  assert.ok(live.arenaBytes <= 4 * 1024 * 1024, `arena ${live.arenaBytes} bytes for ~${model.size * 560} live`);

  // A cursor begun now: later deletes are skipped, later additions are not visited.
  const cursor = live.cursor();
  const gone = [...model.keys()].slice(0, 10);
  for (const a of gone) live.delete(a);
  live.set(5000, encodeUpsert(lease(5000, 'late')));
  const seen: number[] = [];
  for (;;) {
    const { data, records } = live.copyFrames(cursor, 100);
    if (records === 0) break;
    for (let at = 0; at < data.length; at += FRAME_HEADER + data.readUInt32LE(at)) seen.push(decodeUpsert(data, at + FRAME_HEADER).address);
  }
  for (const a of gone) model.delete(a);
  assert.deepEqual(seen, [...model.keys()].sort((a, b) => a - b));
});
