/**
 * Tokens of ISC dhcpd's `dhcpd.leases` (the syntax of dhcpd's conflex.c): words (addresses,
 * dates, colon hex, keywords), quoted strings, and the punctuation `{ } ; = ,`. Comments run
 * from `#` to the end of the line.
 */
export type Token =
  | { kind: 'word'; text: string; line: number }
  | { kind: 'string'; bytes: Uint8Array; line: number }
  | { kind: 'punct'; text: '{' | '}' | ';' | '=' | ','; line: number };

export interface TokenizeResult {
  tokens: Token[];
  problems: { line: number; message: string }[];
}

const PUNCT = new Set(['{', '}', ';', '=', ',']);

export function tokenizeDhcpd(text: string): TokenizeResult {
  const tokens: Token[] = [];
  const problems: { line: number; message: string }[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === '\n') { line++; i++; continue; }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') { i++; continue; }
    if (c === '#') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (PUNCT.has(c)) {
      tokens.push({ kind: 'punct', text: c as '{', line });
      i++;
      continue;
    }
    if (c === '"') {
      const r = readString(text, i + 1);
      if (r.closed) tokens.push({ kind: 'string', bytes: Uint8Array.from(r.bytes), line });
      // dhcpd never writes a raw line break inside a string: an open quote ends with its line.
      else problems.push({ line, message: 'a quoted string is not closed on its line' });
      i = r.end;
      continue;
    }
    let j = i;
    while (j < n && !/[\s{};=,"#]/.test(text[j]!)) j++;
    tokens.push({ kind: 'word', text: text.slice(i, j), line });
    i = j;
  }
  return { tokens, problems };
}

const SIMPLE_ESCAPES: Record<string, number> = { n: 10, r: 13, t: 9, b: 8, '"': 34, '\\': 92 };

/** From just after an opening quote: the string's bytes and the index after its closing quote. */
function readString(text: string, from: number): { bytes: number[]; closed: boolean; end: number } {
  const bytes: number[] = [];
  const enc = new TextEncoder();
  let i = from;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') return { bytes, closed: true, end: i + 1 };
    if (c === '\n') return { bytes, closed: false, end: i };
    if (c === '\\' && i + 1 < text.length) {
      const e = text[i + 1]!;
      const oct = /^[0-7]{1,3}/.exec(text.slice(i + 1, i + 4));
      const hex = e === 'x' ? /^[0-9a-fA-F]{1,2}/.exec(text.slice(i + 2, i + 4)) : null;
      if (oct) {
        bytes.push(parseInt(oct[0], 8) & 255);
        i += 1 + oct[0].length;
      } else if (hex) {
        bytes.push(parseInt(hex[0], 16));
        i += 2 + hex[0].length;
      } else {
        bytes.push(SIMPLE_ESCAPES[e] ?? e.charCodeAt(0) & 255);
        i += 2;
      }
      continue;
    }
    const cp = text.codePointAt(i)!;
    for (const b of enc.encode(String.fromCodePoint(cp))) bytes.push(b);
    i += cp > 0xffff ? 2 : 1;
  }
  return { bytes, closed: false, end: i };
}
