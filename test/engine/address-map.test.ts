// AddressMap behaves as a Map<address, value> under any sequence of sets and deletes (fast-check
// against a real Map), across block boundaries and at the ends of the address space; its values
// come block by block, each block in address order.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { AddressMap } from '../../src/engine/address-map.js';

const address = fc.oneof(
  fc.integer({ min: 0x0a000000, max: 0x0a0003ff }), // a few neighbouring blocks: collisions
  fc.constantFrom(0, 255, 256, 0xffffffff, 0xffffff00),
  fc.integer({ min: 0, max: 0xffffffff }),
);
const op = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), address, value: fc.integer() }),
  fc.record({ kind: fc.constant('delete' as const), address }),
);

test('same answers as a Map for every get, size and delete, in any order of operations', () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
      const m = new AddressMap<{ v: number }>();
      const model = new Map<number, { v: number }>();
      for (const o of ops) {
        if (o.kind === 'set') {
          const v = { v: o.value };
          m.set(o.address, v);
          model.set(o.address, v);
        } else {
          assert.equal(m.delete(o.address), model.delete(o.address));
        }
        assert.equal(m.size, model.size);
        assert.equal(m.get(o.address), model.get(o.address));
      }
      for (const [a, v] of model) assert.equal(m.get(a), v);
      assert.deepEqual(new Set(m.values()), new Set(model.values()));
      assert.equal([...m.values()].length, model.size);
    }),
    { numRuns: 300 },
  );
});

test('values come block by block, each block in address order', () => {
  const m = new AddressMap<number>();
  for (const a of [0x0a000105, 0x0a000003, 0x0a000101, 0x0a000001]) m.set(a, a);
  assert.deepEqual([...m.values()], [0x0a000101, 0x0a000105, 0x0a000001, 0x0a000003]);
});
