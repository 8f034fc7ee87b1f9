import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ConfigError } from '../../src/config/config-error.js';
import { describeTerm, parseErlangTerms } from '../../src/config/erlang-terms.js';
import { parseConfigText } from '../../src/config/yaml-config.js';

// A user's broken file must end in a ConfigError with a place, never in a crash or stack trace.

function onlyConfigErrors(run: () => unknown): void {
  try {
    run();
  } catch (e) {
    assert.ok(e instanceof ConfigError, `threw ${String(e)}`);
    assert.ok(e.issues.length > 0);
    for (const i of e.issues) assert.ok(i.file.length > 0 && i.message.length > 0);
  }
}

/** Strings built from pieces, so the generator reaches the syntax instead of random noise. */
const joined = (pieces: string[], maxLength: number): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...pieces), { maxLength }).map((a) => a.join(''));

const erlangish = joined('{}[],.|%"\'$\\#-+_ \n\tabcXYZ0129'.split(''), 80);

test('the Erlang reader only ever throws ConfigError, on any text', () => {
  fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 80 }), erlangish), (text) => {
    onlyConfigErrors(() => parseErlangTerms(text, 'f.dat'));
  }), { numRuns: 2000 });
});

test('the YAML loader only ever throws ConfigError, on any text', () => {
  const yamlish = joined(['subnets:', '\n', '  - ', 'subnet: ', '10.77.0.0/24', 'pools: ', '[', ']', '{', '}',
    ',', 'options: ', 'routers: ', 'lease-time: ', '3600', '-1', 'x', '"', ':', '&a ', '*a', 'reservations: ', 'hw-address: ',
    'ip-address: ', '10.77.0.5', 'exclude: ', 'id: ', '1'], 40);
  fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 80 }), yamlish), (text) => {
    onlyConfigErrors(() => parseConfigText(text, 'f.yaml'));
  }), { numRuns: 1000 });
});

// Terms printed by describeTerm read back as the same terms.
const term: fc.Memo<string> = fc.memo((depth) => {
  const leaf = fc.oneof(
    fc.integer({ min: -1_000_000, max: 1_000_000 }).map(String),
    fc.stringMatching(/^[a-z][a-z0-9_]{0,6}$/),
    joined('ab "\\\n\t.%{'.split(''), 8).map((s) => JSON.stringify(s)),
  );
  if (depth <= 1) return leaf;
  const inner = fc.array(term(depth - 1), { maxLength: 4 });
  return fc.oneof(leaf, inner.map((xs) => `{${xs.join(',')}}`), inner.map((xs) => `[${xs.join(',')}]`));
});

test('printed terms read back unchanged, with any whitespace and comments between tokens', () => {
  fc.assert(fc.property(fc.array(term(4), { minLength: 1, maxLength: 3 }), (terms) => {
    const text = terms.map((t) => `${t}.`).join(' % note\n\t');
    const read = parseErlangTerms(text, 'f.dat');
    assert.deepEqual(read.map(describeTerm), terms.map((t) => describeTerm(parseErlangTerms(`${t}.`, 'f.dat')[0]!)));
    assert.deepEqual(read.map(describeTerm), terms);
  }), { numRuns: 500 });
});
