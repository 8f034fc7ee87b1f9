// Shared pieces of the PostgreSQL store tests: leases, stores with a recording watch, waiting.
import type { Lease, LeaseChange, LeaseState } from '../../src/engine/types.js';
import type { PostgresStoreConfig } from '../../src/config/model.js';
import { openPostgresStore, type PostgresLeaseStore, type PostgresStoreOptions } from '../../src/leases/postgres/postgres-store.js';

export const BASE = 0x0a4d0000; // 10.77.0.0

export function pgConfig(url: string): PostgresStoreConfig {
  return { kind: 'postgres', url, blockSize: 256, claimSeconds: 30 };
}

export function lease(n: number, fields: Partial<Lease> = {}): Lease {
  return {
    address: BASE + n,
    subnetId: 1,
    clientKey: `01:02:00:00:00:${(n & 0xff).toString(16).padStart(2, '0')}`,
    hwType: 1,
    hwAddress: Uint8Array.of(2, 0, 0, 0, (n >> 8) & 0xff, n & 0xff),
    clientId: null,
    hostname: null,
    state: 'bound' as LeaseState,
    issuedAt: 1_700_000_000,
    expiresAt: 1_700_000_000 + 3600,
    ...fields,
  };
}

export const upsert = (l: Lease): LeaseChange => ({ kind: 'upsert', lease: l });
export const del = (address: number): LeaseChange => ({ kind: 'delete', address });

export interface Watched {
  store: PostgresLeaseStore;
  seen: LeaseChange[];
}

/** A store as server `name`, loaded, whose watch deliveries collect in `seen`. */
export async function openWatched(url: string, name: string, opts: Partial<PostgresStoreOptions> = {}): Promise<Watched> {
  const store = await openPostgresStore({ config: pgConfig(url), serverName: name, ...opts });
  await store.load();
  const seen: LeaseChange[] = [];
  store.watch((c) => seen.push(c));
  return { store, seen };
}

/** Waits until `cond` holds, up to `ms`; throws naming `what` otherwise. */
export async function until(what: string, cond: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function lastFor(seen: readonly LeaseChange[], address: number): LeaseChange | undefined {
  for (let i = seen.length - 1; i >= 0; i--) {
    const c = seen[i]!;
    if ((c.kind === 'upsert' ? c.lease.address : c.address) === address) return c;
  }
  return undefined;
}

/** Lease fields as plain values (Uint8Array vs Buffer compare equal). */
export function plain(l: Lease): Record<string, unknown> {
  return { ...l, hwAddress: [...l.hwAddress], clientId: l.clientId === null ? null : [...l.clientId] };
}
