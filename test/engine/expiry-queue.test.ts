import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ExpiryQueue } from '../../src/engine/expiry-queue.js';

test('expiry queue: pops in non-decreasing time order, keeping each time with its address', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 200 }), (times) => {
      const q = new ExpiryQueue();
      times.forEach((t, i) => q.push(t, t * 10_000 + i));
      const out: number[] = [];
      while (q.size > 0) {
        const t = q.peekTime()!;
        assert.equal(Math.floor(q.peekAddress()! / 10_000), t);
        out.push(t);
        q.pop();
      }
      assert.deepEqual(out, [...times].sort((a, b) => a - b));
    }),
  );
});
