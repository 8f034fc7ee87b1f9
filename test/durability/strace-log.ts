// Reads an `strace -f -ttt -T -yy -xx` log into the three kinds of event the ACK-after-sync check
// needs: writes to the lease log (with the records they carry), syncs of it, and DHCP replies sent.
import { decodeMessage } from '../../src/protocol/decode.js';
import type { DhcpMessage } from '../../src/protocol/message.js';

export interface Syscall {
  pid: number;
  name: string;
  /** Epoch seconds the call started and returned. */
  start: number;
  end: number;
  text: string;
}

export interface LogWrite {
  fd: number;
  start: number;
  end: number;
  /** Upsert records: address and state code (1 = bound), in write order. */
  records: { address: number; state: number; hw: string }[];
}

export interface Sync {
  fd: number;
  start: number;
  end: number;
}

export interface Sent {
  start: number;
  message: DhcpMessage;
}

const LINE = /^(\d+)\s+(\d+\.\d+)\s+(.*)$/;

/** Joins `<unfinished ...>` / `<... resumed>` pairs; keeps calls that returned (with a duration). */
export function parseStrace(text: string): Syscall[] {
  const open = new Map<number, { start: number; head: string }>();
  const calls: Syscall[] = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    const pid = Number(m[1]);
    const ts = Number(m[2]);
    let body = m[3]!;
    let start = ts;
    if (body.endsWith('<unfinished ...>')) {
      open.set(pid, { start: ts, head: body.slice(0, -'<unfinished ...>'.length) });
      continue;
    }
    const resumed = /^<\.\.\. (\w+) resumed>(.*)$/.exec(body);
    if (resumed) {
      const head = open.get(pid);
      open.delete(pid);
      if (!head) continue;
      start = head.start;
      body = head.head + resumed[2];
    }
    const done = /^(\w+)\((.*)\)\s+=\s+(-?\d+).*<(\d+\.\d+)>$/.exec(body);
    if (!done) continue;
    calls.push({ pid, name: done[1]!, start, end: start + Number(done[4]), text: done[2]! });
  }
  return calls;
}

const hexBytes = (s: string): Buffer => Buffer.from(s.replace(/\\x/g, ''), 'hex');

/** `18<\x2f…>` at the start of the arguments: the fd and what -yy says it is. */
function fdOf(args: string): { fd: number; what: string } | null {
  const m = /^(\d+)<([^>]*)>/.exec(args);
  if (!m) return null;
  const what = m[2]!.startsWith('\\x') ? hexBytes(m[2]!).toString('utf8') : m[2]!;
  return { fd: Number(m[1]), what };
}

/** Every quoted byte string of the arguments, after the fd, concatenated (writev: all iovecs). */
function dataOf(args: string): Buffer {
  const parts: Buffer[] = [];
  for (const m of args.matchAll(/"((?:\\x[0-9a-f]{2})*)"/g)) parts.push(hexBytes(m[1]!));
  return Buffer.concat(parts);
}

/** Upsert frames of a log write: u32 length, u32 crc, payload (type, state, flags, hwType, u32 address…). */
function recordsOf(data: Buffer): LogWrite['records'] {
  const out: LogWrite['records'] = [];
  for (let pos = 0; pos + 8 <= data.length; ) {
    const length = data.readUInt32LE(pos);
    const p = data.subarray(pos + 8, pos + 8 + length);
    if (p.length === length && p.length >= 8 && p[0] === 1) {
      const hwLen = p[28] ?? 0;
      out.push({ address: p.readUInt32LE(4), state: p[1]!, hw: p.subarray(29, 29 + hwLen).toString('hex') });
    }
    pos += 8 + length;
  }
  return out;
}

const isLog = (what: string): boolean => /\/leases\.log(\.next)?$/.test(what);

export function leaseLogEvents(calls: readonly Syscall[]): { writes: LogWrite[]; syncs: Sync[]; sent: Sent[] } {
  const writes: LogWrite[] = [];
  const syncs: Sync[] = [];
  const sent: Sent[] = [];
  for (const c of calls) {
    const f = fdOf(c.text);
    if (!f) continue;
    if (/^(p?write(v|64|v2)?|pwritev2?)$/.test(c.name) && isLog(f.what)) {
      // pwrite at offset 0 is the header of a new file: no records.
      writes.push({ fd: f.fd, start: c.start, end: c.end, records: recordsOf(dataOf(c.text.slice(c.text.indexOf('>') + 1))) });
    } else if ((c.name === 'fdatasync' || c.name === 'fsync') && isLog(f.what)) {
      syncs.push({ fd: f.fd, start: c.start, end: c.end });
    } else if (c.name === 'sendmsg' && f.what.startsWith('UDP:')) {
      const iov = /iov_base="((?:\\x[0-9a-f]{2})*)"/.exec(c.text);
      if (!iov) continue;
      try {
        sent.push({ start: c.start, message: decodeMessage(hexBytes(iov[1]!)) });
      } catch {
        // not a DHCP message
      }
    }
  }
  return { writes, syncs, sent };
}
