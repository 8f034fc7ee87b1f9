// The profile summary sorts samples into idle, GC, native calls and JS by source directory,
// honours the time window, and names the hottest functions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatProfileSummary, summarizeProfile, type CpuProfile } from '../../bench/profile-summary.js';

const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber });
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(idle)') },
    { id: 2, callFrame: frame('(garbage collector)') },
    { id: 3, callFrame: frame('send') },
    { id: 4, callFrame: frame('buildReply', 'file:///x/dist/src/engine/reply-builder.js', 20) },
    { id: 5, callFrame: frame('onMessage', 'node:dgram', 944) },
  ],
  // 1 ms apart: idle ×4, send ×3, buildReply ×2, GC ×1, then (after 10 ms) dgram ×2
  samples: [1, 1, 1, 1, 3, 3, 3, 4, 4, 2, 5, 5],
  timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 10_000, 1000],
};

test('categories and hottest functions, as shares of the samples', () => {
  const s = summarizeProfile(profile);
  assert.equal(s.samples, 12);
  const cats = Object.fromEntries(s.categories);
  assert.equal(cats['idle (event loop waiting)'], 4 / 12);
  assert.equal(cats['native: send'], 3 / 12);
  assert.equal(cats['hydra src/engine/'], 2 / 12);
  assert.equal(cats['garbage collector'], 1 / 12);
  assert.equal(cats['node: core JS (dgram, fs, timers, promises)'], 2 / 12);
  assert.deepEqual(s.functions[0], ['(idle)', 4 / 12]);
  assert.ok(s.functions.some(([k]) => k === 'buildReply src/engine/reply-builder.js:21'));
  assert.match(formatProfileSummary(s), /33\.3 %  idle/);
});

test('the window keeps only the samples inside it', () => {
  const s = summarizeProfile(profile, 0, 10);
  assert.equal(s.samples, 10);
  assert.ok(!s.categories.some(([k]) => k.startsWith('node:')));
});
