import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { Ipv4 } from '../protocol/ipv4.js';
import { parseAddress, type Parsed } from './address-text.js';
import { fieldPath, type IssueList, type Place } from './config-error.js';
import type { Located } from './subnet-draft.js';

// Typed reads from a parsed YAML document that keep each node's line and column, so every
// complaint names the place it is about. A read that fails adds an issue and returns undefined;
// the loader carries on to find the other problems.

export interface Entry {
  key: string;
  keyAt: Place;
  node: Node | null;
  field: string;
}

export class YamlReader {
  constructor(
    readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
    readonly issues: IssueList,
  ) {}

  place(node: Node | null | undefined, field?: string): Place {
    const offset = node?.range?.[0];
    const p: Place = { file: this.file };
    if (offset !== undefined) {
      const { line, col } = this.lines.linePos(offset);
      p.line = line;
      p.column = col;
    }
    if (field) p.field = field;
    return p;
  }

  placeAtOffset(offset: number, field?: string): Place {
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, column: col, ...(field ? { field } : {}) };
  }

  fail(node: Node | null | undefined, field: string, message: string, fallback?: Place): undefined {
    this.issues.add(node?.range ? this.place(node, field) : { ...(fallback ?? { file: this.file }), field }, message);
    return undefined;
  }

  /** Follows `*alias` references to the node they name. */
  deref(node: Node | null | undefined): Node | null {
    if (node && isAlias(node)) return (node.resolve(this.doc) as Node | undefined) ?? null;
    return node ?? null;
  }

  /** A mapping's entries, complaining about keys not in `allowed` (by name and place). */
  entries(nodeIn: Node | null, field: string, allowed: readonly string[] | null, fallback?: Place): Entry[] | undefined {
    const node = this.deref(nodeIn);
    if (!node || !isMap(node)) return this.fail(node, field, `expected a mapping, got ${describe(node)}`, fallback);
    const out: Entry[] = [];
    for (const pair of node.items) {
      const keyNode = this.deref(pair.key as Node | null);
      const key = keyNode && isScalar(keyNode) ? keyNode.value : undefined;
      if (typeof key !== 'string' && typeof key !== 'number') {
        this.fail(keyNode, field, 'keys must be plain names');
        continue;
      }
      const keyText = String(key);
      const keyField = fieldPath(field || undefined, keyText);
      if (allowed && !allowed.includes(keyText)) {
        this.fail(keyNode, keyField, `unknown key ${JSON.stringify(keyText)} (expected one of: ${allowed.join(', ')})`);
        continue;
      }
      out.push({ key: keyText, keyAt: this.place(keyNode, keyField), node: pair.value as Node | null, field: keyField });
    }
    return out;
  }

  /** A sequence's items; a single scalar counts as a one-item list (`pools: 10.77.0.5-10.77.0.9`). */
  items(nodeIn: Node | null, field: string, fallback?: Place): { node: Node; field: string }[] | undefined {
    const node = this.deref(nodeIn);
    if (node && isSeq(node)) {
      return node.items.map((n, i) => ({ node: n as Node, field: fieldPath(field, i) }));
    }
    if (node && isScalar(node) && node.value !== null) return [{ node, field: fieldPath(field, 0) }];
    return this.fail(node, field, `expected a list, got ${describe(node)}`, fallback);
  }

  scalar(nodeIn: Node | null, field: string, fallback?: Place): Located<unknown> | undefined {
    const node = this.deref(nodeIn);
    if (!node || !isScalar(node) || node.value === null) {
      return this.fail(node, field, `expected a value, got ${describe(node)}`, fallback);
    }
    return { value: node.value, at: this.place(node, field) };
  }

  integer(node: Node | null, field: string, min: number, max: number, fallback?: Place): Located<number> | undefined {
    const v = this.scalar(node, field, fallback);
    if (!v) return undefined;
    if (typeof v.value !== 'number' || !Number.isInteger(v.value)) {
      return this.fail(node, field, `expected an integer, got ${JSON.stringify(v.value)}`);
    }
    if (v.value < min || v.value > max) return this.fail(node, field, `${v.value} is outside ${min}-${max}`);
    return v as Located<number>;
  }

  boolean(node: Node | null, field: string, fallback?: Place): Located<boolean> | undefined {
    const v = this.scalar(node, field, fallback);
    if (!v) return undefined;
    if (typeof v.value !== 'boolean') return this.fail(node, field, `expected true or false, got ${JSON.stringify(v.value)}`);
    return v as Located<boolean>;
  }

  string(node: Node | null, field: string, fallback?: Place): Located<string> | undefined {
    const v = this.scalar(node, field, fallback);
    if (!v) return undefined;
    if (typeof v.value !== 'string') return this.fail(node, field, `expected a string, got ${JSON.stringify(v.value)}`);
    return v as Located<string>;
  }

  /** A string parsed by `parse`; its error sentence becomes the issue. */
  parsed<T>(node: Node | null, field: string, parse: (s: string) => Parsed<T>, fallback?: Place): Located<T> | undefined {
    const s = this.string(node, field, fallback);
    if (!s) return undefined;
    const r = parse(s.value);
    if (!r.ok) return this.fail(node, field, r.error);
    return { value: r.value, at: s.at };
  }

  address(node: Node | null, field: string, fallback?: Place): Located<Ipv4> | undefined {
    return this.parsed(node, field, parseAddress, fallback);
  }

  /** The plain JSON value of a node (for option values, which the protocol codec checks). */
  json(node: Node | null): unknown {
    const n = this.deref(node);
    return n ? n.toJS(this.doc) : null;
  }
}

function describe(node: Node | null): string {
  if (!node) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) return node.value === null ? 'nothing' : JSON.stringify(node.value);
  return 'something else';
}
