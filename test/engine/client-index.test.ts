import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ClientIndex, clientHash } from '../../src/engine/client-index.js';
import { LeaseTable } from '../../src/engine/lease-table.js';
import type { Lease } from '../../src/engine/types.js';

test('client index: matches a list model under adds, removes and growth, with hashes made to collide', () => {
  const op = fc.record({
    add: fc.boolean(),
    // Few distinct hashes, some negative, and addresses across the whole unsigned range.
    hash: fc.oneof(
      fc.integer({ min: -4, max: 12 }).map((h) => h * 1024 + (h & 3)),
      // Hashes whose top bits differ land in different tables of the index.
      fc.constantFrom(0x7fffffff, -0x80000000, 0x12345678, 0x9abcdef0 | 0, 0x40000000, 0x40000400),
    ),
    address: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.constant(0xffffffff), fc.constant(0x80000001)),
  });
  fc.assert(
    fc.property(fc.array(op, { maxLength: 3000 }), (ops) => {
      const index = new ClientIndex();
      const model: { hash: number; address: number }[] = [];
      for (const o of ops) {
        const at = model.findIndex((e) => e.hash === o.hash && e.address === o.address);
        if (o.add && at < 0) {
          index.add(o.hash, o.address);
          model.push({ hash: o.hash, address: o.address });
        } else if (!o.add) {
          index.remove(o.hash, o.address);
          if (at >= 0) model.splice(at, 1);
        }
      }
      assert.equal(index.size, model.length);
      for (const h of new Set(ops.map((o) => o.hash))) {
        assert.deepEqual(index.addressesOf(h), model.filter((e) => e.hash === h).map((e) => e.address));
      }
    }),
    { numRuns: 200 },
  );
});

test('client hash: depends on subnet and on every character of the key', () => {
  assert.notEqual(clientHash(1, 'hw:1:020000000001'), clientHash(2, 'hw:1:020000000001'));
  assert.notEqual(clientHash(1, 'hw:1:020000000001'), clientHash(1, 'hw:1:020000000002'));
  assert.notEqual(clientHash(1, 'hw:1:020000000001'), clientHash(1, 'hw:1:120000000001'));
  assert.equal(clientHash(7, 'id:01ab'), clientHash(7, 'id:01ab'));
});

function lease(address: number, clientKey: string, state: Lease['state'] = 'bound', subnetId = 1): Lease {
  const hwAddress = Uint8Array.of(2, 0, 0, 0, 0, address & 255);
  return { address, subnetId, clientKey, hwType: 1, hwAddress, clientId: null, hostname: null, state, issuedAt: 0, expiresAt: 100 };
}

test('lease table: forClient ignores other clients that share a hash slot, and declined records', () => {
  const t = new LeaseTable();
  // Many clients, so probe runs are long and neighbours' entries are scanned past.
  for (let i = 1; i <= 5000; i++) t.upsert(lease(i, `hw:1:${i}`));
  t.upsert(lease(6000, 'hw:1:7'));
  assert.deepEqual(t.forClient(1, 'hw:1:7').map((l) => l.address), [7, 6000]);
  assert.deepEqual(t.forClient(2, 'hw:1:7'), []);
  t.upsert(lease(7, 'hw:1:7', 'declined'));
  assert.deepEqual(t.forClient(1, 'hw:1:7').map((l) => l.address), [6000]);
  t.upsert(lease(6000, 'hw:1:8'));
  assert.deepEqual(t.forClient(1, 'hw:1:7'), []);
  assert.deepEqual(t.forClient(1, 'hw:1:8').map((l) => l.address), [8, 6000]);
  t.delete(8);
  assert.deepEqual(t.forClient(1, 'hw:1:8').map((l) => l.address), [6000]);
  for (let i = 1; i <= 5000; i++) if (i !== 7 && i !== 8) assert.equal(t.forClient(1, `hw:1:${i}`)[0]?.address, i);
});
