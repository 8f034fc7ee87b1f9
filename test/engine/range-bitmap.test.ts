import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RangeBitmap } from '../../src/engine/range-bitmap.js';

test('range bitmap: hands out clear addresses in order, wraps around, reports exhaustion', () => {
  const b = new RangeBitmap(100, 169); // 70 addresses: spans three words, the last partial
  assert.equal(b.freeCount, 70);
  const first = b.nextClear()!;
  assert.equal(first, 100);
  b.set(first);
  for (let a = 101; a <= 169; a++) b.set(a);
  assert.equal(b.freeCount, 0);
  assert.equal(b.nextClear(), null);
  b.clear(133);
  b.clear(101);
  // Cursor is past 100: it finds 101 first, then wraps from the end to 133.
  assert.equal(b.nextClear(), 101);
  assert.equal(b.nextClear(), 133);
  assert.equal(b.nextClear(), 101); // nothing was set in between: the cursor wrapped again
  assert.equal(b.isSet(133), false);
  assert.equal(b.contains(99), false);
  assert.equal(b.contains(170), false);
});

test('range bitmap: set/clear are idempotent in the free count', () => {
  const b = new RangeBitmap(0, 9);
  b.set(3);
  b.set(3);
  assert.equal(b.freeCount, 9);
  b.clear(3);
  b.clear(3);
  assert.equal(b.freeCount, 10);
});
