// Shared helpers for the lease store tests: temporary data dirs, leases, fault-injecting io.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Lease, LeaseState } from '../../src/engine/types.js';
import { openEmbeddedStore, type EmbeddedStore, type EmbeddedStoreOptions } from '../../src/leases/embedded-store.js';
import type { LoadResult } from '../../src/leases/lease-store.js';
import { realIo, type StoreIo } from '../../src/leases/store-io.js';

export async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'hydra-leases-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function lease(address: number, over: Partial<Lease> = {}): Lease {
  const hwAddress = over.hwAddress ?? Uint8Array.of(2, 0, 0, 0, (address >>> 8) & 255, address & 255);
  const clientId = over.clientId === undefined ? null : over.clientId;
  const hex = Buffer.from(clientId ?? hwAddress).toString('hex');
  return {
    address,
    subnetId: 1,
    clientKey: clientId ? `id:${hex}` : `hw:1:${hex}`,
    hwType: 1,
    hwAddress,
    clientId,
    hostname: null,
    state: 'bound' as LeaseState,
    issuedAt: 1_790_000_000.125,
    expiresAt: 1_790_003_600.375,
    ...over,
  };
}

export const upsert = (l: Lease) => ({ kind: 'upsert' as const, lease: l });
export const del = (address: number) => ({ kind: 'delete' as const, address });

export interface Logged {
  level: string;
  message: string;
  fields?: Record<string, unknown>;
}

export async function openLoaded(
  dir: string,
  opts: Partial<EmbeddedStoreOptions> = {},
): Promise<{ store: EmbeddedStore; loaded: LoadResult; logged: Logged[] }> {
  const logged: Logged[] = [];
  const store = await openEmbeddedStore({
    dataDir: dir,
    log: (level, message, fields) => logged.push({ level, message, fields }),
    ...opts,
  });
  const loaded = await store.load();
  return { store, loaded, logged };
}

/** Opens, loads, closes: the leases a restart would see, sorted by address. */
export async function reload(dir: string): Promise<LoadResult> {
  const { store, loaded } = await openLoaded(dir);
  await store.close();
  loaded.leases.sort((a, b) => a.address - b.address);
  return loaded;
}

export const sysError = (code: string, message: string): Error => Object.assign(new Error(`${code}: ${message}`), { code });

/** Real io plus a hook called before each operation; throw from it to fail that operation. */
export function hookedIo(before: (op: keyof StoreIo, target: string) => void | Promise<void>): StoreIo {
  return {
    async write(file, data, position) {
      await before('write', file.path);
      return realIo.write(file, data, position);
    },
    async datasync(file) {
      await before('datasync', file.path);
      return realIo.datasync(file);
    },
    async truncate(file, length) {
      await before('truncate', file.path);
      return realIo.truncate(file, length);
    },
    async rename(from, to) {
      await before('rename', `${from} -> ${to}`);
      return realIo.rename(from, to);
    },
    async unlink(path) {
      await before('unlink', path);
      return realIo.unlink(path);
    },
    async syncDir(dir) {
      await before('syncDir', dir);
      return realIo.syncDir(dir);
    },
  };
}
