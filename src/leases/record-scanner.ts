import type { FileHandle } from 'node:fs/promises';
import { crc32, FRAME_HEADER, MAX_PAYLOAD, MIN_PAYLOAD, payloadType } from './record-codec.js';

/** Bytes read at a time; records never straddle the point where a refill is needed. */
const WINDOW = 16 * 1024 * 1024;

export interface Damage {
  offset: number;
  length: number;
  reason: string;
  /** Runs to the end of the file (a torn or damaged tail), so appends must start before it. */
  tail: boolean;
}

export interface ScanResult {
  /** Offset just after the last intact record: where appends continue. */
  end: number;
  records: number;
  damage: Damage[];
}

/**
 * Reads every record from `start` to `size`. A frame that does not check out (impossible length,
 * checksum mismatch, payload lengths that do not add up) starts a damaged stretch; the scanner
 * then moves one byte at a time until a frame checks out again, so records after a damaged one
 * are recovered. `onRecord` gets the frame (length, crc, payload) at `start` in a reused buffer
 * (no per-record allocation: a million records must load fast): copy what you keep.
 */
export async function scanRecords(
  fh: FileHandle,
  start: number,
  size: number,
  onRecord: (buffer: Buffer, start: number, type: number, offset: number) => void,
): Promise<ScanResult> {
  const win = Buffer.allocUnsafe(Math.min(WINDOW, Math.max(size - start, 0)) || 1);
  let winStart = start;
  let winEnd = start;
  const fill = async (pos: number): Promise<void> => {
    const want = Math.min(win.length, size - pos);
    let got = 0;
    while (got < want) {
      const { bytesRead } = await fh.read(win, got, want - got, pos + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    winStart = pos;
    winEnd = pos + got;
    if (got < want) size = winEnd; // the file shrank under us: scan what is there
  };

  const damage: Damage[] = [];
  let records = 0;
  let end = start;
  let pos = start;
  let badAt = -1;
  let badReason = '';
  while (pos < size) {
    if (pos + FRAME_HEADER + MAX_PAYLOAD > winEnd && winEnd < size) {
      await fill(pos);
      if (pos >= size) break;
    }
    const rel = pos - winStart;
    let why: string | null;
    let length = 0;
    if (size - pos < FRAME_HEADER) {
      why = 'incomplete record header';
    } else {
      length = win.readUInt32LE(rel);
      if (length < MIN_PAYLOAD || length > MAX_PAYLOAD) why = `impossible record length ${length}`;
      else if (pos + FRAME_HEADER + length > size) why = `record of ${length} bytes runs past the end of the file`;
      else {
        const payloadAt = rel + FRAME_HEADER;
        if (crc32(win, payloadAt, payloadAt + length) !== win.readUInt32LE(rel + 4)) why = 'checksum mismatch';
        else {
          const type = payloadType(win, length, payloadAt);
          if (type === null) why = 'record layout not understood';
          else {
            if (badAt >= 0) {
              damage.push({
                offset: badAt,
                length: pos - badAt,
                reason: `${badReason}; skipped ${pos - badAt} bytes to the next intact record at byte ${pos}`,
                tail: false,
              });
              badAt = -1;
            }
            onRecord(win, rel, type, pos);
            records++;
            pos += FRAME_HEADER + length;
            end = pos;
            continue;
          }
        }
      }
    }
    if (badAt < 0) {
      badAt = pos;
      badReason = why;
    }
    pos++;
  }
  if (badAt >= 0) {
    const n = size - badAt;
    const torn = badReason.startsWith('incomplete') || badReason.includes('runs past the end');
    damage.push({
      offset: badAt,
      length: n,
      reason: torn
        ? `torn tail: ${n} bytes of an incomplete last record (${badReason})`
        : `damaged tail: ${badReason}, ${n} bytes with no intact record after them`,
      tail: true,
    });
  }
  return { end, records, damage };
}
