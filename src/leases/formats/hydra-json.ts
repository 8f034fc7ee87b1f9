import type { Lease } from '../../engine/types.js';
import { AddressLedger } from './address-ledger.js';
import { leaseToRecord, recordToLease } from './hydra-record.js';
import type { ParseResult, Problem } from './parse-result.js';

export const HYDRA_JSON_FORMAT = 'hydra-leases';
export const HYDRA_JSON_VERSION = 1;

/**
 * Hydra's JSON export: `{ format: "hydra-leases", version: 1, exported_at, leases: [...] }`, with
 * one lease object per line so a file stays readable and diffable. `exported_at` is ISO 8601
 * (information only); lease fields are those of hydra-record.ts (times in epoch seconds).
 */
export function exportHydraJson(leases: Iterable<Lease>, exportedAt: number): string {
  const items: string[] = [];
  for (const l of leases) items.push('    ' + JSON.stringify(leaseToRecord(l)));
  const head = `{\n  "format": "${HYDRA_JSON_FORMAT}",\n  "version": ${HYDRA_JSON_VERSION},\n` +
    `  "exported_at": ${JSON.stringify(new Date(exportedAt * 1000).toISOString())},\n  "leases": [`;
  return items.length === 0 ? `${head}]\n}\n` : `${head}\n${items.join(',\n')}\n  ]\n}\n`;
}

/** Reads the envelope above or a bare array of lease objects. */
export function parseHydraJson(text: string): ParseResult {
  const problems: Problem[] = [];
  const ledger = new AddressLedger(problems);
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg);
    problems.push({ line: pos ? lineAt(text, Number(pos[1])) : 1, message: `not valid JSON: ${msg.split('\n')[0]}` });
    return ledger.result();
  }
  let list: unknown;
  if (Array.isArray(doc)) list = doc;
  else if (doc !== null && typeof doc === 'object') {
    const env = doc as Record<string, unknown>;
    if (env.format !== HYDRA_JSON_FORMAT) {
      problems.push({ line: 1, message: `format: expected "${HYDRA_JSON_FORMAT}", got ${JSON.stringify(env.format) ?? 'nothing'}` });
      return ledger.result();
    }
    if (env.version !== HYDRA_JSON_VERSION) {
      problems.push({ line: 1, message: `version: this Hydra reads version ${HYDRA_JSON_VERSION}, the file says ${JSON.stringify(env.version) ?? 'nothing'}` });
      return ledger.result();
    }
    list = env.leases;
    if (!Array.isArray(list)) {
      problems.push({ line: 1, message: 'leases: expected an array of lease objects' });
      return ledger.result();
    }
  } else {
    problems.push({ line: 1, message: 'expected a lease export object or an array of leases' });
    return ledger.result();
  }
  const lines = elementLines(text, Array.isArray(doc));
  (list as unknown[]).forEach((item, i) => {
    const line = lines[i] ?? 1;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      problems.push({ line, message: `leases[${i}]: expected a lease object` });
      return;
    }
    const lease = recordToLease(item as Record<string, unknown>);
    if (typeof lease === 'string') problems.push({ line, message: `leases[${i}].${lease}` });
    else ledger.put(lease, line);
  });
  return ledger.result();
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * The line where each element of the lease array starts (JSON.parse gives no positions). The
 * array is the root, or the value of the root object's "leases" key. The text is valid JSON here.
 */
function elementLines(text: string, rootIsArray: boolean): number[] {
  const out: number[] = [];
  const stack: string[] = []; // '{' or '['
  let line = 1;
  let lastKey: string | null = null;
  let targetDepth = -1; // stack length inside the lease array
  let expectValue = false; // inside the target array, before an element
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') { line++; continue; }
    if (c === ' ' || c === '\t' || c === '\r') continue;
    if (stack.length === targetDepth && expectValue && c !== ']' && c !== ',') {
      out.push(line);
      expectValue = false;
    }
    if (c === '"') {
      let j = i + 1;
      let s = '';
      while (j < text.length && text[j] !== '"') {
        if (text[j] === '\\') { s += text[j]! + text[j + 1]!; j += 2; } else s += text[j++];
      }
      // A string at depth 1 of the root object followed by ':' is a key.
      if (stack.length === 1 && stack[0] === '{') {
        let k = j + 1;
        while (k < text.length && /\s/.test(text[k]!)) k++;
        if (text[k] === ':') lastKey = s;
      }
      i = j;
      continue;
    }
    if (c === '[' || c === '{') {
      stack.push(c);
      if (c === '[' && targetDepth < 0 && ((rootIsArray && stack.length === 1) || (!rootIsArray && stack.length === 2 && lastKey === 'leases'))) {
        targetDepth = stack.length;
        expectValue = true;
      }
      continue;
    }
    if (c === ']' || c === '}') {
      if (stack.length === targetDepth) targetDepth = -2; // done: never matched again
      stack.pop();
      continue;
    }
    if (c === ',' && stack.length === targetDepth) expectValue = true;
  }
  return out;
}
