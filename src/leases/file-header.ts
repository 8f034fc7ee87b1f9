import { crc32 } from './record-codec.js';
import { StoreError } from './lease-store.js';

/** Every store file starts with these 32 bytes; see README.md. */
export const HEADER_SIZE = 32;
export const MAGIC = Buffer.from('HYDRALOG', 'ascii');
export const FORMAT_VERSION = 1;

export type FileKind = 'log' | 'snapshot';
const KIND_CODE: Record<FileKind, number> = { log: 1, snapshot: 2 };

export function encodeHeader(kind: FileKind, createdAtMs: number): Buffer {
  const h = Buffer.alloc(HEADER_SIZE);
  MAGIC.copy(h, 0);
  h.writeUInt16LE(FORMAT_VERSION, 8);
  h[10] = KIND_CODE[kind];
  h.writeDoubleLE(createdAtMs, 16);
  h.writeUInt32LE(crc32(h.subarray(0, 28)), 28);
  return h;
}

export interface HeaderInfo {
  createdAtMs: number;
}

/**
 * Checks a file's first bytes. `bytes` may be shorter than a header (a short file).
 * Returns null for a file cut inside its header whose bytes so far are a valid start (nothing
 * after the header can exist, so no data is lost); throws StoreError for anything not ours.
 */
export function checkHeader(path: string, bytes: Buffer, kind: FileKind): HeaderInfo | null {
  const notOurs = (why: string): StoreError =>
    new StoreError(`${path}: ${why}; refusing to start over it (move the file away to start with an empty store)`);
  if (bytes.length < HEADER_SIZE) {
    const n = Math.min(bytes.length, MAGIC.length);
    if (bytes.subarray(0, n).equals(MAGIC.subarray(0, n))) return null;
    throw notOurs('not a Hydra lease file (no HYDRALOG header)');
  }
  if (!bytes.subarray(0, 8).equals(MAGIC)) throw notOurs('not a Hydra lease file (no HYDRALOG header)');
  if (bytes.readUInt32LE(28) !== crc32(bytes.subarray(0, 28))) throw notOurs('header checksum mismatch');
  const version = bytes.readUInt16LE(8);
  if (version !== FORMAT_VERSION) {
    throw notOurs(`format version ${version}, this Hydra reads version ${FORMAT_VERSION} (written by another release?)`);
  }
  if (bytes[10] !== KIND_CODE[kind]) throw notOurs(`is not a ${kind} file (kind byte ${bytes[10]})`);
  return { createdAtMs: bytes.readDoubleLE(16) };
}
