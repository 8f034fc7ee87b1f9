import { clientKeyOf } from '../engine/client-identity.js';
import type { Lease, LeaseState } from '../engine/types.js';
import type { ByteArena } from './byte-arena.js';
import { crc32 } from './crc32.js';
import { StoreError } from './lease-store.js';

// Record payloads (little-endian); see README.md in this directory for the full layout.
export const RECORD_UPSERT = 1;
export const RECORD_DELETE = 2;
/** Last record of a snapshot: how many records precede it, so a cut-short snapshot is noticed. */
export const RECORD_SNAPSHOT_END = 3;

const STATES: readonly LeaseState[] = ['offered', 'bound', 'released', 'expired', 'declined'];
const STATE_CODE = new Map<LeaseState, number>(STATES.map((s, i) => [s, i]));

const FLAG_CLIENT_ID = 1;
const FLAG_HOSTNAME = 2;
/** clientKey differs from what clientKeyOf derives, so it is stored; usually it is derived. */
const FLAG_CLIENT_KEY = 4;
const KNOWN_FLAGS = FLAG_CLIENT_ID | FLAG_HOSTNAME | FLAG_CLIENT_KEY;

/** type, state, flags, hwType, address, subnetId, issuedAt, expiresAt, hwAddress length */
const UPSERT_FIXED = 1 + 1 + 1 + 1 + 4 + 4 + 8 + 8 + 1;
const SHORT_RECORD = 8;
/** Frame header: u32 payload length, u32 crc32 of the payload. */
export const FRAME_HEADER = 8;
/** No valid payload is longer: three u16-prefixed fields, a u8-prefixed one, and the fixed part. */
export const MAX_PAYLOAD = UPSERT_FIXED + 255 + 3 * (2 + 0xffff);
export const MIN_PAYLOAD = SHORT_RECORD;

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

function checkRange(what: string, value: number, max: number, address: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new StoreError(`lease ${address >>> 0}: ${what} ${value} cannot be stored (0..${max})`);
  }
}

/**
 * The whole frame (length, crc, payload) for an upsert; the payload starts at FRAME_HEADER.
 * Throws StoreError for a lease the format cannot hold (never for an engine-made lease).
 */
export function encodeUpsert(lease: Lease): Buffer {
  const state = STATE_CODE.get(lease.state);
  if (state === undefined) throw new StoreError(`lease ${lease.address >>> 0}: unknown state ${String(lease.state)}`);
  checkRange('address', lease.address, 0xffffffff, lease.address);
  checkRange('subnet id', lease.subnetId, 0xffffffff, lease.address);
  checkRange('hardware type', lease.hwType, 255, lease.address);
  checkRange('hardware address length', lease.hwAddress.length, 255, lease.address);
  let flags = 0;
  let size = UPSERT_FIXED + lease.hwAddress.length;
  if (lease.clientId) {
    flags |= FLAG_CLIENT_ID;
    checkRange('client id length', lease.clientId.length, 0xffff, lease.address);
    size += 2 + lease.clientId.length;
  }
  let hostname: Buffer | null = null;
  if (lease.hostname !== null) {
    flags |= FLAG_HOSTNAME;
    hostname = utf8(lease.hostname);
    checkRange('hostname length', hostname.length, 0xffff, lease.address);
    size += 2 + hostname.length;
  }
  let clientKey: Buffer | null = null;
  if (lease.clientKey !== clientKeyOf(lease.clientId, lease.hwType, lease.hwAddress)) {
    flags |= FLAG_CLIENT_KEY;
    clientKey = utf8(lease.clientKey);
    checkRange('client key length', clientKey.length, 0xffff, lease.address);
    size += 2 + clientKey.length;
  }
  const frame = Buffer.allocUnsafe(FRAME_HEADER + size);
  let o = FRAME_HEADER;
  frame[o++] = RECORD_UPSERT;
  frame[o++] = state;
  frame[o++] = flags;
  frame[o++] = lease.hwType;
  o = frame.writeUInt32LE(lease.address >>> 0, o);
  o = frame.writeUInt32LE(lease.subnetId, o);
  o = frame.writeDoubleLE(lease.issuedAt, o);
  o = frame.writeDoubleLE(lease.expiresAt, o);
  frame[o++] = lease.hwAddress.length;
  frame.set(lease.hwAddress, o);
  o += lease.hwAddress.length;
  if (lease.clientId) o = putBytes(frame, o, lease.clientId);
  if (hostname) o = putBytes(frame, o, hostname);
  if (clientKey) o = putBytes(frame, o, clientKey);
  return seal(frame);
}

function putBytes(frame: Buffer, o: number, bytes: Uint8Array): number {
  o = frame.writeUInt16LE(bytes.length, o);
  frame.set(bytes, o);
  return o + bytes.length;
}

function shortRecord(type: number, value: number): Buffer {
  const frame = Buffer.alloc(FRAME_HEADER + SHORT_RECORD);
  frame[FRAME_HEADER] = type;
  frame.writeUInt32LE(value >>> 0, FRAME_HEADER + 4);
  return seal(frame);
}

export const encodeDelete = (address: number): Buffer => shortRecord(RECORD_DELETE, address);
export const encodeSnapshotEnd = (count: number): Buffer => shortRecord(RECORD_SNAPSHOT_END, count);

/** Fills in length and crc32 of the payload. */
function seal(frame: Buffer): Buffer {
  const payload = frame.subarray(FRAME_HEADER);
  frame.writeUInt32LE(payload.length, 0);
  frame.writeUInt32LE(crc32(payload), 4);
  return frame;
}

export { crc32 } from './crc32.js';

/**
 * The record type of the payload at `at` in `p` (`length` bytes), after checking that the
 * payload's own lengths add up; null when they do not.
 */
export function payloadType(p: Uint8Array, length = p.length, at = 0): number | null {
  if (length < MIN_PAYLOAD) return null;
  const type = p[at];
  if (type === RECORD_DELETE || type === RECORD_SNAPSHOT_END) return length === SHORT_RECORD ? type : null;
  if (type !== RECORD_UPSERT || length < UPSERT_FIXED) return null;
  const flags = p[at + 2];
  if (p[at + 1] >= STATES.length || (flags & ~KNOWN_FLAGS) !== 0) return null;
  let o = UPSERT_FIXED + p[at + UPSERT_FIXED - 1];
  // The optional u16-prefixed fields, in the order the flags list them.
  for (let flag = FLAG_CLIENT_ID; flag <= FLAG_CLIENT_KEY; flag <<= 1) {
    if (!(flags & flag)) continue;
    if (o + 2 > length) return null;
    o += 2 + (p[at + o] | (p[at + o + 1] << 8));
  }
  return o === length ? RECORD_UPSERT : null;
}

/** The address an upsert or delete whose payload starts at `at` is about (offset 4 in both). */
export const recordAddress = (p: Uint8Array, at = 0): number =>
  (p[at + 4] | (p[at + 5] << 8) | (p[at + 6] << 16) | (p[at + 7] << 24)) >>> 0;
/** The count a snapshot-end record holds. */
export const snapshotEndCount = recordAddress;

/**
 * Decodes the upsert payload at `at` in `p` (one payloadType() accepted). Byte fields are fresh
 * copies, or views into `arena` when given (a bulk load).
 */
export function decodeUpsert(p: Buffer, at = 0, arena?: ByteArena): Lease {
  const copy = arena ? (s: Buffer, start: number, n: number) => arena.copy(s, start, n) : copyOut;
  const flags = p[at + 2];
  const hwType = p[at + 3];
  const address = p.readUInt32LE(at + 4);
  const subnetId = p.readUInt32LE(at + 8);
  const issuedAt = p.readDoubleLE(at + 12);
  const expiresAt = p.readDoubleLE(at + 20);
  let o = at + UPSERT_FIXED;
  const hwLength = p[o - 1];
  const hwAddress = copy(p, o, hwLength);
  o += hwLength;
  let clientId: Uint8Array | null = null;
  const idStart = o + 2;
  if (flags & FLAG_CLIENT_ID) {
    const n = p[o] | (p[o + 1] << 8);
    clientId = copy(p, o + 2, n);
    o += 2 + n;
  }
  let hostname: string | null = null;
  if (flags & FLAG_HOSTNAME) {
    const n = p[o] | (p[o + 1] << 8);
    hostname = p.toString('utf8', o + 2, o + 2 + n);
    o += 2 + n;
  }
  let clientKey: string;
  if (flags & FLAG_CLIENT_KEY) {
    const n = p[o] | (p[o + 1] << 8);
    clientKey = p.toString('utf8', o + 2, o + 2 + n);
  } else if (clientId) {
    clientKey = derivedKey('id:', p, idStart, clientId.length);
  } else {
    clientKey = derivedKey(`hw:${hwType}:`, p, at + UPSERT_FIXED, hwLength);
  }
  return { address, subnetId, clientKey, hwType, hwAddress, clientId, hostname, state: STATES[p[at + 1]], issuedAt, expiresAt };
}

const HEX = Buffer.from('0123456789abcdef', 'latin1');
let scratch = Buffer.allocUnsafe(1024);

/**
 * clientKeyOf()'s result (prefix + lowercase hex), made as one flat string in one native call:
 * a reload builds a million of these, and `prefix + hex` would leave a two-part rope each time.
 */
function derivedKey(prefix: string, p: Buffer, start: number, length: number): string {
  const size = prefix.length + 2 * length;
  if (scratch.length < size) scratch = Buffer.allocUnsafe(size);
  let o = scratch.write(prefix, 0, 'latin1');
  for (let i = start; i < start + length; i++) {
    scratch[o++] = HEX[p[i] >> 4];
    scratch[o++] = HEX[p[i] & 15];
  }
  return scratch.toString('latin1', 0, o);
}

function copyOut(p: Buffer, start: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = p[start + i];
  return out;
}
