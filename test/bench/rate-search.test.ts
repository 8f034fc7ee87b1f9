import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateSearch } from '../../bench/perf/rate-search.js';

function searchAgainst(limit: number, steps = 6): { tried: number[]; best: number | undefined } {
  const s = new RateSearch({ low: 2000, high: 46000, steps, quantum: 250 });
  const tried: number[] = [];
  for (let rate = s.next(); rate !== undefined; rate = s.next()) {
    tried.push(rate);
    s.record(rate, rate <= limit);
  }
  return { tried, best: s.bestPassing };
}

test('bisection closes in on the highest passing rate within its steps', () => {
  const { tried, best } = searchAgainst(15_000);
  assert.equal(tried.length, 6);
  assert.equal(tried[0], 24_000);
  assert.ok(best !== undefined && best <= 15_000 && best > 15_000 - 44_000 / 2 ** 6 - 250, `best ${best}`);
  for (const r of tried) assert.equal(r % 250, 0);
});

test('a server that passes everything ends near the high bound; one that fails everything has no rate', () => {
  assert.ok(searchAgainst(1e9).best! >= 45_000);
  const none = searchAgainst(0);
  assert.equal(none.best, undefined);
  assert.ok(none.tried.every((r) => r >= 2000));
});

test('the search stops once the interval is narrower than the quantum', () => {
  const { tried } = searchAgainst(3000, 50);
  assert.ok(tried.length < 50);
  assert.equal(new Set(tried).size, tried.length);
});

test('bad bounds are refused', () => {
  assert.throws(() => new RateSearch({ low: 5000, high: 5000, steps: 3, quantum: 250 }), /bad search bounds/);
});
