// The address partition of Hydra mode: blocks cut every range exactly, blockOwner agrees with
// blockOf, and with carried addresses the n workers' allocatable sets are still disjoint and
// together cover the configured ranges (no address can be handed out by two workers, none lost).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { ServerConfig } from '../../src/config/model.js';
import { blockOf, blockOwner, shardConfig, type CarriedAddress } from '../../src/runtime/shard-config.js';

function config(ranges: { start: number; end: number }[]): ServerConfig {
  return {
    subnets: [{
      id: 1, name: 's', network: 0x0a000000, prefixLength: 8, ranges, exclusions: [0x0a000005],
      reservations: [], options: new Map(), leaseTimes: { default: 3600, min: 60, max: 7200 },
    }],
    authoritative: false, offerHoldSeconds: 60, declineProbationSeconds: 600, leaseCachePercent: 0, source: 't',
  };
}

/** Addresses a worker may allocate: in its ranges and not excluded. */
function allocatable(c: ServerConfig): Set<number> {
  const out = new Set<number>();
  const s = c.subnets[0]!;
  const excluded = new Set(s.exclusions);
  for (const r of s.ranges) for (let a = r.start; a <= r.end; a++) if (!excluded.has(a)) out.add(a);
  return out;
}

const rangesArb = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 60 })), { minLength: 1, maxLength: 3 })
  .map((xs) => {
    // Disjoint ranges inside 10.0.0.0/8: each starts after the previous one ends.
    let at = 0x0a000000;
    return xs.map(([gap, len]) => {
      const start = at + gap;
      at = start + len + 1;
      return { start, end: start + len };
    });
  });

test('blocks partition every range and blockOwner finds the block', () => {
  fc.assert(
    fc.property(rangesArb, fc.integer({ min: 1, max: 9 }), (ranges, n) => {
      const c = config(ranges);
      for (const r of ranges) {
        let expect = r.start;
        for (let k = 0; k < n; k++) {
          const b = blockOf(r, k, n);
          if (!b) continue;
          assert.equal(b.start, expect);
          for (let a = b.start; a <= b.end; a++) assert.equal(blockOwner(c, a, n), k);
          expect = b.end + 1;
        }
        assert.equal(expect, r.end + 1);
      }
      assert.equal(blockOwner(c, 0x0b000000, n), null);
    }),
  );
});

test('with carried addresses the workers still split the ranges exactly', () => {
  fc.assert(
    fc.property(rangesArb, fc.integer({ min: 2, max: 6 }), fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 40 }), (ranges, n, picks) => {
      const c = config(ranges);
      const all = allocatable(c);
      const list = [...all];
      // Each carried address once, carried by a shard other than its block owner.
      const carried: CarriedAddress[] = [];
      const seen = new Set<number>();
      for (const [i, s] of picks) {
        if (list.length === 0) break;
        const address = list[i % list.length]!;
        const owner = blockOwner(c, address, n)!;
        if (seen.has(address)) continue;
        seen.add(address);
        carried.push({ address, shard: (owner + 1 + (s % (n - 1))) % n });
      }
      const owners = new Map<number, number>();
      for (let k = 0; k < n; k++) {
        for (const a of allocatable(shardConfig(c, k, n, carried))) {
          assert.ok(!owners.has(a), `address ${a} allocatable by workers ${owners.get(a)} and ${k}`);
          owners.set(a, k);
        }
      }
      assert.deepEqual([...owners.keys()].sort(), [...all].sort(), 'together the workers cover every dynamic address');
      for (const cr of carried) assert.equal(owners.get(cr.address), cr.shard, 'a carried address belongs to its carrier');
    }),
  );
});

test('one worker keeps the configuration as it is', () => {
  const c = config([{ start: 0x0a000010, end: 0x0a000020 }]);
  assert.equal(shardConfig(c, 0, 1), c);
});
