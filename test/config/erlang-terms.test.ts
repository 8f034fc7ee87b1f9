import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../src/config/config-error.js';
import { describeTerm, parseErlangTerms, type ErlTerm } from '../../src/config/erlang-terms.js';

const parse = (text: string): ErlTerm[] => parseErlangTerms(text, 'p.dat');
const shown = (text: string): string[] => parse(text).map(describeTerm);

function syntaxErrors(text: string): string[] {
  try {
    parse(text);
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    return e.message.split('\n');
  }
  assert.fail('expected a ConfigError');
}

test('reads the seed pool term with comments and odd whitespace', () => {
  const text = '% pool file\n\t{pooldata,%inline\n{simplepool,[{name,"U"} ,\r\n {range,{192,168,1,2},{192,168,1,253}}]}}\n.\n';
  const [t] = parse(text);
  assert.equal(describeTerm(t!), '{pooldata,{simplepool,[{name,"U"},{range,{192,168,1,2},{192,168,1,253}}]}}');
  assert.equal(t!.line, 2);
  assert.equal(t!.column, 2);
});

test('several terms, each ended by a dot; a dot right after a number ends the term', () => {
  assert.deepEqual(shown('a. b.\n3600.'), ['a', 'b', '3600']);
});

test('quoted atoms keep spaces and escapes; bare atoms allow _ and @', () => {
  const [a, b, c] = parse("'Hello world'. 'it\\'s'. node@host_1.");
  assert.deepEqual([a, b, c].map((x) => (x as { name: string }).name), ['Hello world', "it's", 'node@host_1']);
});

test('string escapes: quote, backslash, newline, octal, hex, control, and joined literals', () => {
  const [s] = parse('"a\\"b\\\\c\\n\\101\\x42\\x{43}\\^a\\s" "tail".');
  assert.equal(s!.kind, 'string');
  assert.equal((s as { value: string }).value, 'a"b\\c\nABC\u0001 tail');
});

test('strings may span lines, and positions after them stay right', () => {
  const [, t] = parse('"one\ntwo".\n  {x}.');
  assert.equal(t!.line, 3);
  assert.equal(t!.column, 3);
});

test('numbers: negative, based, underscores, floats, characters', () => {
  assert.deepEqual(shown('[-3, 16#ff, 2#1010, 1_000, 1.5e3, $a, $\\n, +7].'), ['[-3,255,10,1000,1500,97,10,7]']);
});

test('lists of addresses, nested tuples, empty list and tuple, [H|T] tails', () => {
  assert.deepEqual(shown('{dns_server, [{10,0,0,1}, {10,0,0,2}]}. {[], {}}. [1 | [2, 3]].'),
    ['{dns_server,[{10,0,0,1},{10,0,0,2}]}', '{[],{}}', '[1,2,3]']);
});

test('an empty file or one with only comments holds no terms', () => {
  assert.deepEqual(parse(''), []);
  assert.deepEqual(parse('% nothing here\n   \n'), []);
});

test('errors name file:line:col, and every broken term is reported', () => {
  const errs = syntaxErrors('{a, B}.\n{a b}.\n{ok}.\n{c, "open}.\n');
  assert.deepEqual(errs, [
    "p.dat:1:5: variable B is not allowed in a data file (quote it as an atom: 'B')",
    "p.dat:2:4: expected ',' or '}' in the tuple opened at line 2 column 1, found 'b'",
    'p.dat:4:5: unterminated string starting here',
  ]);
});

test('a missing final dot, a bad bracket, and unsupported syntax are errors', () => {
  assert.match(syntaxErrors('{a, 1}')[0]!, /^p\.dat:1:7: expected '\.' after the term that starts at line 1, found end of file$/);
  assert.match(syntaxErrors('[1, 2}.')[0]!, /^p\.dat:1:6: expected ',' or '\]' in the list/);
  assert.match(syntaxErrors('#{a => 1}.')[0]!, /^p\.dat:1:1: unexpected character "#" \(maps, records and binaries/);
  assert.match(syntaxErrors('[1 | 2].')[0]!, /improper list/);
  assert.match(syntaxErrors('"bad \\x4".')[0]!, /^p\.dat:1:6: bad escape sequence$/);
  assert.match(syntaxErrors('99999999999999999999.')[0]!, /too large/);
});

test('deep nesting is refused, not a stack overflow', () => {
  assert.match(syntaxErrors('['.repeat(500) + ']'.repeat(500) + '.')[0]!, /nested deeper/);
});
