import { ConfigError, type ConfigIssue } from './config-error.js';

// A reader for the Erlang term syntax of `file:consult/1`, the format of the seed's pool files:
// a sequence of terms each ended by `.`, with `%` comments. Only data syntax is accepted
// (atoms, strings, numbers, tuples, lists); anything else is a precise error, not a guess.

export interface TermPosition {
  /** 1-based line of the term's first character. */
  line: number;
  /** 1-based column of the term's first character. */
  column: number;
}

export interface ErlInteger extends TermPosition {
  kind: 'integer';
  value: number;
}
export interface ErlFloat extends TermPosition {
  kind: 'float';
  value: number;
}
export interface ErlAtom extends TermPosition {
  kind: 'atom';
  name: string;
}
/** A "string" literal (adjacent literals are joined, as the Erlang reader does). */
export interface ErlString extends TermPosition {
  kind: 'string';
  value: string;
}
export interface ErlTuple extends TermPosition {
  kind: 'tuple';
  elements: ErlTerm[];
}
export interface ErlList extends TermPosition {
  kind: 'list';
  elements: ErlTerm[];
}

export type ErlTerm = ErlInteger | ErlFloat | ErlAtom | ErlString | ErlTuple | ErlList;

type TokenKind = 'atom' | 'string' | 'integer' | 'float' | 'char' | 'punct' | 'end' | 'bad';

interface Token extends TermPosition {
  kind: TokenKind;
  text: string;
  value?: number;
}

const MAX_DEPTH = 100;

/** Parses every term in `text`. Throws a ConfigError listing every syntax error with file:line:col. */
export function parseErlangTerms(text: string, file: string): ErlTerm[] {
  const issues: ConfigIssue[] = [];
  const tokens = tokenize(text, file, issues);
  const terms = new TermParser(tokens, file, issues).parseAll();
  if (issues.length > 0) {
    issues.sort((a, b) => a.line! - b.line! || a.column! - b.column!);
    throw new ConfigError(issues);
  }
  return terms;
}

/** A term in the messages the loaders write: `{range,...}`, `"uah.es"`, `[...]`. */
export function describeTerm(t: ErlTerm): string {
  switch (t.kind) {
    case 'integer':
    case 'float':
      return String(t.value);
    case 'atom':
      return /^[a-z][A-Za-z0-9_@]*$/.test(t.name) ? t.name : `'${t.name}'`;
    case 'string':
      return JSON.stringify(t.value);
    case 'tuple':
      return `{${t.elements.map(describeTerm).join(',')}}`;
    case 'list':
      return `[${t.elements.map(describeTerm).join(',')}]`;
  }
}

// ---------------------------------------------------------------- tokenizer

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isNameChar = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_@]/.test(c);

function tokenize(text: string, file: string, issues: ConfigIssue[]): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;

  const err = (l: number, c: number, message: string): void => {
    issues.push({ file, line: l, column: c, message });
  };
  // Advances over one character, keeping line/column right across newlines inside strings.
  const advance = (): string => {
    const c = text[i]!;
    i++;
    if (c === '\n') {
      line++;
      lineStart = i;
    }
    return c;
  };

  // Reads one escape after a backslash (already consumed) and returns the character code.
  const readEscape = (): number | null => {
    if (i >= text.length) return null;
    const c = advance();
    switch (c) {
      case 'b': return 8;
      case 'd': return 127;
      case 'e': return 27;
      case 'f': return 12;
      case 'n': return 10;
      case 'r': return 13;
      case 's': return 32;
      case 't': return 9;
      case 'v': return 11;
      case '^': {
        if (i >= text.length) return null;
        return advance().charCodeAt(0) & 31;
      }
      case 'x': {
        if (text[i] === '{') {
          const close = text.indexOf('}', i);
          const hex = close < 0 ? '' : text.slice(i + 1, close);
          if (!/^[0-9A-Fa-f]{1,6}$/.test(hex)) return null;
          while (i <= close) advance();
          return parseInt(hex, 16);
        }
        const hex = text.slice(i, i + 2);
        if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return null;
        advance();
        advance();
        return parseInt(hex, 16);
      }
      default:
        if (c >= '0' && c <= '7') {
          let oct = c;
          while (oct.length < 3 && text[i] !== undefined && text[i]! >= '0' && text[i]! <= '7') oct += advance();
          return parseInt(oct, 8);
        }
        // Erlang reads any other escaped character as itself (\\, \", \', ...).
        return c.codePointAt(0)!;
    }
  };

  // Reads a quoted "string" or 'atom' whose opening quote is at i.
  const readQuoted = (quote: string, l: number, col: number): string | null => {
    advance();
    let out = '';
    for (;;) {
      if (i >= text.length) {
        err(l, col, `unterminated ${quote === '"' ? 'string' : 'quoted atom'} starting here`);
        return null;
      }
      const c = advance();
      if (c === quote) return out;
      if (c === '\\') {
        const escLine = line;
        const escCol = i - lineStart;
        const code = readEscape();
        if (code === null || code > 0x10ffff) {
          err(escLine, escCol, 'bad escape sequence');
          continue;
        }
        out += String.fromCodePoint(code);
      } else {
        out += c;
      }
    }
  };

  while (i < text.length) {
    const c = text[i]!;
    const l = line;
    const col = i - lineStart + 1;
    const push = (kind: TokenKind, tokenText: string, value?: number): void => {
      tokens.push({ kind, text: tokenText, line: l, column: col, ...(value !== undefined ? { value } : {}) });
    };

    if (/\s/.test(c)) {
      advance();
    } else if (c === '%') {
      while (i < text.length && text[i] !== '\n') advance();
    } else if (c >= 'a' && c <= 'z') {
      let name = '';
      while (isNameChar(text[i])) name += advance();
      push('atom', name);
    } else if ((c >= 'A' && c <= 'Z') || c === '_') {
      let name = '';
      while (isNameChar(text[i])) name += advance();
      err(l, col, `variable ${name} is not allowed in a data file (quote it as an atom: '${name}')`);
      push('bad', name);
    } else if (c === "'") {
      const name = readQuoted("'", l, col);
      push(name === null ? 'bad' : 'atom', name ?? '');
    } else if (c === '"') {
      const s = readQuoted('"', l, col);
      push(s === null ? 'bad' : 'string', s ?? '');
    } else if (c === '$') {
      advance();
      if (i >= text.length) {
        err(l, col, 'character literal $ without a character');
        push('bad', '$');
        continue;
      }
      const ch = advance();
      const code = ch === '\\' ? readEscape() : ch.codePointAt(0)!;
      if (code === null) {
        err(l, col, 'bad escape sequence in character literal');
        push('bad', '$');
      } else {
        push('char', '$', code);
      }
    } else if (isDigit(c)) {
      push(...readNumber());
    } else if ('{}[],|-+'.includes(c)) {
      advance();
      push('punct', c);
    } else if (c === '.') {
      advance();
      push('end', '.');
    } else {
      advance();
      err(l, col, `unexpected character ${JSON.stringify(c)}` + (c === '#' || c === '<' ? ' (maps, records and binaries are not supported)' : ''));
      push('bad', c);
    }

    // Numbers: 123, 1_000, 16#ff, 2#1010, 1.5, 1.0e3. A '.' is part of a number only when a
    // digit follows it, so `3600.` is the integer 3600 ending a term.
    function readNumber(): [TokenKind, string, number] {
      let digits = '';
      while (isDigit(text[i]) || (text[i] === '_' && isDigit(text[i + 1]))) digits += advance();
      const plain = digits.replace(/_/g, '');
      if (text[i] === '#') {
        const base = Number(plain);
        advance();
        let body = '';
        while (isNameChar(text[i])) body += advance();
        const cleaned = body.replace(/_/g, '');
        const valid = base >= 2 && base <= 36 && cleaned.length > 0 &&
          [...cleaned.toLowerCase()].every((d) => parseInt(d, 36) < base);
        if (!valid) {
          err(l, col, `bad number ${digits}#${body}`);
          return ['bad', `${digits}#${body}`, 0];
        }
        return integerToken(parseInt(cleaned, base), `${digits}#${body}`);
      }
      if (text[i] === '.' && isDigit(text[i + 1])) {
        let frac = advance();
        while (isDigit(text[i])) frac += advance();
        if ((text[i] === 'e' || text[i] === 'E') &&
          (isDigit(text[i + 1]) || ((text[i + 1] === '-' || text[i + 1] === '+') && isDigit(text[i + 2])))) {
          frac += advance();
          if (text[i] === '-' || text[i] === '+') frac += advance();
          while (isDigit(text[i])) frac += advance();
        }
        return ['float', plain + frac, Number(plain + frac)];
      }
      return integerToken(Number(plain), digits);
    }

    function integerToken(value: number, raw: string): [TokenKind, string, number] {
      if (!Number.isSafeInteger(value)) {
        err(l, col, `integer ${raw} is too large`);
        return ['bad', raw, 0];
      }
      return ['integer', raw, value];
    }
  }
  return tokens;
}

// ---------------------------------------------------------------- parser

class TermParser {
  private pos = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly file: string,
    private readonly issues: ConfigIssue[],
  ) {}

  parseAll(): ErlTerm[] {
    const terms: ErlTerm[] = [];
    while (this.pos < this.tokens.length) {
      try {
        const term = this.term(0);
        const end = this.tokens[this.pos];
        if (end?.kind !== 'end') {
          this.fail(end, `expected '.' after the term that starts at line ${term.line}, found ${this.found(end)}`);
        }
        this.pos++;
        terms.push(term);
      } catch (e) {
        if (!(e instanceof SyntaxStop)) throw e;
        this.skipPastEnd();
      }
    }
    return terms;
  }

  // Recovery: resume at the next term, so one file reports all its broken terms at once.
  private skipPastEnd(): void {
    while (this.pos < this.tokens.length && this.tokens[this.pos]!.kind !== 'end') this.pos++;
    this.pos++;
  }

  private fail(token: Token | undefined, message: string): never {
    // A 'bad' token was already reported by the tokenizer; do not report it twice.
    if (token?.kind !== 'bad') {
      const last = this.tokens[this.tokens.length - 1];
      const where = token ?? (last ? { line: last.line, column: last.column + last.text.length } : { line: 1, column: 1 });
      this.issues.push({ file: this.file, line: where.line, column: where.column, message });
    }
    throw new SyntaxStop();
  }

  private found(t: Token | undefined): string {
    if (!t) return 'end of file';
    if (t.kind === 'string') return `string ${JSON.stringify(t.text)}`;
    if (t.kind === 'end') return "'.'";
    return `'${t.text}'`;
  }

  private term(depth: number): ErlTerm {
    const t = this.tokens[this.pos];
    if (depth > MAX_DEPTH) this.fail(t, `terms nested deeper than ${MAX_DEPTH} levels`);
    if (!t) this.fail(t, 'expected a term, found end of file');
    const at = { line: t.line, column: t.column };
    switch (t.kind) {
      case 'atom':
        this.pos++;
        return { kind: 'atom', name: t.text, ...at };
      case 'integer':
      case 'char':
        this.pos++;
        return { kind: 'integer', value: t.value!, ...at };
      case 'float':
        this.pos++;
        return { kind: 'float', value: t.value!, ...at };
      case 'string': {
        let value = '';
        while (this.tokens[this.pos]?.kind === 'string') value += this.tokens[this.pos++]!.text;
        return { kind: 'string', value, ...at };
      }
      case 'punct':
        if (t.text === '{') return this.sequence('}', depth, at);
        if (t.text === '[') return this.sequence(']', depth, at);
        if (t.text === '-' || t.text === '+') {
          const n = this.tokens[this.pos + 1];
          if (n && (n.kind === 'integer' || n.kind === 'float' || n.kind === 'char')) {
            this.pos += 2;
            const value = t.text === '-' ? -n.value! : n.value!;
            return { kind: n.kind === 'float' ? 'float' : 'integer', value, ...at };
          }
        }
        return this.fail(t, `expected a term, found ${this.found(t)}`);
      default:
        return this.fail(t, `expected a term, found ${this.found(t)}`);
    }
  }

  private sequence(close: '}' | ']', depth: number, at: TermPosition): ErlTerm {
    this.pos++;
    const elements: ErlTerm[] = [];
    const kind = close === '}' ? 'tuple' : 'list';
    if (this.isPunct(close)) {
      this.pos++;
      return { kind, elements, ...at };
    }
    for (;;) {
      elements.push(this.term(depth + 1));
      const t = this.tokens[this.pos];
      if (this.isPunct(',')) {
        this.pos++;
      } else if (this.isPunct(close)) {
        this.pos++;
        return { kind, elements, ...at };
      } else if (kind === 'list' && this.isPunct('|')) {
        // [H | T]: allowed when T is itself a proper list, which is then spliced in.
        this.pos++;
        const tail = this.term(depth + 1);
        if (tail.kind !== 'list') this.fail(this.tokens[this.pos - 1], 'improper list: the tail after | must be a list');
        elements.push(...tail.elements);
        if (!this.isPunct(']')) this.fail(this.tokens[this.pos], `expected ']', found ${this.found(this.tokens[this.pos])}`);
        this.pos++;
        return { kind, elements, ...at };
      } else {
        this.fail(t, `expected ',' or '${close}' in the ${kind} opened at line ${at.line} column ${at.column}, found ${this.found(t)}`);
      }
    }
  }

  private isPunct(p: string): boolean {
    const t = this.tokens[this.pos];
    return t !== undefined && t.kind === 'punct' && t.text === p;
  }
}

class SyntaxStop extends Error {}
