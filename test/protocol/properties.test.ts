import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeMessage } from '../../src/protocol/decode.js';
import { DecodeError } from '../../src/protocol/decode-error.js';
import { encodeMessage, encodeMessageDetailed, ESSENTIAL_OPTIONS } from '../../src/protocol/encode.js';
import type { DhcpMessage } from '../../src/protocol/message.js';
import { OPTION_DEFS, type OptionDef } from '../../src/protocol/option-table.js';
import { decodeOption, encodeOption, type OptionValue } from '../../src/protocol/option-values.js';
import { dhclientDiscover, mainOptionCodes } from './sample-packets.js';

// Property tests: the decoder's only failure mode is DecodeError, every option type round-trips,
// and the encoder honours sizes and the place of option 82.

const onlyDecodeErrors = (f: () => unknown): void => {
  try {
    f();
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
  }
};

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
const cookie = [0x63, 0x82, 0x53, 0x63];

test('(a) decodeMessage on arbitrary bytes throws nothing but DecodeError', () => {
  fc.assert(fc.property(bytes(0, 700), (b) => onlyDecodeErrors(() => decodeMessage(b))), { numRuns: 2000 });
  // Past the header and cookie, so the option parser gets the random bytes.
  const withCookie = fc.tuple(bytes(236, 236), bytes(0, 400)).map(([h, o]) => {
    const b = new Uint8Array(240 + o.length);
    b.set(h);
    b[2] = h[2]! % 17;
    b.set(cookie, 236);
    b.set(o, 240);
    return b;
  });
  fc.assert(fc.property(withCookie, (b) => onlyDecodeErrors(() => decodeMessage(b))), { numRuns: 3000 });
});

test('(a) decodeMessage on mutated valid packets throws nothing but DecodeError', () => {
  const base = dhclientDiscover();
  const mutation = fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 });
  fc.assert(fc.property(mutation, fc.nat(base.length), (muts, cut) => {
    const b = base.slice();
    for (const [i, v] of muts) b[i] = v;
    onlyDecodeErrors(() => decodeMessage(b));
    onlyDecodeErrors(() => decodeMessage(b.subarray(0, cut)));
  }), { numRuns: 3000 });
});

test('decodeOption on arbitrary bytes throws nothing but DecodeError, for every defined option', () => {
  for (const def of OPTION_DEFS) {
    fc.assert(fc.property(bytes(0, 80), (b) => onlyDecodeErrors(() => decodeOption(def.code, b))), { numRuns: 200 });
  }
});

// ---- (b) typed values per option type ----

const label = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/);
const domainName = fc.array(label, { minLength: 1, maxLength: 4 }).map((l) => l.join('.'));
// Values compared with deepStrictEqual need ordinary prototypes (fast-check defaults to null ones).
const plain = { noNullPrototype: true } as const;
const text = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).filter((s) => !s.endsWith('\0'));

function elementArb(def: OptionDef): fc.Arbitrary<unknown> | null {
  switch (def.type) {
    case 'ipv4': return u32;
    case 'ipv4-pair': return fc.tuple(u32, u32);
    case 'uint8': return fc.integer({ min: 0, max: 255 });
    case 'uint16': return fc.integer({ min: 0, max: 0xffff });
    case 'uint32': return u32;
    case 'int32': return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    case 'bool': return fc.boolean();
    default: return null;
  }
}

function valueArb(def: OptionDef): fc.Arbitrary<unknown> {
  const element = elementArb(def);
  if (element) return def.array ? fc.array(element, { minLength: def.allowEmpty ? 0 : 1, maxLength: 20 }) : element;
  switch (def.type) {
    case 'string': return text;
    case 'binary': return bytes(0, 300);
    case 'domain-list': return fc.array(domainName, { minLength: 1, maxLength: 6 });
    case 'classless-routes':
      return fc.array(fc.record({ destination: u32, prefix: fc.integer({ min: 0, max: 32 }), router: u32 }, plain)
        .map((r) => ({ ...r, destination: r.prefix === 0 ? 0 : (r.destination & (0xffffffff << (32 - r.prefix))) >>> 0 })), { minLength: 1, maxLength: 10 });
    case 'fqdn':
      return fc.oneof(
        fc.record({ flags: fc.integer({ min: 0, max: 255 }).map((f) => f | 4), rcode1: fc.integer({ min: 0, max: 255 }), rcode2: fc.integer({ min: 0, max: 255 }),
          name: fc.oneof(domainName, domainName.map((n) => n + '.'), fc.constant('')) }, plain),
        fc.record({ flags: fc.integer({ min: 0, max: 255 }).map((f) => f & ~4), rcode1: fc.integer({ min: 0, max: 255 }), rcode2: fc.integer({ min: 0, max: 255 }),
          name: fc.string({ unit: 'grapheme', maxLength: 30 }) }, plain),
      );
    case 'relay-agent':
      return fc.array(fc.oneof(
        fc.record({ code: fc.constantFrom(5, 11), address: u32 }, plain),
        fc.record({ code: fc.integer({ min: 0, max: 255 }).filter((c) => c !== 5 && c !== 11), data: bytes(0, 40) }, plain),
      ), { minLength: 1, maxLength: 5 });
    case 'user-class': return fc.array(bytes(1, 60), { minLength: 1, maxLength: 5 });
    case 'vivco':
      return fc.array(fc.record({ enterprise: u32, data: fc.array(bytes(1, 40), { maxLength: 5 }) }, plain), { minLength: 1, maxLength: 3 });
    case 'vivso':
      return fc.array(fc.record({ enterprise: u32, options: fc.array(fc.record({ code: fc.integer({ min: 0, max: 255 }), data: bytes(0, 40) }, plain), { maxLength: 5 }) }, plain), { minLength: 1, maxLength: 3 });
    default:
      throw new Error(`no generator for option type ${def.type}`);
  }
}

test('(b) every option type: arbitrary valid value → encode → decode → equal', () => {
  for (const def of OPTION_DEFS) {
    fc.assert(fc.property(valueArb(def), (v) => {
      const value = v as OptionValue;
      assert.deepStrictEqual(decodeOption(def.code, encodeOption(def.code, value)), value, `${def.name} (${def.code})`);
    }), { numRuns: 100 });
  }
});

// ---- (c), (d) whole messages ----

const zeroOr = (n: number) => fc.oneof({ weight: 3, arbitrary: fc.constant(new Uint8Array(n)) }, { weight: 1, arbitrary: bytes(n, n) });

/**
 * The options the encoder never drops have their real sizes (an address, a lease time, a message
 * type, a relay option of at most 255 bytes): only then is a fit within 576 always possible.
 */
function realisticSize(code: number, v: Uint8Array): Uint8Array {
  if (code === 1 || code === 51 || code === 54) return v.length === 4 ? v : Uint8Array.of(10, 77, 0, v.length & 255);
  if (code === 53) return Uint8Array.of(v.length % 8 + 1);
  if (code === 82) return v.subarray(0, 255);
  return v;
}

function messageArb(maxOptionLength: number, maxOptions: number, longWeight = 1): fc.Arbitrary<DhcpMessage> {
  const option = fc.tuple(
    fc.integer({ min: 1, max: 254 }).filter((c) => c !== 52),
    // fast-check favours small sizes; long values get an explicit length so splits and overload happen.
    fc.oneof({ weight: 4, arbitrary: bytes(0, 40) }, {
      weight: longWeight,
      arbitrary: fc.integer({ min: 60, max: maxOptionLength }).chain((n) => bytes(n, n)),
    }),
  );
  return fc.record({
    op: fc.integer({ min: 0, max: 255 }), htype: fc.integer({ min: 0, max: 255 }), hlen: fc.integer({ min: 0, max: 16 }),
    hops: fc.integer({ min: 0, max: 255 }), xid: u32, secs: fc.integer({ min: 0, max: 0xffff }), flags: fc.integer({ min: 0, max: 0xffff }),
    ciaddr: u32, yiaddr: u32, siaddr: u32, giaddr: u32, chaddr: bytes(16, 16), sname: zeroOr(64), file: zeroOr(128),
    hasMagicCookie: fc.constant(true),
    options: fc.uniqueArray(option, { selector: ([c]) => c, maxLength: maxOptions, size: 'max' })
      .map((entries) => new Map(entries.map(([c, v]) => [c, realisticSize(c, v)]))),
  }, plain);
}

test('(c) message round trip with a large maximum size: all fields and options byte for byte', () => {
  fc.assert(fc.property(messageArb(700, 12), (m) => {
    const { bytes: out, dropped } = encodeMessageDetailed(m, 65535);
    assert.deepEqual(dropped, []);
    assert.deepStrictEqual(decodeMessage(out), m);
  }), { numRuns: 500 });
});

test('(c) message round trip at 576 (overload): options come back byte for byte, except those reported dropped', () => {
  fc.assert(fc.property(messageArb(400, 16, 2), (m) => {
    const { bytes: out, dropped } = encodeMessageDetailed(m, 576);
    const back = decodeMessage(out);
    const expected = new Map([...m.options].filter(([c]) => !dropped.includes(c)));
    assert.deepStrictEqual(back.options, expected);
    for (const c of dropped) assert.ok(!ESSENTIAL_OPTIONS.has(c), `dropped essential option ${c}`);
    // Fixed fields survive; sname/file only where the encoder did not use them for options.
    assert.equal(back.xid, m.xid);
    assert.deepStrictEqual(back.chaddr, m.chaddr);
    if (out[240] !== 52) {
      assert.deepStrictEqual(back.file, m.file);
      assert.deepStrictEqual(back.sname, m.sname);
    }
  }), { numRuns: 1000 });
});

test('(c) overload is actually exercised by the generator', () => {
  let overloaded = 0;
  fc.assert(fc.property(messageArb(400, 16, 2), (m) => {
    if (encodeMessage(m, 576)[240] === 52) overloaded++;
  }), { numRuns: 500, seed: 42 });
  assert.ok(overloaded > 10, `only ${overloaded} overloaded messages`);
});

test('(d) at maxSize 576 the DHCP payload never exceeds 548 bytes and option 82 stays last', () => {
  const withRelay = fc.tuple(messageArb(400, 10), bytes(0, 255)).map(([m, relay]) => {
    m.options.set(82, relay);
    return m;
  });
  fc.assert(fc.property(withRelay, fc.integer({ min: 0, max: 2000 }), (m, maxSize) => {
    const limit = Math.max(576, maxSize) - 28;
    const { bytes: out, dropped } = encodeMessageDetailed(m, maxSize);
    assert.ok(out.length <= limit, `${out.length} > ${limit}`);
    assert.ok(out.length >= 300);
    assert.ok(!dropped.includes(82));
    assert.equal(mainOptionCodes(out).at(-1), 82);
    assert.deepStrictEqual(decodeMessage(out).options.get(82), m.options.get(82));
  }), { numRuns: 1000 });
});
